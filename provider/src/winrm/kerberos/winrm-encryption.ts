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
  frameEncrypted,
  KERBEROS_ENCRYPTED_PROTOCOL,
  SPNEGO_ENCRYPTED_PROTOCOL,
  unframeEncrypted,
} from "../encrypted-body";
import type { GssEncryptionProtocol } from "../encrypted-body";
import { KerberosProtocolError } from "./errors";
import type { WinrmWrapped } from "./gss";

export { encryptedContentType, KERBEROS_ENCRYPTED_PROTOCOL, SPNEGO_ENCRYPTED_PROTOCOL };
export type KerberosEncryptionProtocol = GssEncryptionProtocol;

/** The WinRM split of a wrap token (a GssSession, or a client context built on one). */
export interface WinrmWrapper {
  wrapWinrm(plain: Buffer): WinrmWrapped;
  unwrapWinrm(header: Buffer, data: Buffer): Buffer;
}

export function encryptWithKerberos(
  session: WinrmWrapper,
  plain: Buffer,
  protocol: KerberosEncryptionProtocol,
  innerContentType = DEFAULT_INNER_CONTENT_TYPE,
): Buffer {
  const { header, data, paddingLength } = session.wrapWinrm(plain);
  return frameEncrypted(protocol, { header, data }, plain.length + paddingLength, innerContentType);
}

function malformed(why: string): KerberosProtocolError {
  return new KerberosProtocolError(`malformed Kerberos-encrypted WinRM message: ${why}`);
}

export function decryptWithKerberos(session: WinrmWrapper, body: Buffer, protocol: KerberosEncryptionProtocol): { plain: Buffer; innerContentType: string } {
  const { header, data, originalLength, innerContentType } = unframeEncrypted(body, protocol, malformed);
  const plain = session.unwrapWinrm(header, data);
  const padding = data.length - plain.length;
  if (originalLength !== plain.length && originalLength !== plain.length + padding) {
    throw malformed(`OriginalContent Length=${originalLength} but the message decrypted to ${plain.length} bytes`);
  }
  return { plain, innerContentType };
}

/** Does this Content-Type announce a Kerberos- or SPNEGO-encrypted body? Returns the protocol. */
export function kerberosProtocolOf(contentType: string | undefined): KerberosEncryptionProtocol | undefined {
  const p = encryptedProtocolOf(contentType)?.toLowerCase();
  if (p === KERBEROS_ENCRYPTED_PROTOCOL.toLowerCase()) return KERBEROS_ENCRYPTED_PROTOCOL;
  if (p === SPNEGO_ENCRYPTED_PROTOCOL.toLowerCase()) return SPNEGO_ENCRYPTED_PROTOCOL;
  return undefined;
}
