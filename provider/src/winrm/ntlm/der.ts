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
