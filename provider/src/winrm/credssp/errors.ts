// CredSSP's errors. A wrong password is not among them: it is an AuthenticationError
// (WINRM_AUTH) like every other scheme's, carrying the NTSTATUS the server sent.
import { WinRMError } from "../errors";
import type { Scheme } from "../errors";
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
export class CredSspServerKeyError extends WinRMError {
  override readonly name = "CredSspServerKeyError";
  readonly code = "WINRM_CREDSSP_SERVER_KEY";
  readonly host: string;
  readonly port: number;
  readonly scheme: Scheme;
  constructor(fields: { host: string; port: number; scheme: Scheme }) {
    super(
      `${fields.scheme}://${fields.host}:${fields.port} did not prove it holds the private key of the CredSSP TLS channel ` +
        "(its pubKeyAuth does not match the public key we saw): a man-in-the-middle is possible. " +
        "The credentials were NOT sent.",
    );
    this.host = fields.host;
    this.port = fields.port;
    this.scheme = fields.scheme;
  }
}

/** The server ended the CredSSP exchange with an NTSTATUS (TSRequest errorCode) that is not about the credentials. */
export class CredSspStatusError extends WinRMError {
  override readonly name = "CredSspStatusError";
  readonly code = "WINRM_CREDSSP_STATUS";
  /** The NTSTATUS as an unsigned number, e.g. 0xC0000192. */
  readonly ntStatus: number;
  readonly host: string;
  readonly port: number;
  readonly scheme: Scheme;
  constructor(fields: { ntStatus: number; host: string; port: number; scheme: Scheme }) {
    super(
      `${fields.scheme}://${fields.host}:${fields.port} ended CredSSP authentication with ${ntStatusName(fields.ntStatus)}`,
    );
    this.ntStatus = fields.ntStatus;
    this.host = fields.host;
    this.port = fields.port;
    this.scheme = fields.scheme;
  }
}
