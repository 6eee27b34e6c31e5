// pubKeyAuth (MS-CSSP 3.1.5 steps 3-4): each side proves, inside the SPNEGO-encrypted
// channel, which TLS public key it saw, so a TLS-terminating man in the middle is
// caught before any credential is sent. The key is the certificate's SubjectPublicKey
// (the BIT STRING's bytes; for RSA the DER RSAPublicKey).
//   versions 2-4: the client sends the key itself, the server the key with its first byte + 1;
//   versions 5-6 (CVE-2018-0886 fix): SHA-256 over a magic string with its NUL, the
//   client's 32-byte nonce and the key, a different magic in each direction.

import { createHash } from "node:crypto";

export const CLIENT_TO_SERVER_MAGIC = Buffer.from("CredSSP Client-To-Server Binding Hash\0", "ascii");
export const SERVER_TO_CLIENT_MAGIC = Buffer.from("CredSSP Server-To-Client Binding Hash\0", "ascii");
export const NONCE_LENGTH = 32;

/** Versions from which the exchange is bound by nonce and hash. */
export function usesBindingHash(version: number): boolean {
  return version >= 5;
}

export function clientPubKeyAuth(publicKey: Buffer, version: number, nonce?: Buffer): Buffer {
  if (!usesBindingHash(version)) return Buffer.from(publicKey);
  if (!nonce || nonce.length !== NONCE_LENGTH) throw new RangeError("CredSSP 5+ needs a 32-byte client nonce");
  return createHash("sha256").update(CLIENT_TO_SERVER_MAGIC).update(nonce).update(publicKey).digest();
}

export function serverPubKeyAuth(publicKey: Buffer, version: number, nonce?: Buffer): Buffer {
  if (!usesBindingHash(version)) {
    const out = Buffer.from(publicKey);
    out[0] = (out[0] + 1) & 0xff;
    return out;
  }
  if (!nonce || nonce.length !== NONCE_LENGTH) throw new RangeError("CredSSP 5+ needs a 32-byte client nonce");
  return createHash("sha256").update(SERVER_TO_CLIENT_MAGIC).update(nonce).update(publicKey).digest();
}
