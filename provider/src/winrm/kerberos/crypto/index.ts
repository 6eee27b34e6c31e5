// The enctypes we implement, in the order we prefer them, and lookups by number.

import { KerberosConfigError } from "../errors";
import { aes128CtsHmacSha196, aes256CtsHmacSha196 } from "./aes";
import type { Enctype } from "./enctype";
import { rc4Hmac } from "./rc4-hmac";

export type { Enctype } from "./enctype";
export { aes128CtsHmacSha196, aes256CtsHmacSha196 } from "./aes";
export { rc4Hmac } from "./rc4-hmac";

/** Strongest first: what we list in a KDC request's etype field. */
export const SUPPORTED_ENCTYPES: readonly Enctype[] = [aes256CtsHmacSha196, aes128CtsHmacSha196, rc4Hmac];

export function findEnctype(id: number): Enctype | undefined {
  return SUPPORTED_ENCTYPES.find((e) => e.id === id);
}

/** The enctype numbered `id`, or a config error naming it (e.g. a DES-only keytab entry). */
export function enctypeById(id: number): Enctype {
  const e = findEnctype(id);
  if (!e) {
    throw new KerberosConfigError(
      `encryption type ${id} is not supported (we support ${SUPPORTED_ENCTYPES.map((x) => `${x.name} (${x.id})`).join(", ")})`,
    );
  }
  return e;
}
