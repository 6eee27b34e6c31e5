// RC4 stream cipher. NTLM sealing keeps one RC4 keystream per direction alive for the
// whole session (MS-NLMP 3.4.3), so this class is deliberately stateful: every call to
// update() continues where the previous one stopped. Node's OpenSSL 3 build has no
// RC4 in its default provider, hence this small implementation.

export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  /** An independent copy of the current keystream position (to try a message before committing to it). */
  clone(): Rc4 {
    const copy = Object.create(Rc4.prototype) as Rc4;
    (copy as unknown as { s: Uint8Array }).s = Uint8Array.from(this.s);
    copy.i = this.i;
    copy.j = this.j;
    return copy;
  }

  constructor(key: Buffer) {
    if (key.length === 0 || key.length > 256) throw new RangeError("RC4 key must be 1..256 bytes");
    const s = this.s;
    for (let n = 0; n < 256; n++) s[n] = n;
    // Key-scheduling algorithm.
    let j = 0;
    for (let n = 0; n < 256; n++) {
      j = (j + s[n] + key[n % key.length]) & 0xff;
      const t = s[n];
      s[n] = s[j];
      s[j] = t;
    }
  }

  /** XOR `data` with the next data.length keystream bytes; returns a new buffer. */
  update(data: Buffer): Buffer {
    const s = this.s;
    const out = Buffer.allocUnsafe(data.length);
    let i = this.i;
    let j = this.j;
    for (let n = 0; n < data.length; n++) {
      i = (i + 1) & 0xff;
      j = (j + s[i]) & 0xff;
      const t = s[i];
      s[i] = s[j];
      s[j] = t;
      out[n] = data[n] ^ s[(s[i] + s[j]) & 0xff];
    }
    this.i = i;
    this.j = j;
    return out;
  }
}

/** One-shot RC4 with a fresh key (MS-NLMP's RC4K), e.g. for the encrypted random session key. */
export function rc4Once(key: Buffer, data: Buffer): Buffer {
  return new Rc4(key).update(data);
}
