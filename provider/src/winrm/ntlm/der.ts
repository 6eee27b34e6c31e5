// Minimal DER (ITU-T X.690) reader/writer: just enough for SPNEGO tokens and for finding
// the signature algorithm in an X.509 certificate. Single-byte tags only, definite lengths
// only (SPNEGO and certificates are DER, so indefinite lengths are a protocol error).

import { NtlmMessageError } from "./errors";

export interface Tlv {
  tag: number;
  value: Buffer;
  /** Offset just past this element in the buffer it was read from. */
  end: number;
}

export function readTlv(buf: Buffer, pos: number): Tlv {
  if (pos + 2 > buf.length) throw new NtlmMessageError("DER element is truncated");
  const tag = buf[pos];
  if ((tag & 0x1f) === 0x1f) throw new NtlmMessageError("multi-byte DER tags are not supported");
  let len = buf[pos + 1];
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new NtlmMessageError("unsupported DER length encoding");
    if (p + n > buf.length) throw new NtlmMessageError("DER length is truncated");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i];
    p += n;
  }
  if (p + len > buf.length) throw new NtlmMessageError("DER element overruns its container");
  return { tag, value: buf.subarray(p, p + len), end: p + len };
}

/** All consecutive elements inside a constructed value. */
export function readChildren(value: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let pos = 0;
  while (pos < value.length) {
    const t = readTlv(value, pos);
    out.push(t);
    pos = t.end;
  }
  return out;
}

function encodeLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

/** Content bytes of an OBJECT IDENTIFIER from its dotted form. */
export function oidBytes(dotted: string): Buffer {
  const arcs = dotted.split(".").map(Number);
  const out: number[] = [arcs[0] * 40 + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift((n & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return Buffer.from(out);
}

export const Tag = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  SEQUENCE: 0x30,
  /** [APPLICATION 0] constructed: the GSS-API InitialContextToken wrapper. */
  APPLICATION_0: 0x60,
  context: (n: number) => 0xa0 | n,
} as const;

// --- Additions for CredSSP (MS-CSSP 2.2.1: TSRequest and TSCredentials are DER) ---

/** BIT STRING's universal tag (the subjectPublicKey of an X.509 certificate). */
export const BIT_STRING = 0x03;

/** Content bytes of a DER INTEGER: minimal two's complement, big-endian. */
export function integerBytes(n: number): Buffer {
  if (!Number.isSafeInteger(n)) throw new RangeError(`DER INTEGER must be a safe integer, got ${n}`);
  const out: number[] = [];
  let v = BigInt(n);
  for (;;) {
    const byte = Number(v & 0xffn);
    out.unshift(byte);
    v >>= 8n; // arithmetic shift: -1 stays -1
    // Done once the remaining value is pure sign extension of the byte just written.
    if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break;
  }
  return Buffer.from(out);
}

/** The value of a DER INTEGER's content bytes (two's complement; at most 6 bytes). */
export function readInteger(content: Buffer): number {
  if (content.length === 0 || content.length > 6) {
    throw new NtlmMessageError(`DER INTEGER of ${content.length} bytes is out of range`);
  }
  if (content.length > 1 && ((content[0] === 0 && !(content[1] & 0x80)) || (content[0] === 0xff && content[1] & 0x80))) {
    throw new NtlmMessageError("DER INTEGER is not minimally encoded");
  }
  return content.readIntBE(0, content.length);
}

/** A whole INTEGER element. */
export function derInteger(n: number): Buffer {
  return tlv(Tag.INTEGER, integerBytes(n));
}

/** A whole OCTET STRING element. */
export function derOctetString(bytes: Buffer): Buffer {
  return tlv(Tag.OCTET_STRING, bytes);
}

/** The subjectPublicKey bits of a DER X.509 certificate (BIT STRING content minus its unused-bits byte). */
export function subjectPublicKey(certDer: Buffer): Buffer {
  const cert = readTlv(certDer, 0);
  if (cert.tag !== Tag.SEQUENCE) throw new NtlmMessageError("certificate is not a DER SEQUENCE");
  const [tbs] = readChildren(cert.value);
  if (!tbs || tbs.tag !== Tag.SEQUENCE) throw new NtlmMessageError("certificate has no tbsCertificate");
  // tbsCertificate: [0] version (optional), serial, signature, issuer, validity, subject, subjectPublicKeyInfo, ...
  const fields = readChildren(tbs.value);
  const spkiIndex = fields[0]?.tag === Tag.context(0) ? 6 : 5;
  const spki = fields[spkiIndex];
  if (!spki || spki.tag !== Tag.SEQUENCE) throw new NtlmMessageError("certificate has no subjectPublicKeyInfo");
  const [algorithm, bits] = readChildren(spki.value);
  if (!algorithm || algorithm.tag !== Tag.SEQUENCE || !bits || bits.tag !== BIT_STRING || bits.value.length < 1 || bits.value[0] !== 0) {
    throw new NtlmMessageError("certificate's subjectPublicKey is not a whole-byte BIT STRING");
  }
  return Buffer.from(bits.value.subarray(1));
}

/** The dotted form of an OBJECT IDENTIFIER's content bytes (inverse of oidBytes). */
export function oidFromBytes(content: Buffer): string {
  if (content.length === 0) throw new NtlmMessageError("empty OBJECT IDENTIFIER");
  const first = content[0];
  if (first & 0x80) throw new NtlmMessageError("OBJECT IDENTIFIER with a multi-byte first arc is not supported");
  const arcs: number[] = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  let value = 0;
  for (let i = 1; i < content.length; i++) {
    value = value * 128 + (content[i] & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new NtlmMessageError("OBJECT IDENTIFIER arc is too large");
    if (!(content[i] & 0x80)) {
      arcs.push(value);
      value = 0;
    } else if (i === content.length - 1) {
      throw new NtlmMessageError("OBJECT IDENTIFIER is truncated");
    }
  }
  return arcs.join(".");
}
