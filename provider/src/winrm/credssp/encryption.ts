// WinRM message encryption with CredSSP over HTTP (MS-WSMV 2.2.9.1.3): the SOAP body is
// encrypted by the CredSSP TLS channel and framed as multipart/encrypted with protocol
// application/HTTP-CredSSP-session-encrypted. A body over 16 KiB is cut into 16 KiB
// pieces, each its own part, under multipart/x-multi-encrypted. Each part's payload is
// a 32-bit little-endian length followed by the TLS record(s):
//
//   --Encrypted Boundary\r\n
//   \tContent-Type: application/HTTP-CredSSP-session-encrypted\r\n
//   \tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=<plain length>\r\n
//   --Encrypted Boundary\r\n
//   \tContent-Type: application/octet-stream\r\n
//   <uint32 LE length><TLS records>            (repeated per part)
//   --Encrypted Boundary--\r\n
//
// The length is the size of what SSPI's EncryptMessage calls the trailer
// (SecPkgContext_StreamSizes), which depends on the negotiated cipher suite; Windows
// expects it, so we compute it as Schannel would (trailerLength below). Reading, we
// take the TLS records by their own headers and do not rely on it.
//
// Shared by the client and the simulator, like encryption.ts is for NTLM.

import { SOAP_CONTENT_TYPE } from "../soap";
import { CredSspError } from "./errors";
import { isWholeRecords } from "./tls-channel";
import type { NegotiatedCipher } from "./tls-channel";

export const CREDSSP_PROTOCOL = "application/HTTP-CredSSP-session-encrypted";
const BOUNDARY = "--Encrypted Boundary";
/** Largest piece of a message encrypted as one part (and one TLS record). */
export const CHUNK = 16384;

export function credSspContentType(multi: boolean): string {
  return `${multi ? "multipart/x-multi-encrypted" : "multipart/encrypted"};protocol="${CREDSSP_PROTOCOL}";boundary="Encrypted Boundary"`;
}

export function isCredSspEncrypted(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const lower = contentType.toLowerCase();
  return (
    (lower.startsWith("multipart/encrypted") || lower.startsWith("multipart/x-multi-encrypted")) &&
    lower.includes(`protocol="${CREDSSP_PROTOCOL.toLowerCase()}"`)
  );
}

/**
 * Bytes after the data in an encrypted TLS record for `plainLength` bytes of data:
 * TLS 1.3 AEAD: the 16-byte tag plus the inner content-type byte; TLS 1.2 AEAD (GCM,
 * CCM, ChaCha20-Poly1305): the tag; TLS 1.2 CBC: the MAC plus padding to the block.
 */
export function trailerLength(cipher: NegotiatedCipher, plainLength: number): number {
  if (cipher.version === "TLSv1.3") return 17;
  const name = cipher.standardName.toUpperCase();
  if (/_GCM_|_CCM|CHACHA20_POLY1305/.test(name)) return 16;
  const mac = name.endsWith("_SHA384") ? 48 : name.endsWith("_SHA256") ? 32 : name.endsWith("_SHA") ? 20 : name.endsWith("_MD5") ? 16 : 0;
  if (name.includes("_RC4_")) return mac;
  const block = name.includes("3DES") || name.includes("_DES_") ? 8 : 16;
  const unpadded = plainLength + mac;
  return mac + (block - (unpadded % block));
}

export interface CredSspSealer {
  wrap(plain: Buffer): Promise<Buffer>;
  unwrap(records: Buffer): Promise<Buffer>;
  cipher(): NegotiatedCipher;
}

