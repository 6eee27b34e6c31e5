// NTLM's errors, inside the wire layer's hierarchy (NtlmError extends WinRMError). One
// class per failure, each with a literal `code` that callers (the WinRM client and the
// simulator) may branch on:
//   NtlmMessageError   WINRM_NTLM_BAD_MESSAGE  a token or frame that does not parse (protocol violation)
//   NtlmAuthError      WINRM_NTLM_AUTH_FAILED  well-formed, but the credentials/proof did not verify
//   NtlmIntegrityError WINRM_NTLM_INTEGRITY    a sealed message whose signature does not verify, or
//                                              sealing that the negotiated flags cannot do
// Messages never include a password or key material.
import { WinRMError } from "../errors";

export type NtlmErrorCode = "WINRM_NTLM_BAD_MESSAGE" | "WINRM_NTLM_AUTH_FAILED" | "WINRM_NTLM_INTEGRITY";

/** The base of NTLM's errors; `instanceof NtlmError` catches all three. */
export abstract class NtlmError extends WinRMError {
  abstract override readonly code: NtlmErrorCode;
  override readonly name: string = "NtlmError";
}

export class NtlmMessageError extends NtlmError {
  override readonly name = "NtlmMessageError";
  readonly code = "WINRM_NTLM_BAD_MESSAGE";
}

export class NtlmAuthError extends NtlmError {
  override readonly name = "NtlmAuthError";
  readonly code = "WINRM_NTLM_AUTH_FAILED";
}

export class NtlmIntegrityError extends NtlmError {
  override readonly name = "NtlmIntegrityError";
  readonly code = "WINRM_NTLM_INTEGRITY";
}
