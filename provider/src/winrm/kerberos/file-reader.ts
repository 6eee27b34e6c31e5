// A bounds-checked big-endian reader for MIT's binary file formats (ccache, keytab).
// Overruns become KerberosConfigError naming the file, since these are local files the
// user pointed us at, not network input.

import { KerberosConfigError } from "./errors";

export class FileReader {
  pos = 0;
  constructor(
    readonly buf: Buffer,
    private readonly file: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new KerberosConfigError(`${this.file} is truncated or corrupt (needed ${n} bytes at offset ${this.pos})`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  s32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const v = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return v;
  }

  /** Data prefixed by a 32-bit length (ccache) or a 16-bit one (keytab). */
  counted32(): Buffer {
    return this.bytes(this.u32());
  }

  counted16(): Buffer {
    return this.bytes(this.u16());
  }

  fail(why: string): never {
    throw new KerberosConfigError(`${this.file}: ${why}`);
  }
}
