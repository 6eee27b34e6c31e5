// rc4-hmac (RFC 4757): the enctype Windows 2000 introduced and domains still offer when
// AES is off. The key is the NT hash (MD4 of the UTF-16LE password, no salt); each
// message is RC4-encrypted under a key derived by HMAC-MD5 from the usage and the
// message's own checksum. MD4 and RC4 come from ../../crypto (Node's OpenSSL 3 has
// neither by default); HMAC-MD5 and MD5 are in Node's default provider.

import * as crypto from "node:crypto";
import { md4 } from "../../crypto/md4";
import { rc4Once } from "../../crypto/rc4";
import { CksumType, Etype } from "../constants";
import { KerberosIntegrityError } from "../errors";
import type { Enctype } from "./enctype";

const CONFOUNDER_LENGTH = 8;
const CHECKSUM_LENGTH = 16;

export function hmacMd5(key: Buffer, data: Buffer): Buffer {
  return crypto.createHmac("md5", key).update(data).digest();
}

/**
 * RFC 4757 section 3: the Kerberos usage numbers Windows used before RFC 4120 fixed them.
 * AS-REP and TGS-REP encrypted parts share 8; the GSS wrap/MIC usages map to 13.
 */
export function rc4Usage(usage: number): number {
  switch (usage) {
    case 3:
      return 8;
    case 9:
      return 8;
    case 23:
      return 13;
    default:
      return usage;
  }
}

function le32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

export const rc4Hmac: Enctype = {
  id: Etype.RC4_HMAC,
  name: "arcfour-hmac",
  keyLength: 16,
  checksumType: CksumType.HMAC_MD5_RC4,
  checksumLength: CHECKSUM_LENGTH,

  stringToKey(password: string): Buffer {
    return md4(Buffer.from(password, "utf16le"));
  },

  randomKey(): Buffer {
    return crypto.randomBytes(16);
  },

  encrypt(key: Buffer, usage: number, plain: Buffer, confounder: Buffer = crypto.randomBytes(CONFOUNDER_LENGTH)): Buffer {
    const k1 = hmacMd5(key, le32(rc4Usage(usage)));
    const data = Buffer.concat([confounder, plain]);
    const checksum = hmacMd5(k1, data);
    const k3 = hmacMd5(k1, checksum);
    return Buffer.concat([checksum, rc4Once(k3, data)]);
  },

  decrypt(key: Buffer, usage: number, cipher: Buffer): Buffer {
    if (cipher.length < CHECKSUM_LENGTH + CONFOUNDER_LENGTH) throw new KerberosIntegrityError("arcfour-hmac ciphertext is too short");
    const k1 = hmacMd5(key, le32(rc4Usage(usage)));
    const checksum = cipher.subarray(0, CHECKSUM_LENGTH);
    const k3 = hmacMd5(k1, checksum);
    const data = rc4Once(k3, cipher.subarray(CHECKSUM_LENGTH));
    if (!crypto.timingSafeEqual(hmacMd5(k1, data), checksum)) {
      throw new KerberosIntegrityError("arcfour-hmac integrity check failed (wrong key, or the message was altered)");
    }
    return data.subarray(CONFOUNDER_LENGTH);
  },

  /** HMAC-MD5 checksum type -138 (RFC 4757 section 4). */
  checksum(key: Buffer, usage: number, data: Buffer): Buffer {
    const ksign = hmacMd5(key, Buffer.from("signaturekey\0", "latin1"));
    const tmp = crypto.createHash("md5").update(le32(rc4Usage(usage))).update(data).digest();
    return hmacMd5(ksign, tmp);
  },
};
