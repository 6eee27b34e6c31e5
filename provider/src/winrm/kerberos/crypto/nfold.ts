// n-fold (RFC 3961 section 5.1): stretch or shrink a constant to the cipher's block size
// so key derivation can encrypt it. The input is repeated until its length is a common
// multiple of both sizes, each repetition rotated 13 bits further right than the last,
// and the result is cut into n-bit pieces that are added with end-around carry (ones'
// complement addition).

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Fold `input` to `outBytes` bytes. */
export function nfold(input: Buffer, outBytes: number): Buffer {
  const inBytes = input.length;
  if (inBytes === 0 || outBytes <= 0) throw new RangeError("n-fold needs a non-empty input and output");
  const inBits = inBytes * 8;
  const totalBytes = (inBytes * outBytes) / gcd(inBytes, outBytes);

  // Bit `k` of the expanded string: copy c = floor(k / inBits) is the input rotated right
  // by 13*c bits, so its bit j is the input's bit (j - 13c) mod inBits.
  const bitAt = (k: number): number => {
    const copy = Math.floor(k / inBits);
    const j = (((k % inBits) - 13 * copy) % inBits + inBits) % inBits;
    return (input[j >> 3] >> (7 - (j & 7))) & 1;
  };

  const sum = new Array<number>(outBytes).fill(0);
  for (let chunk = 0; chunk < totalBytes / outBytes; chunk++) {
    // Add this n-bit chunk (big-endian) into the running sum.
    let carry = 0;
    for (let b = outBytes - 1; b >= 0; b--) {
      let byte = 0;
      const base = (chunk * outBytes + b) * 8;
      for (let bit = 0; bit < 8; bit++) byte = (byte << 1) | bitAt(base + bit);
      const v = sum[b] + byte + carry;
      sum[b] = v & 0xff;
      carry = v >> 8;
    }
    // End-around carry: a carry out of the top byte re-enters at the bottom.
    while (carry !== 0) {
      for (let b = outBytes - 1; b >= 0 && carry !== 0; b--) {
        const v = sum[b] + carry;
        sum[b] = v & 0xff;
        carry = v >> 8;
      }
    }
  }
  return Buffer.from(sum);
}
