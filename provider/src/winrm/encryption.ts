// WinRM message-level encryption over HTTP (contract B; MS-WSMV 2.2.9.1.1): a SOAP body
// sealed with the NTLM session and framed as multipart/encrypted. Both the client and the
// simulator use these, so the layout follows pywinrm/Windows byte for byte.

import { NtlmMessageError } from "./ntlm";
import type { NtlmSession } from "./ntlm";
import { SOAP_CONTENT_TYPE } from "./soap";

const BOUNDARY = "--Encrypted Boundary";
const PROTOCOL = "application/HTTP-SPNEGO-session-encrypted";
const SIGNATURE_LENGTH = 16;

export const ENCRYPTED_CONTENT_TYPE = `multipart/encrypted;protocol="${PROTOCOL}";boundary="Encrypted Boundary"`;

export function encryptMessage(session: NtlmSession, plain: Buffer, innerContentType: string = SOAP_CONTENT_TYPE): Buffer {
  const { signature, sealed } = session.wrap(plain);
  const sigLength = Buffer.alloc(4);
  sigLength.writeUInt32LE(signature.length);
  return Buffer.concat([
    Buffer.from(
      `${BOUNDARY}\r\n` +
        `\tContent-Type: ${PROTOCOL}\r\n` +
        `\tOriginalContent: type=${innerContentType};Length=${plain.length}\r\n` +
        `${BOUNDARY}\r\n` +
        `\tContent-Type: application/octet-stream\r\n`,
      "latin1",
    ),
    sigLength,
    signature,
    sealed,
    // No CRLF before the closing boundary: the sealed bytes run right up to it (as Windows sends).
    Buffer.from(`${BOUNDARY}--\r\n`, "latin1"),
  ]);
}

function bad(why: string): NtlmMessageError {
  return new NtlmMessageError(`malformed encrypted WinRM message: ${why}`);
}

/** Reads CRLF-terminated header lines starting at `pos`; tolerant of leading tabs/spaces. */
function readHeaders(body: Buffer, pos: number, count: number): { headers: Map<string, string>; end: number } {
  const headers = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const eol = body.indexOf("\r\n", pos, "latin1");
    if (eol < 0) throw bad("truncated part headers");
    const line = body.toString("latin1", pos, eol).trim();
    const colon = line.indexOf(":");
    if (colon < 0) throw bad(`bad header line '${line.slice(0, 60)}'`);
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    pos = eol + 2;
  }
  return { headers, end: pos };
}

function expectBoundary(body: Buffer, pos: number): number {
  const marker = Buffer.from(`${BOUNDARY}\r\n`, "latin1");
  if (!body.subarray(pos, pos + marker.length).equals(marker)) throw bad("missing MIME boundary");
  return pos + marker.length;
}

export function decryptMessage(session: NtlmSession, body: Buffer): { plain: Buffer; innerContentType: string } {
  let pos = expectBoundary(body, 0);
  const first = readHeaders(body, pos, 2);
  if (first.headers.get("content-type")?.toLowerCase() !== PROTOCOL.toLowerCase()) {
    throw bad(`first part is not ${PROTOCOL}`);
  }
  const original = first.headers.get("originalcontent");
  const lengthMatch = original ? /^type=(.*);\s*Length=(\d+)\s*$/i.exec(original) : null;
  if (!lengthMatch) throw bad("OriginalContent header lacks type and Length");
  const innerContentType = lengthMatch[1];
  const expectedLength = Number(lengthMatch[2]);

  pos = expectBoundary(body, first.end);
  const second = readHeaders(body, pos, 1);
  if (second.headers.get("content-type")?.toLowerCase() !== "application/octet-stream") {
    throw bad("second part is not application/octet-stream");
  }
  const payloadStart = second.end;
  const closing = Buffer.from(`${BOUNDARY}--`, "latin1");
  const payloadEnd = body.lastIndexOf(closing);
  if (payloadEnd < payloadStart) throw bad("missing closing MIME boundary");
  // The payload runs exactly up to the closing boundary. No CRLF is stripped before it:
  // sealed bytes may legitimately end in CRLF.
  const payload = body.subarray(payloadStart, payloadEnd);
  if (payload.length < 4) throw bad("payload too short");
  const sigLength = payload.readUInt32LE(0);
  if (sigLength !== SIGNATURE_LENGTH || payload.length < 4 + sigLength) throw bad(`unexpected signature length ${sigLength}`);
  const signature = payload.subarray(4, 4 + sigLength);
  const sealed = payload.subarray(4 + sigLength);

  // RC4 keeps lengths, so a mismatch is known before touching the session's state.
  if (sealed.length !== expectedLength) {
    throw bad(`OriginalContent Length=${expectedLength} but the sealed message is ${sealed.length} bytes`);
  }
  const plain = session.unwrap(Buffer.from(sealed), Buffer.from(signature));
  return { plain, innerContentType };
}

export function isEncryptedContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const lower = contentType.toLowerCase();
  return lower.startsWith("multipart/encrypted") && lower.includes(`protocol="${PROTOCOL.toLowerCase()}"`);
}
