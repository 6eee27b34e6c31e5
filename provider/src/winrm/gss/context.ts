// The seam between the protocols that carry authentication tokens (SPNEGO, CredSSP)
// and the mechanisms that make them (NTLM today, Kerberos next). A mechanism is a
// client-side GSS-API security context (RFC 2743) reduced to what SPNEGO and CredSSP
// use: token steps, completion, wrap/unwrap for confidentiality, and MICs.

/** Mechanism OIDs, dotted (RFC 4178, MS-NLMP 1.9, RFC 4121, MS-KILE 1.9). */
export const Mech = {
  SPNEGO: "1.3.6.1.5.5.2",
  NTLM: "1.3.6.1.4.1.311.2.2.10",
  /** Kerberos V5 (RFC 4121). */
  KERBEROS: "1.2.840.113554.1.2.2",
  /**
   * Microsoft's Kerberos OID, which Windows lists first in SPNEGO: the same mechanism
   * under a mis-encoded arc that Windows 2000 shipped with and everyone still accepts.
   */
  MS_KERBEROS: "1.2.840.48018.1.2.2",
} as const;

/** Two OIDs name the same mechanism (the two Kerberos OIDs are aliases). */
export function sameMechanism(a: string, b: string): boolean {
  if (a === b) return true;
  const kerberos: string[] = [Mech.KERBEROS, Mech.MS_KERBEROS];
  return kerberos.includes(a) && kerberos.includes(b);
}

/** A message wrapped for WinRM's multipart/encrypted body. */
export interface WinrmSealed {
  header: Buffer;
  /** Encrypted data, padding included. */
  data: Buffer;
  /** Padding bytes at the end of `data` (rc4-hmac Kerberos: 1; otherwise 0). */
  paddingLength: number;
}

/**
 * An initiator's security context for one mechanism. SPNEGO drives several of these
 * (one per offered mechanism) and CredSSP drives SPNEGO through the same interface.
 * Messages never contain key material or passwords.
 */
export interface ClientSecurityContext {
  /** The mechanism's dotted OID, as SPNEGO lists it in mechTypes. */
  readonly mechanism: string;
  /** True once the context is established: keys are agreed and wrap/unwrap work. */
  readonly complete: boolean;
  /**
   * One step of the token exchange: called first without input, then with each token
   * the acceptor returns. Resolves to the token to send next, or undefined when there
   * is nothing to send. Asynchronous because a mechanism may talk to a third party
   * (Kerberos asks its KDC for a ticket).
   */
  step(input?: Buffer): Promise<Buffer | undefined>;
  /** GSS_Wrap with confidentiality: the mechanism's whole token (for NTLM: signature || sealed). */
  wrap(plain: Buffer): Buffer;
  /**
   * The same wrap split the way WinRM frames it over HTTP (MS-WSMV 2.2.9.1): the token
   * header, then the encrypted data with any padding. For NTLM the header is the
   * signature; for Kerberos it is what gss_wrap_iov puts in its HEADER buffer.
   */
  wrapWinrm(plain: Buffer): WinrmSealed;
  /** Reverses wrapWinrm from the other side; throws when it does not verify. */
  unwrapWinrm(header: Buffer, data: Buffer): Buffer;
  /** GSS_Unwrap of a token from wrap() on the other side; throws when it does not verify. */
  unwrap(token: Buffer): Buffer;
  /** GSS_GetMIC over a message. */
  getMIC(message: Buffer): Buffer;
  /** GSS_VerifyMIC; throws when the MIC does not match. */
  verifyMIC(message: Buffer, mic: Buffer): void;
  /**
   * The mechanism needs SPNEGO's mechListMIC even when it was the initiator's first
   * choice (Windows requires it for NTLM whenever the AUTHENTICATE message carries a
   * MIC, MS-SPNG 3.1.5.1). Read after the context is complete.
   */
  readonly requiresMechListMic: boolean;
  /**
   * Called right after SPNEGO signed (outbound) or verified (inbound) the mechListMIC
   * with this context. NTLM restarts that direction's RC4 keystream here (MS-SPNG
   * 3.3.5.1); mechanisms without such a rule do nothing.
   */
  afterMechListMic(direction: "outbound" | "inbound"): void;
}
