// The RFC 3961 encryption-type interface every enctype implements. Keys are raw bytes;
// usages are RFC 4120/4121 key usage numbers (constants.ts). Ciphertexts carry their own
// integrity check, so decrypt() throws KerberosIntegrityError on a wrong key or tampering.

export interface Enctype {
  /** RFC 3961 etype number (18, 17, 23). */
  readonly id: number;
  /** The name MIT tools print, e.g. "aes256-cts-hmac-sha1-96". */
  readonly name: string;
  readonly keyLength: number;
  /** The keyed checksum type that goes with this enctype (RFC 3961 "required checksum mechanism"). */
  readonly checksumType: number;
  readonly checksumLength: number;
  /** Derive the long-term key from a password; `params` are the KDC's s2kparams, if any. */
  stringToKey(password: string, salt: Buffer, params?: Buffer): Buffer;
  /** A fresh random key (session keys, subkeys). */
  randomKey(): Buffer;
  /** Encrypt with integrity; `confounder` only for known-answer tests. */
  encrypt(key: Buffer, usage: number, plain: Buffer, confounder?: Buffer): Buffer;
  decrypt(key: Buffer, usage: number, cipher: Buffer): Buffer;
  /** Keyed checksum of `data` under `usage`. */
  checksum(key: Buffer, usage: number, data: Buffer): Buffer;
}
