// The multipart/encrypted body WinRM uses over HTTP when a GSS-API mechanism seals the
// messages (MS-WSMV 2.2.9.1.1 for SPNEGO, 2.2.9.1.2 for Kerberos): two MIME parts, the
// first naming the protocol and the original content, the second holding a 4-byte
// little-endian header length, the mechanism's token header, then the encrypted data:
//
//   --Encrypted Boundary\r\n
//   \tContent-Type: <protocol>\r\n
//   \tOriginalContent: type=<inner content type>;Length=<n>\r\n
//   --Encrypted Boundary\r\n
//   \tContent-Type: application/octet-stream\r\n
//   <uint32 LE header length><header><data>--Encrypted Boundary--\r\n
//
// NTLM (encryption.ts) and Kerberos (kerberos/winrm-encryption.ts) differ only in what
// header and data are; both frame with this module. CredSSP's framing (its length field
// is a TLS trailer size, and long bodies are cut into parts) is its own
// (credssp/encryption.ts).
import { SOAP_CONTENT_TYPE } from "./soap";

export const SPNEGO_ENCRYPTED_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted";
export const KERBEROS_ENCRYPTED_PROTOCOL = "application/HTTP-Kerberos-session-encrypted";
export type GssEncryptionProtocol = typeof SPNEGO_ENCRYPTED_PROTOCOL | typeof KERBEROS_ENCRYPTED_PROTOCOL;

const BOUNDARY = "Encrypted Boundary";
const DELIMITER = Buffer.from(`--${BOUNDARY}\r\n`, "latin1");
const CLOSE = Buffer.from(`--${BOUNDARY}--`, "latin1");
export const DEFAULT_INNER_CONTENT_TYPE = SOAP_CONTENT_TYPE;

/** What the mechanism's wrap produced: the token header and the encrypted data after it. */
export interface SealedParts {
  header: Buffer;
  data: Buffer;
}

/** The framed parts of a received body, before the mechanism unwraps them. */
export interface UnframedBody extends SealedParts {
  /** OriginalContent's Length. */
  originalLength: number;
  /** OriginalContent's type, e.g. application/soap+xml;charset=UTF-8. */
  innerContentType: string;
}

export function encryptedContentType(protocol: string): string {
  return `multipart/encrypted;protocol="${protocol}";boundary="${BOUNDARY}"`;
}

/** The protocol of a multipart/encrypted Content-Type (as written), or undefined for anything else. */
export function encryptedProtocolOf(contentType: string | undefined): string | undefined {
  if (!contentType || !contentType.toLowerCase().startsWith("multipart/encrypted")) return undefined;
  return /;\s*protocol="([^"]*)"/i.exec(contentType)?.[1];
}

/** True when `contentType` is multipart/encrypted with this protocol (case-insensitive). */
export function isEncryptedWith(contentType: string | undefined, protocol: string): boolean {
  return encryptedProtocolOf(contentType)?.toLowerCase() === protocol.toLowerCase();
}

export function frameEncrypted(
  protocol: string,
  sealed: SealedParts,
  originalLength: number,
  innerContentType: string = DEFAULT_INNER_CONTENT_TYPE,
): Buffer {
  const headerLength = Buffer.alloc(4);
  headerLength.writeUInt32LE(sealed.header.length);
  return Buffer.concat([
    DELIMITER,
    Buffer.from(`\tContent-Type: ${protocol}\r\n\tOriginalContent: type=${innerContentType};Length=${originalLength}\r\n`, "latin1"),
    DELIMITER,
    Buffer.from("\tContent-Type: application/octet-stream\r\n", "latin1"),
    headerLength,
    sealed.header,
    sealed.data,
    // No CRLF before the closing boundary: the encrypted bytes run right up to it, as Windows sends.
    CLOSE,
    Buffer.from("\r\n", "latin1"),
  ]);
}

