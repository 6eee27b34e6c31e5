// CredSSP's errors. A wrong password is not among them: it is an AuthenticationError
// (WINRM_AUTH) like every other scheme's, carrying the NTSTATUS the server sent.
import { EndpointError, WinRMError } from "../errors";
import type { Endpoint } from "../errors";
import { ntStatusName } from "./ntstatus";

/** A CredSSP message or TLS record we cannot use, or a peer that broke the protocol. */
export class CredSspError extends WinRMError {
  override readonly name: string = "CredSspError";
  readonly code = "WINRM_CREDSSP";
}

/**
 * The server's proof of its TLS public key (pubKeyAuth) did not match the key of the
 * TLS channel we set up: someone between us may have terminated that channel. The
 * credentials were not sent.
 */
export class CredSspServerKeyError extends EndpointError {
  override readonly name = "CredSspServerKeyError";
  readonly code = "WINRM_CREDSSP_SERVER_KEY";
  constructor(at: Endpoint) {
    super(at, (target) =>
      `${target} did not prove it holds the private key of the CredSSP TLS channel ` +
        "(its pubKeyAuth does not match the public key we saw): a man-in-the-middle is possible. " +
        "The credentials were NOT sent.",
    );
  }
}

/** The server ended the CredSSP exchange with an NTSTATUS (TSRequest errorCode) that is not about the credentials. */
export class CredSspStatusError extends EndpointError {
  override readonly name = "CredSspStatusError";
  readonly code = "WINRM_CREDSSP_STATUS";
  /** The NTSTATUS as an unsigned number, e.g. 0xC0000192. */
  readonly ntStatus: number;
  constructor(fields: Endpoint & { ntStatus: number }) {
    super(fields, (target) => `${target} ended CredSSP authentication with ${ntStatusName(fields.ntStatus)}`);
    this.ntStatus = fields.ntStatus;
  }
}
