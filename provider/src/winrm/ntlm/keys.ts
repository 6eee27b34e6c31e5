// NTLMv2 key and response computations (MS-NLMP 3.3.2, 3.4.5). Pure functions of their
// inputs so the spec's section 4.2.4 known-answer vectors can test each step in isolation.

import { createHash, createHmac } from "node:crypto";
import { md4 } from "../crypto/md4";
import { Flag } from "./constants";

export function hmacMd5(key: Buffer, ...data: Buffer[]): Buffer {
  const h = createHmac("md5", key);
  for (const d of data) h.update(d);
  return h.digest();
}

function md5(...data: Buffer[]): Buffer {
  const h = createHash("md5");
  for (const d of data) h.update(d);
  return h.digest();
}

/** NT hash: MD4 of the UTF-16LE password (NTOWFv1, also the key of NTOWFv2). */
export function ntHash(password: string): Buffer {
  return md4(Buffer.from(password, "utf16le"));
}

/**
 * NTOWFv2 = HMAC_MD5(MD4(UNICODE(Passwd)), UNICODE(Uppercase(User) + UserDom)).
 * Only the user name is upper-cased; the domain is used exactly as sent, which is why a
 * server must verify with the domain string found in the AUTHENTICATE_MESSAGE.
 */
export function ntowfv2(password: string, user: string, domain: string): Buffer {
  return hmacMd5(ntHash(password), Buffer.from(user.toUpperCase() + domain, "utf16le"));
}

/** The NTLMv2_CLIENT_CHALLENGE blob ("temp" in the spec) that follows NTProofStr. */
export function buildClientBlob(timestamp: Buffer, clientChallenge: Buffer, avPairs: Buffer): Buffer {
  const head = Buffer.alloc(28);
  head[0] = 1; // RespType
  head[1] = 1; // HiRespType
  timestamp.copy(head, 8);
  clientChallenge.copy(head, 16);
  return Buffer.concat([head, avPairs, Buffer.alloc(4)]);
}

/** Parsed view of the client blob inside an NTLMv2 response. */
export function parseClientBlob(blob: Buffer): { timestamp: Buffer; clientChallenge: Buffer; avPairs: Buffer } | undefined {
  if (blob.length < 28 + 4 || blob[0] !== 1 || blob[1] !== 1) return undefined;
  return {
    timestamp: blob.subarray(8, 16),
    clientChallenge: blob.subarray(16, 24),
    avPairs: blob.subarray(28),
  };
}

export function ntProofStr(responseKeyNT: Buffer, serverChallenge: Buffer, clientBlob: Buffer): Buffer {
  return hmacMd5(responseKeyNT, serverChallenge, clientBlob);
}

/** LMv2 response: HMAC_MD5(ResponseKeyLM, ServerChallenge + ClientChallenge) + ClientChallenge. */
export function lmv2Response(responseKeyLM: Buffer, serverChallenge: Buffer, clientChallenge: Buffer): Buffer {
  return Buffer.concat([hmacMd5(responseKeyLM, serverChallenge, clientChallenge), clientChallenge]);
}

export function sessionBaseKey(responseKeyNT: Buffer, proof: Buffer): Buffer {
  return hmacMd5(responseKeyNT, proof);
}

/** 64-bit FILETIME (100 ns ticks since 1601-01-01 UTC), little-endian, as MsvAvTimestamp carries. */
export function fileTime(date: Date): Buffer {
  const EPOCH_DIFF_MS = 11644473600000n;
  const ticks = (BigInt(date.getTime()) + EPOCH_DIFF_MS) * 10000n;
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(ticks);
  return out;
}

export type Direction = "client-to-server" | "server-to-client";

/** SIGNKEY (3.4.5.2) with extended session security. */
export function signKey(exportedSessionKey: Buffer, direction: Direction): Buffer {
  return md5(exportedSessionKey, Buffer.from(`session key to ${direction} signing key magic constant\0`, "latin1"));
}

/**
 * SEALKEY (3.4.5.3) with extended session security: the exported key is truncated to the
 * negotiated strength (128, 56 or 40 bits) before hashing with the direction constant.
 */
export function sealKey(exportedSessionKey: Buffer, flags: number, direction: Direction): Buffer {
  const strength = flags & Flag.NEGOTIATE_128 ? 16 : flags & Flag.NEGOTIATE_56 ? 7 : 5;
  const key = exportedSessionKey.subarray(0, strength);
  return md5(key, Buffer.from(`session key to ${direction} sealing key magic constant\0`, "latin1"));
}

/** MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE + CHALLENGE + AUTHENTICATE-with-zeroed-MIC). */
export function computeMic(exportedSessionKey: Buffer, negotiate: Buffer, challenge: Buffer, authenticate: Buffer): Buffer {
  return hmacMd5(exportedSessionKey, negotiate, challenge, authenticate);
}
