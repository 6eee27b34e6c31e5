// WinRM message encryption over a Kerberos context (MS-WSMV 2.2.9.1.2): the SOAP body is
// wrapped with the GSS context and framed as multipart/encrypted (../encrypted-body.ts),
// protocol "application/HTTP-Kerberos-session-encrypted" when the HTTP scheme was
// Kerberos, or "application/HTTP-SPNEGO-session-encrypted" when it was Negotiate. The
// token header and the encrypted data are the split gss_wrap_iov makes (see gss/cfx.ts
// and gss/rc4.ts). Like pypsrp, the OriginalContent Length we send counts the wrap
// padding (rc4's one byte; AES has none), and on receipt we accept a Length with or
// without it (pywinrm sends the plaintext length).

import {
  DEFAULT_INNER_CONTENT_TYPE,
  encryptedContentType,
  encryptedProtocolOf,
  KERBEROS_ENCRYPTED_PROTOCOL,
  openBody,
  sealBody,
  SPNEGO_ENCRYPTED_PROTOCOL,
} from "../encrypted-body";
import type { GssEncryptionProtocol, WinrmWrapper } from "../encrypted-body";
import { KerberosProtocolError } from "./errors";

export { encryptedContentType, KERBEROS_ENCRYPTED_PROTOCOL, SPNEGO_ENCRYPTED_PROTOCOL };
export type { WinrmWrapper };
export type KerberosEncryptionProtocol = GssEncryptionProtocol;

export function encryptWithKerberos(
  session: WinrmWrapper,
  plain: Buffer,
  protocol: KerberosEncryptionProtocol,
  innerContentType = DEFAULT_INNER_CONTENT_TYPE,
): Buffer {
  return sealBody(session, plain, protocol, innerContentType);
}

function malformed(why: string): KerberosProtocolError {
  return new KerberosProtocolError(`malformed Kerberos-encrypted WinRM message: ${why}`);
}

export function decryptWithKerberos(session: WinrmWrapper, body: Buffer, protocol: KerberosEncryptionProtocol): { plain: Buffer; innerContentType: string } {
  return openBody(session, body, protocol, malformed);
}

/** Does this Content-Type announce a Kerberos- or SPNEGO-encrypted body? Returns the protocol. */
export function kerberosProtocolOf(contentType: string | undefined): KerberosEncryptionProtocol | undefined {
  const p = encryptedProtocolOf(contentType)?.toLowerCase();
  if (p === KERBEROS_ENCRYPTED_PROTOCOL.toLowerCase()) return KERBEROS_ENCRYPTED_PROTOCOL;
  if (p === SPNEGO_ENCRYPTED_PROTOCOL.toLowerCase()) return SPNEGO_ENCRYPTED_PROTOCOL;
  return undefined;
}