/** The multipart body and its Content-Type for one SOAP message. */
export async function encryptCredSsp(sealer: CredSspSealer, plain: Buffer): Promise<{ body: Buffer; contentType: string }> {
  const parts: Buffer[] = [];
  const cipher = sealer.cipher();
  for (let offset = 0; offset === 0 || offset < plain.length; offset += CHUNK) {
    const piece = plain.subarray(offset, offset + CHUNK);
    const records = await sealer.wrap(piece);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(trailerLength(cipher, piece.length));
    parts.push(
      Buffer.from(
        `${BOUNDARY}\r\n\tContent-Type: ${CREDSSP_PROTOCOL}\r\n\tOriginalContent: type=${SOAP_CONTENT_TYPE};Length=${piece.length}\r\n` +
          `${BOUNDARY}\r\n\tContent-Type: application/octet-stream\r\n`,
        "latin1",
      ),
      length,
      records,
    );
  }
  parts.push(Buffer.from(`${BOUNDARY}--\r\n`, "latin1"));
  return { body: Buffer.concat(parts), contentType: credSspContentType(plain.length > CHUNK) };
}

function bad(why: string): CredSspError {
  return new CredSspError(`malformed CredSSP-encrypted WinRM message: ${why}`);
}

/** One CRLF-terminated header line `Name: value` at `pos` (leading whitespace allowed). */
function headerLine(body: Buffer, pos: number): { name: string; value: string; end: number } {
  const eol = body.indexOf("\r\n", pos, "latin1");
  if (eol < 0) throw bad("truncated part headers");
  const line = body.toString("latin1", pos, eol).trim();
  const colon = line.indexOf(":");
  if (colon < 0) throw bad(`bad header line '${line.slice(0, 60)}'`);
  return { name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim(), end: eol + 2 };
}

function startsWith(body: Buffer, pos: number, text: string): boolean {
  return body.subarray(pos, pos + text.length).equals(Buffer.from(text, "latin1"));
}

/** Decrypts every part and joins the pieces; checks each piece against its Length. */
export async function decryptCredSsp(sealer: CredSspSealer, body: Buffer): Promise<{ plain: Buffer; innerContentType: string }> {
  const pieces: Buffer[] = [];
  let innerContentType = SOAP_CONTENT_TYPE;
  let pos = 0;
  for (;;) {
    if (startsWith(body, pos, `${BOUNDARY}--`)) break;
    if (!startsWith(body, pos, `${BOUNDARY}\r\n`)) throw bad("missing MIME boundary");
    pos += BOUNDARY.length + 2;
    const type = headerLine(body, pos);
    if (type.name !== "content-type" || type.value.toLowerCase() !== CREDSSP_PROTOCOL.toLowerCase()) {
      throw bad(`a part is not ${CREDSSP_PROTOCOL}`);
    }
    const original = headerLine(body, type.end);
    const m = original.name === "originalcontent" ? /^type=(.*);\s*Length=(\d+)$/i.exec(original.value) : null;
    if (!m) throw bad("OriginalContent header lacks type and Length");
    innerContentType = m[1];
    pos = original.end;
    if (!startsWith(body, pos, `${BOUNDARY}\r\n`)) throw bad("missing MIME boundary before the data");
    const octet = headerLine(body, pos + BOUNDARY.length + 2);
    if (octet.name !== "content-type" || octet.value.toLowerCase() !== "application/octet-stream") {
      throw bad("data part is not application/octet-stream");
    }
    pos = octet.end + 4; // the trailer length: Windows needs it, a reader does not
    const start = pos;
    while (pos < body.length && !startsWith(body, pos, BOUNDARY)) {
      if (pos + 5 > body.length) throw bad("truncated TLS record");
      pos += 5 + body.readUInt16BE(pos + 3);
    }
    const records = body.subarray(start, pos);
    if (pos > body.length || records.length === 0 || !isWholeRecords(records)) throw bad("data is not whole TLS records");
    const piece = await sealer.unwrap(Buffer.from(records));
    if (piece.length !== Number(m[2])) throw bad(`OriginalContent Length=${m[2]} but the part decrypted to ${piece.length} bytes`);
    pieces.push(piece);
  }
  if (pieces.length === 0) throw bad("no encrypted part");
  return { plain: Buffer.concat(pieces), innerContentType };
}
