// WinRM message encryption over a Kerberos context (MS-WSMV 2.2.9.1.2): the SOAP body is
// wrapped with the GSS context and sent as multipart/encrypted, protocol
// "application/HTTP-Kerberos-session-encrypted" when the HTTP scheme was Kerberos, or
// "application/HTTP-SPNEGO-session-encrypted" when it was Negotiate. The octet-stream
// part is a 4-byte little-endian header length, the token header, then the encrypted
// data (the split gss_wrap_iov makes; see gss/cfx.ts and gss/rc4.ts). Like pypsrp, the
// OriginalContent Length we send counts the wrap padding (rc4's one byte; AES has none),
// and on receipt we accept a Length with or without it.

import { KerberosProtocolError } from "./errors";
import type { GssSession } from "./gss";

export const KERBEROS_ENCRYPTED_PROTOCOL = "application/HTTP-Kerberos-session-encrypted";
export const SPNEGO_ENCRYPTED_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted";
export type KerberosEncryptionProtocol = typeof KERBEROS_ENCRYPTED_PROTOCOL | typeof SPNEGO_ENCRYPTED_PROTOCOL;

const BOUNDARY = "Encrypted Boundary";
const DELIMITER = Buffer.from(`--${BOUNDARY}\r\n`, "latin1");
const CLOSE = Buffer.from(`--${BOUNDARY}--\r\n`, "latin1");
const DEFAULT_INNER_TYPE = "application/soap+xml;charset=UTF-8";

export function encryptedContentType(protocol: KerberosEncryptionProtocol): string {
  return `multipart/encrypted;protocol="${protocol}";boundary="${BOUNDARY}"`;
}

export function encryptWithKerberos(
  session: GssSession,
  plain: Buffer,
  protocol: KerberosEncryptionProtocol,
  innerContentType = DEFAULT_INNER_TYPE,
): Buffer {
  const { header, data, paddingLength } = session.wrapWinrm(plain);
  const headerLength = Buffer.alloc(4);
  headerLength.writeUInt32LE(header.length);
  return Buffer.concat([
    DELIMITER,
    Buffer.from(`\tContent-Type: ${protocol}\r\n\tOriginalContent: type=${innerContentType};Length=${plain.length + paddingLength}\r\n`, "latin1"),
    DELIMITER,
    Buffer.from("\tContent-Type: application/octet-stream\r\n", "latin1"),
    headerLength,
    header,
    data,
    CLOSE,
  ]);
}

function malformed(why: string): KerberosProtocolError {
  return new KerberosProtocolError(`malformed Kerberos-encrypted WinRM message: ${why}`);
}

/** Part header lines ("\tName: value", CRLF-separated) by lower-case name. */
function headerLines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const trimmed = line.trim();
    if (trimmed === "") continue;
    const colon = trimmed.indexOf(":");
    if (colon < 0) throw malformed(`bad part header "${trimmed.slice(0, 60)}"`);
    out.set(trimmed.slice(0, colon).trim().toLowerCase(), trimmed.slice(colon + 1).trim());
  }
  return out;
}

export function decryptWithKerberos(session: GssSession, body: Buffer, protocol: KerberosEncryptionProtocol): { plain: Buffer; innerContentType: string } {
  if (!body.subarray(0, DELIMITER.length).equals(DELIMITER)) throw malformed("does not start with the MIME boundary");
  const second = body.indexOf(DELIMITER, DELIMITER.length);
  if (second < 0) throw malformed("has one part, not two");
  const meta = headerLines(body.toString("latin1", DELIMITER.length, second));
  if (meta.get("content-type")?.toLowerCase() !== protocol.toLowerCase()) throw malformed(`first part is not ${protocol}`);
  const original = /^type=(.*);\s*Length=(\d+)\s*$/i.exec(meta.get("originalcontent") ?? "");
  if (!original) throw malformed("OriginalContent lacks type and Length");

  const partStart = second + DELIMITER.length;
  const lineEnd = body.indexOf("\r\n", partStart, "latin1");
  if (lineEnd < 0 || headerLines(body.toString("latin1", partStart, lineEnd)).get("content-type")?.toLowerCase() !== "application/octet-stream") {
    throw malformed("second part is not application/octet-stream");
  }
  const payloadStart = lineEnd + 2;
  // The encrypted bytes run up to the closing boundary, which may lack its final CRLF.
  const closeAt = body.lastIndexOf(Buffer.from(`--${BOUNDARY}--`, "latin1"));
  if (closeAt < payloadStart + 4) throw malformed("missing closing boundary");
  const payload = body.subarray(payloadStart, closeAt);
  const headerLength = payload.readUInt32LE(0);
  if (4 + headerLength > payload.length) throw malformed(`header length ${headerLength} overruns the part`);
  const plain = session.unwrapWinrm(payload.subarray(4, 4 + headerLength), payload.subarray(4 + headerLength));
  const expected = Number(original[2]);
  const padding = payload.length - 4 - headerLength - plain.length;
  if (expected !== plain.length && expected !== plain.length + padding) {
    throw malformed(`OriginalContent Length=${expected} but the message decrypted to ${plain.length} bytes`);
  }
  return { plain, innerContentType: original[1] };
}

/** Does this Content-Type announce a Kerberos- or SPNEGO-encrypted body? Returns the protocol. */
export function kerberosProtocolOf(contentType: string | undefined): KerberosEncryptionProtocol | undefined {
  const lower = (contentType ?? "").toLowerCase();
  if (!lower.startsWith("multipart/encrypted")) return undefined;
  if (lower.includes(`protocol="${KERBEROS_ENCRYPTED_PROTOCOL.toLowerCase()}"`)) return KERBEROS_ENCRYPTED_PROTOCOL;
  if (lower.includes(`protocol="${SPNEGO_ENCRYPTED_PROTOCOL.toLowerCase()}"`)) return SPNEGO_ENCRYPTED_PROTOCOL;
  return undefined;
}
