// AES in CBC mode with ciphertext stealing (RFC 3962 section 5, the RFC 2040 CTS variant
// that always swaps the last two blocks). Kerberos uses it with an all-zero IV for every
// message, so a ciphertext is exactly as long as its plaintext (at least one block).
// Node's OpenSSL has plain CBC and ECB; stealing is done here around them.

import * as crypto from "node:crypto";

const BLOCK = 16;

function algorithm(key: Buffer, mode: "cbc" | "ecb"): string {
  if (key.length !== 16 && key.length !== 32) throw new RangeError(`AES key must be 16 or 32 bytes, got ${key.length}`);
  return `aes-${key.length * 8}-${mode}`;
}

function cbcEncrypt(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const c = crypto.createCipheriv(algorithm(key, "cbc"), key, iv).setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

function cbcDecrypt(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const d = crypto.createDecipheriv(algorithm(key, "cbc"), key, iv).setAutoPadding(false);
  return Buffer.concat([d.update(data), d.final()]);
}

/** One raw AES block operation (the "E" of RFC 3961's DR function). */
export function aesEncryptBlock(key: Buffer, block: Buffer): Buffer {
  const c = crypto.createCipheriv(algorithm(key, "ecb"), key, null).setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

function aesDecryptBlock(key: Buffer, block: Buffer): Buffer {
  const d = crypto.createDecipheriv(algorithm(key, "ecb"), key, null).setAutoPadding(false);
  return Buffer.concat([d.update(block), d.final()]);
}

/** Encrypt `plain` (>= 16 bytes) with AES-CBC-CTS. */
export function ctsEncrypt(key: Buffer, plain: Buffer, iv: Buffer = Buffer.alloc(BLOCK)): Buffer {
  if (plain.length < BLOCK) throw new RangeError("AES-CTS needs at least one full block");
  if (plain.length === BLOCK) return cbcEncrypt(key, iv, plain);
  const blocks = Math.ceil(plain.length / BLOCK);
  const tail = plain.length - (blocks - 1) * BLOCK; // 1..16 bytes in the last block
  // Zero-padding the last block and running plain CBC gives the same final two cipher
  // blocks that stealing would; swap them and cut the (new) last one to the tail length.
  const padded = Buffer.alloc(blocks * BLOCK);
  plain.copy(padded);
  const cbc = cbcEncrypt(key, iv, padded);
  const head = cbc.subarray(0, (blocks - 2) * BLOCK);
  const penultimate = cbc.subarray((blocks - 2) * BLOCK, (blocks - 1) * BLOCK);
  const last = cbc.subarray((blocks - 1) * BLOCK);
  return Buffer.concat([head, last, penultimate.subarray(0, tail)]);
}

/** Decrypt an AES-CBC-CTS ciphertext (>= 16 bytes). */
export function ctsDecrypt(key: Buffer, cipher: Buffer, iv: Buffer = Buffer.alloc(BLOCK)): Buffer {
  if (cipher.length < BLOCK) throw new RangeError("AES-CTS ciphertext is shorter than one block");
  if (cipher.length === BLOCK) return cbcDecrypt(key, iv, cipher);
  const blocks = Math.ceil(cipher.length / BLOCK);
  const tail = cipher.length - (blocks - 1) * BLOCK;
  const head = cipher.subarray(0, (blocks - 2) * BLOCK);
  const swappedLast = cipher.subarray((blocks - 2) * BLOCK, (blocks - 1) * BLOCK); // C_n
  const stolen = cipher.subarray((blocks - 1) * BLOCK); // first `tail` bytes of C_{n-1}
  // D(C_n) = P_n(padded) XOR C_{n-1}; its last 16-tail bytes are the stolen part of C_{n-1}.
  const x = aesDecryptBlock(key, swappedLast);
  const cPrev = Buffer.concat([stolen, x.subarray(tail)]);
  const lastPlain = Buffer.alloc(tail);
  for (let i = 0; i < tail; i++) lastPlain[i] = x[i] ^ stolen[i];
  const front = cbcDecrypt(key, iv, Buffer.concat([head, cPrev]));
  return Buffer.concat([front, lastPlain]);
}
