// aes256-cts-hmac-sha1-96 and aes128-cts-hmac-sha1-96 (RFC 3962) on RFC 3961's
// "simplified profile": keys per usage derived with DK, AES-CBC-CTS with a random
// confounder for confidentiality, HMAC-SHA1 truncated to 96 bits for integrity.

import * as crypto from "node:crypto";
import { KerberosIntegrityError, KerberosProtocolError } from "../errors";
import { CksumType, Etype } from "../constants";
import { aesEncryptBlock, ctsDecrypt, ctsEncrypt } from "./aes-cts";
import type { Enctype } from "./enctype";
import { nfold } from "./nfold";

const BLOCK = 16;
const MAC_LENGTH = 12;
/** RFC 3962 section 4: the default PBKDF2 iteration count when the KDC sends no s2kparams. */
const AES_DEFAULT_ITERATIONS = 4096;
/** MIT refuses larger counts (a KDC could otherwise make us spin for minutes). */
const AES_MAX_ITERATIONS = 0xffffff;

/** Derivation constants' last byte (RFC 3961 5.3): checksum, encryption and integrity keys. */
const KC = 0x99;
const KE = 0xaa;
const KI = 0x55;

/** DR(key, constant) (RFC 3961 5.1): encrypt the n-folded constant, chaining until enough bytes. */
function deriveRandom(key: Buffer, constant: Buffer): Buffer {
  const out: Buffer[] = [];
  let block = constant.length === BLOCK ? constant : nfold(constant, BLOCK);
  let have = 0;
  while (have < key.length) {
    block = aesEncryptBlock(key, block);
    out.push(block);
    have += block.length;
  }
  return Buffer.concat(out).subarray(0, key.length);
}

// Derived keys are reused for every message of a session; remember the recent ones.
const derivedCache = new Map<string, Buffer>();
const DERIVED_CACHE_LIMIT = 256;

/** DK(key, constant) = random-to-key(DR(key, constant)); random-to-key is the identity for AES. */
export function deriveKey(key: Buffer, constant: Buffer): Buffer {
  const id = `${key.toString("hex")}:${constant.toString("hex")}`;
  const hit = derivedCache.get(id);
  if (hit) return hit;
  const derived = deriveRandom(key, constant);
  if (derivedCache.size >= DERIVED_CACHE_LIMIT) derivedCache.delete(derivedCache.keys().next().value as string);
  derivedCache.set(id, derived);
  return derived;
}

function usageConstant(usage: number, kind: number): Buffer {
  const c = Buffer.alloc(5);
  c.writeUInt32BE(usage >>> 0, 0);
  c[4] = kind;
  return c;
}

function hmacSha1(key: Buffer, data: Buffer): Buffer {
  return crypto.createHmac("sha1", key).update(data).digest();
}

class AesSha1Enctype implements Enctype {
  readonly checksumLength = MAC_LENGTH;
  constructor(
    readonly id: number,
    readonly name: string,
    readonly keyLength: number,
    readonly checksumType: number,
  ) {}

  stringToKey(password: string, salt: Buffer, params?: Buffer): Buffer {
    let iterations = AES_DEFAULT_ITERATIONS;
    if (params && params.length > 0) {
      if (params.length !== 4) throw new KerberosProtocolError(`unexpected ${this.name} s2kparams length ${params.length}`);
      iterations = params.readUInt32BE(0);
      if (iterations === 0 || iterations > AES_MAX_ITERATIONS) throw new KerberosProtocolError(`${this.name} s2kparams ask for ${iterations} PBKDF2 iterations`);
    }
    const tkey = crypto.pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, this.keyLength, "sha1");
    return deriveKey(tkey, Buffer.from("kerberos", "ascii"));
  }

  randomKey(): Buffer {
    return crypto.randomBytes(this.keyLength);
  }

  encrypt(key: Buffer, usage: number, plain: Buffer, confounder: Buffer = crypto.randomBytes(BLOCK)): Buffer {
    const ke = deriveKey(key, usageConstant(usage, KE));
    const ki = deriveKey(key, usageConstant(usage, KI));
    const data = Buffer.concat([confounder, plain]);
    const mac = hmacSha1(ki, data).subarray(0, MAC_LENGTH);
    return Buffer.concat([ctsEncrypt(ke, data), mac]);
  }

  decrypt(key: Buffer, usage: number, cipher: Buffer): Buffer {
    if (cipher.length < BLOCK + MAC_LENGTH) throw new KerberosIntegrityError(`${this.name} ciphertext is too short`);
    const ke = deriveKey(key, usageConstant(usage, KE));
    const ki = deriveKey(key, usageConstant(usage, KI));
    const body = cipher.subarray(0, cipher.length - MAC_LENGTH);
    const mac = cipher.subarray(cipher.length - MAC_LENGTH);
    const data = ctsDecrypt(ke, body);
    const expected = hmacSha1(ki, data).subarray(0, MAC_LENGTH);
    if (!crypto.timingSafeEqual(mac, expected)) {
      throw new KerberosIntegrityError(`${this.name} integrity check failed (wrong key, or the message was altered)`);
    }
    return data.subarray(BLOCK);
  }

  checksum(key: Buffer, usage: number, data: Buffer): Buffer {
    const kc = deriveKey(key, usageConstant(usage, KC));
    return hmacSha1(kc, data).subarray(0, MAC_LENGTH);
  }
}

export const aes256CtsHmacSha196: Enctype = new AesSha1Enctype(Etype.AES256_CTS_HMAC_SHA1_96, "aes256-cts-hmac-sha1-96", 32, CksumType.HMAC_SHA1_96_AES256);
export const aes128CtsHmacSha196: Enctype = new AesSha1Enctype(Etype.AES128_CTS_HMAC_SHA1_96, "aes128-cts-hmac-sha1-96", 16, CksumType.HMAC_SHA1_96_AES128);
