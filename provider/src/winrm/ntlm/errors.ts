// NTLM's own error type. Callers (the WinRM client and the simulator) branch on `code`:
//   NTLM_BAD_MESSAGE  - a token or frame that does not parse (protocol violation)
//   NTLM_AUTH_FAILED  - well-formed, but the credentials/proof did not verify
//   NTLM_INTEGRITY    - a sealed message whose signature does not verify (tampering / desync)
// Messages never include a password or key material.

export type NtlmErrorCode = "NTLM_BAD_MESSAGE" | "NTLM_AUTH_FAILED" | "NTLM_INTEGRITY";

export class NtlmError extends Error {
  readonly code: NtlmErrorCode;
  constructor(code: NtlmErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = "NtlmError";
  }
}
