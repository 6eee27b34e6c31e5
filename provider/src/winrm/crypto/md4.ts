// MD4 message digest (RFC 1320). NTLM's NT one-way function needs it, and Node's
// OpenSSL 3 build no longer ships MD4 (it lives in the disabled "legacy" provider),
// so we carry our own. MD4 is only ever used here to hash a password into the NT
// hash; it is not used for anything that needs collision resistance.

/** Rotate a 32-bit word left by `s` bits. */
function rotl(x: number, s: number): number {
  return ((x << s) | (x >>> (32 - s))) >>> 0;
}

// Round constants from RFC 1320 section 3.4.
const ROUND2_K = 0x5a827999;
const ROUND3_K = 0x6ed9eba1;

// Per-step shift amounts and word orders for rounds 2 and 3 (round 1 walks words 0..15).
const R1_SHIFTS = [3, 7, 11, 19];
const R2_SHIFTS = [3, 5, 9, 13];
const R3_SHIFTS = [3, 9, 11, 15];
const R2_ORDER = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];
const R3_ORDER = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];

/** Pad per RFC 1320 3.1/3.2: 0x80, zeros to 56 mod 64, then the bit length as 64-bit LE. */
function pad(data: Buffer): Buffer {
  const total = Math.ceil((data.length + 9) / 64) * 64;
  const out = Buffer.alloc(total);
  data.copy(out);
  out[data.length] = 0x80;
  const bitLength = BigInt(data.length) * 8n;
  out.writeBigUInt64LE(bitLength & 0xffffffffffffffffn, total - 8);
  return out;
}

/** MD4 digest (16 bytes) of `data`. */
export function md4(data: Buffer): Buffer {
  const msg = pad(data);
  let a = 0x67452301;
  let b = 0xefcdab89;
  let c = 0x98badcfe;
  let d = 0x10325476;
  const x = new Array<number>(16);

  for (let block = 0; block < msg.length; block += 64) {
    for (let i = 0; i < 16; i++) x[i] = msg.readUInt32LE(block + i * 4);
    const aa = a, bb = b, cc = c, dd = d;

    // Each round rotates the roles of a,b,c,d; `state` holds them so one loop body serves all steps.
    const state = [a, b, c, d];
    const step = (i: number, fn: (p: number, q: number, r: number) => number, k: number, word: number, s: number) => {
      const ia = (4 - (i % 4)) % 4;
      const ib = (ia + 1) % 4;
      const ic = (ia + 2) % 4;
      const id = (ia + 3) % 4;
      state[ia] = rotl((state[ia] + fn(state[ib], state[ic], state[id]) + word + k) >>> 0, s);
    };
    const f = (p: number, q: number, r: number) => (p & q) | (~p & r);
    const g = (p: number, q: number, r: number) => (p & q) | (p & r) | (q & r);
    const h = (p: number, q: number, r: number) => p ^ q ^ r;

    for (let i = 0; i < 16; i++) step(i, f, 0, x[i], R1_SHIFTS[i % 4]);
    for (let i = 0; i < 16; i++) step(i, g, ROUND2_K, x[R2_ORDER[i]], R2_SHIFTS[i % 4]);
    for (let i = 0; i < 16; i++) step(i, h, ROUND3_K, x[R3_ORDER[i]], R3_SHIFTS[i % 4]);

    a = (state[0] + aa) >>> 0;
    b = (state[1] + bb) >>> 0;
    c = (state[2] + cc) >>> 0;
    d = (state[3] + dd) >>> 0;
  }

  const out = Buffer.alloc(16);
  out.writeUInt32LE(a, 0);
  out.writeUInt32LE(b, 4);
  out.writeUInt32LE(c, 8);
  out.writeUInt32LE(d, 12);
  return out;
}
