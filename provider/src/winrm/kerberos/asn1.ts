// The DER (X.690) pieces Kerberos needs beyond the shared minimal reader/writer in
// ../ntlm/der.ts: signed INTEGERs, GeneralString, GeneralizedTime, BIT STRING flags,
// [APPLICATION n] and explicit [n] wrappers, and a reader for SEQUENCEs whose members
// are explicitly tagged (every Kerberos structure, RFC 4120 section 5.2). Parse errors
// become KerberosProtocolError.

import { readChildren, readTlv, Tag, tlv, Tlv } from "../ntlm/der";
import { KerberosProtocolError } from "./errors";

export const KrbTag = {
  BOOLEAN: 0x01,
  INTEGER: Tag.INTEGER,
  BIT_STRING: 0x03,
  OCTET_STRING: Tag.OCTET_STRING,
  OID: Tag.OID,
  SEQUENCE: Tag.SEQUENCE,
  GENERALIZED_TIME: 0x18,
  GENERAL_STRING: 0x1b,
  /** [APPLICATION n] constructed. */
  application: (n: number) => 0x60 | n,
  /** [n] constructed (explicit context tag). */
  context: (n: number) => 0xa0 | n,
} as const;

// ---------------------------------------------------------------- writing

/** DER INTEGER, minimal two's complement (Kerberos has Int32, UInt32 and Microseconds). */
export function integer(value: number): Buffer {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer: ${value}`);
  let v = BigInt(value);
  const bytes: number[] = [];
  // Emit bytes until the remaining value is pure sign extension of the last byte's top bit.
  for (;;) {
    const byte = Number(v & 0xffn);
    bytes.unshift(byte);
    v >>= 8n;
    const signBit = (byte & 0x80) !== 0;
    if ((v === 0n && !signBit) || (v === -1n && signBit)) break;
  }
  return tlv(KrbTag.INTEGER, Buffer.from(bytes));
}

export function octets(value: Buffer): Buffer {
  return tlv(KrbTag.OCTET_STRING, value);
}

/** KerberosString: GeneralString restricted to IA5 in practice; we send UTF-8 as MIT does. */
export function kerberosString(value: string): Buffer {
  return tlv(KrbTag.GENERAL_STRING, Buffer.from(value, "utf8"));
}

/** KerberosTime: GeneralizedTime "YYYYMMDDHHMMSSZ", whole seconds (RFC 4120 5.2.3). */
export function kerberosTime(ms: number): Buffer {
  const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString(); // 2024-01-02T03:04:05.000Z
  const text = iso.slice(0, 19).replace(/[-:T]/g, "") + "Z";
  return tlv(KrbTag.GENERALIZED_TIME, Buffer.from(text, "ascii"));
}

/** KerberosFlags: a 32-bit BIT STRING; bit 0 is the most significant bit of `flags`. */
export function kerberosFlags(flags: number): Buffer {
  const b = Buffer.alloc(5);
  b[0] = 0; // no unused bits
  b.writeUInt32BE(flags >>> 0, 1);
  return tlv(KrbTag.BIT_STRING, b);
}

/** The uint32 mask of flag bit `n` (RFC 4120 numbers flags from the most significant bit). */
export function flagBit(n: number): number {
  return (0x80000000 >>> n) >>> 0;
}

export function sequence(...members: Array<Buffer | undefined>): Buffer {
  return tlv(KrbTag.SEQUENCE, ...members.filter((m): m is Buffer => m !== undefined));
}

export function sequenceOf(items: Buffer[]): Buffer {
  return tlv(KrbTag.SEQUENCE, ...items);
}

/** Explicit context tag [n] around one element; undefined stays undefined (OPTIONAL). */
export function explicit(n: number, inner: Buffer | undefined): Buffer | undefined {
  return inner === undefined ? undefined : tlv(KrbTag.context(n), inner);
}

export function application(n: number, inner: Buffer): Buffer {
  return tlv(KrbTag.application(n), inner);
}

// ---------------------------------------------------------------- reading

function bad(why: string, cause?: unknown): KerberosProtocolError {
  return new KerberosProtocolError(`malformed Kerberos message: ${why}`, { cause });
}

/** readTlv with Kerberos errors; `whole` demands that the element fills the buffer. */
export function parseTlv(buf: Buffer, what: string, pos = 0, whole = false): Tlv {
  let t: Tlv;
  try {
    t = readTlv(buf, pos);
  } catch (err) {
    throw bad(`${what}: ${(err as Error).message}`, err);
  }
  if (whole && t.end !== buf.length) throw bad(`${what}: ${buf.length - t.end} trailing bytes`);
  return t;
}

function children(value: Buffer, what: string): Tlv[] {
  try {
    return readChildren(value);
  } catch (err) {
    throw bad(`${what}: ${(err as Error).message}`, err);
  }
}

function expectTag(t: Tlv, tag: number, what: string): Tlv {
  if (t.tag !== tag) throw bad(`${what}: expected tag 0x${tag.toString(16)}, got 0x${t.tag.toString(16)}`);
  return t;
}

/** Read [APPLICATION n] SEQUENCE { ... } (or a bare SEQUENCE when n is undefined). */
export function openStructure(buf: Buffer, app: number | undefined, what: string): Fields {
  let t = parseTlv(buf, what, 0, true);
  if (app !== undefined) {
    expectTag(t, KrbTag.application(app), what);
    t = parseTlv(t.value, what, 0, true);
  }
  return new Fields(expectTag(t, KrbTag.SEQUENCE, what), what);
}

export function decodeInteger(t: Tlv, what: string): number {
  expectTag(t, KrbTag.INTEGER, what);
  if (t.value.length === 0 || t.value.length > 8) throw bad(`${what}: bad INTEGER length ${t.value.length}`);
  let v = BigInt.asIntN(8, BigInt(t.value[0]));
  for (let i = 1; i < t.value.length; i++) v = (v << 8n) | BigInt(t.value[i]);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw bad(`${what}: INTEGER out of range`);
  return n;
}

function decodeTime(t: Tlv, what: string): number {
  expectTag(t, KrbTag.GENERALIZED_TIME, what);
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(t.value.toString("ascii"));
  if (!m) throw bad(`${what}: bad KerberosTime "${t.value.toString("ascii")}"`);
  const [, y, mo, d, h, mi, s] = m.map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** A SEQUENCE whose members are explicitly tagged [0], [1], ...; getters by tag number. */
export class Fields {
  private readonly byTag = new Map<number, Tlv>();
  /** The exact bytes inside each [n] wrapper: the member's own encoding, as received. */
  private readonly rawByTag = new Map<number, Buffer>();
  readonly tlv: Tlv;

  constructor(seq: Tlv, private readonly what: string) {
    this.tlv = seq;
    for (const c of children(seq.value, what)) {
      if ((c.tag & 0xe0) !== 0xa0) throw bad(`${what}: member with tag 0x${c.tag.toString(16)} is not explicitly tagged`);
      const inner = children(c.value, what);
      if (inner.length !== 1) throw bad(`${what}: [${c.tag & 0x1f}] holds ${inner.length} elements`);
      this.byTag.set(c.tag & 0x1f, inner[0]);
      this.rawByTag.set(c.tag & 0x1f, Buffer.from(c.value));
    }
  }

  has(n: number): boolean {
    return this.byTag.has(n);
  }

  /** The element inside [n]; throws if absent. */
  req(n: number): Tlv {
    const t = this.byTag.get(n);
    if (!t) throw bad(`${this.what}: missing field [${n}]`);
    return t;
  }

  opt(n: number): Tlv | undefined {
    return this.byTag.get(n);
  }

  int(n: number): number {
    return decodeInteger(this.req(n), `${this.what} [${n}]`);
  }

  optInt(n: number): number | undefined {
    const t = this.opt(n);
    return t ? decodeInteger(t, `${this.what} [${n}]`) : undefined;
  }

  /** An unsigned 32-bit number some peers encode as a negative Int32 (sequence numbers, nonces). */
  uint32(n: number): number {
    return this.int(n) >>> 0;
  }

  optUint32(n: number): number | undefined {
    const v = this.optInt(n);
    return v === undefined ? undefined : v >>> 0;
  }

  octets(n: number): Buffer {
    return Buffer.from(expectTag(this.req(n), KrbTag.OCTET_STRING, `${this.what} [${n}]`).value);
  }

  optOctets(n: number): Buffer | undefined {
    return this.has(n) ? this.octets(n) : undefined;
  }

  string(n: number): string {
    const t = this.req(n);
    // GeneralString per RFC 4120; some encoders use other string tags, accept any primitive string.
    if (t.tag & 0x20) throw bad(`${this.what} [${n}]: expected a string`);
    return t.value.toString("utf8");
  }

  optString(n: number): string | undefined {
    return this.has(n) ? this.string(n) : undefined;
  }

  time(n: number): number {
    return decodeTime(this.req(n), `${this.what} [${n}]`);
  }

  optTime(n: number): number | undefined {
    return this.has(n) ? this.time(n) : undefined;
  }

  /** KerberosFlags as a uint32 (bit 0 = most significant); shorter bit strings are zero-extended. */
  flags(n: number): number {
    const t = expectTag(this.req(n), KrbTag.BIT_STRING, `${this.what} [${n}]`);
    const bits = Buffer.alloc(4);
    t.value.subarray(1, 5).copy(bits);
    return bits.readUInt32BE(0);
  }

  /** The bytes of the element inside [n] exactly as received (e.g. a Ticket to pass on). */
  raw(n: number): Buffer {
    this.req(n);
    return this.rawByTag.get(n)!;
  }

  optRaw(n: number): Buffer | undefined {
    return this.has(n) ? this.raw(n) : undefined;
  }

  /** Elements of a SEQUENCE OF inside [n]. */
  list(n: number): Tlv[] {
    return listOf(this.req(n), `${this.what} [${n}]`);
  }

  optList(n: number): Tlv[] | undefined {
    return this.has(n) ? this.list(n) : undefined;
  }
}

/** The members of a SEQUENCE OF. */
export function listOf(t: Tlv, what: string): Tlv[] {
  return children(expectTag(t, KrbTag.SEQUENCE, what).value, what);
}

export function fieldsOf(t: Tlv, what: string): Fields {
  return new Fields(expectTag(t, KrbTag.SEQUENCE, what), what);
}
