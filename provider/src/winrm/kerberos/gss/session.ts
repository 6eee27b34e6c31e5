// An established Kerberos GSS-API security context: per-message protection with the
// context key (RFC 4121 section 2: the acceptor's subkey when it sent one, else the
// initiator's subkey, else the ticket's session key). AES contexts use RFC 4121 tokens
// (cfx.ts); rc4-hmac contexts use RFC 4757's (rc4.ts). Sequence numbers are checked
// strictly in order: WinRM is one request, one reply, on one connection.

export type GssRole = "initiator" | "acceptor";

/** WinRM's split of a wrap token (MS-WSMV 2.2.9.1.2.2): the header goes after the length field, the data after it. */
export interface WinrmWrapped {
  /** Token header (for AES: 16-byte header, rotated trailer and confounder; for rc4: framing, header and confounder). */
  header: Buffer;
  /** Encrypted data, padding included; as long as the plaintext plus `paddingLength`. */
  data: Buffer;
  paddingLength: number;
}

export interface GssSession {
  readonly role: GssRole;
  /** Enctype of the context key (18, 17 or 23). */
  readonly enctype: number;
  /** Seal (confidential, default) or sign-only wrap into one token. */
  wrap(plain: Buffer, confidential?: boolean): Buffer;
  unwrap(token: Buffer): Buffer;
  /** The same wrap, laid out the way WinRM frames it (gss_wrap_iov with HEADER, DATA, PADDING). */
  wrapWinrm(plain: Buffer): WinrmWrapped;
  unwrapWinrm(header: Buffer, data: Buffer): Buffer;
  getMic(message: Buffer): Buffer;
  verifyMic(message: Buffer, mic: Buffer): void;
}

export interface SessionKeys {
  role: GssRole;
  key: Buffer;
  enctype: number;
  /** The acceptor sent a subkey in its AP-REP (RFC 4121 flag AcceptorSubkey). */
  acceptorSubkey: boolean;
  sendSeq: number;
  recvSeq: number;
}