/** "\tName: value" lines (tabs optional) by lower-case name. */
function partHeaders(text: string, fail: (why: string) => Error): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const trimmed = line.trim();
    if (trimmed === "") continue;
    const colon = trimmed.indexOf(":");
    if (colon < 0) throw fail(`bad part header '${trimmed.slice(0, 60)}'`);
    out.set(trimmed.slice(0, colon).trim().toLowerCase(), trimmed.slice(colon + 1).trim());
  }
  return out;
}

/**
 * Splits a received body into header and data. `fail` makes the caller's error type
 * (each mechanism reports framing errors in its own family). The data runs up to the
 * last closing boundary: encrypted bytes may contain anything, CRLF and boundary text
 * included.
 */
export function unframeEncrypted(body: Buffer, protocol: string, fail: (why: string) => Error): UnframedBody {
  if (!body.subarray(0, DELIMITER.length).equals(DELIMITER)) throw fail("missing MIME boundary");
  const second = body.indexOf(DELIMITER, DELIMITER.length);
  if (second < 0) throw fail("missing MIME boundary before the data part");
  const meta = partHeaders(body.toString("latin1", DELIMITER.length, second), fail);
  if (meta.get("content-type")?.toLowerCase() !== protocol.toLowerCase()) throw fail(`first part is not ${protocol}`);
  const original = /^type=(.*);\s*Length=(\d+)\s*$/i.exec(meta.get("originalcontent") ?? "");
  if (!original) throw fail("OriginalContent header lacks type and Length");

  const partStart = second + DELIMITER.length;
  const lineEnd = body.indexOf("\r\n", partStart, "latin1");
  if (lineEnd < 0 || partHeaders(body.toString("latin1", partStart, lineEnd), fail).get("content-type")?.toLowerCase() !== "application/octet-stream") {
    throw fail("second part is not application/octet-stream");
  }
  const payloadStart = lineEnd + 2;
  const closeAt = body.lastIndexOf(CLOSE);
  if (closeAt < payloadStart) throw fail("missing closing MIME boundary");
  const payload = body.subarray(payloadStart, closeAt);
  if (payload.length < 4) throw fail("payload too short");
  const headerLength = payload.readUInt32LE(0);
  if (4 + headerLength > payload.length) throw fail(`header length ${headerLength} overruns the part`);
  return {
    header: Buffer.from(payload.subarray(4, 4 + headerLength)),
    data: Buffer.from(payload.subarray(4 + headerLength)),
    originalLength: Number(original[2]),
    innerContentType: original[1],
  };
}

/** A GSS-API context's WinRM wrap (NTLM or Kerberos, or SPNEGO over either). */
export interface WinrmWrapper {
  wrapWinrm(plain: Buffer): SealedParts & { paddingLength: number };
  unwrapWinrm(header: Buffer, data: Buffer): Buffer;
}

/**
 * Wraps and frames one message. The OriginalContent Length counts the wrap's padding
 * (rc4-hmac Kerberos has one byte; NTLM and AES none), as pypsrp sends it.
 */
export function sealBody(wrapper: WinrmWrapper, plain: Buffer, protocol: string, innerContentType = DEFAULT_INNER_CONTENT_TYPE): Buffer {
  const { header, data, paddingLength } = wrapper.wrapWinrm(plain);
  return frameEncrypted(protocol, { header, data }, plain.length + paddingLength, innerContentType);
}

/** Unframes and unwraps one message; a Length with or without the padding is accepted (pywinrm sends it without). */
export function openBody(
  wrapper: WinrmWrapper,
  body: Buffer,
  protocol: string,
  fail: (why: string) => Error,
): { plain: Buffer; innerContentType: string } {
  const { header, data, originalLength, innerContentType } = unframeEncrypted(body, protocol, fail);
  const plain = wrapper.unwrapWinrm(header, data);
  const padding = data.length - plain.length;
  if (originalLength !== plain.length && originalLength !== plain.length + padding) {
    throw fail(`OriginalContent Length=${originalLength} but the message decrypted to ${plain.length} bytes`);
  }
  return { plain, innerContentType };
}
