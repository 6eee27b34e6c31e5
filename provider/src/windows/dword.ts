// One REG_DWORD, read or written and verified on its own: for putting back a value
// we changed (a list switch, ConcatenateDefaults_*, AllowEncryptionOracle) without
// re-reading the values around it; and deleting several of one key with one read-back.

import { VerifyError } from "./errors";
import { Registry } from "./registry";
import type { WsmanHostApi } from "./host-api";
import { hklmPath } from "./uris";

/** The DWORD, or undefined when it (or its key) is absent. */
export async function getDwordValue(api: WsmanHostApi, key: string, name: string): Promise<number | undefined> {
  return new Registry(api).getDword(key, name);
}

/** Sets the DWORD (creating its key when missing), or deletes it with null; then reads it back. */
export async function setDwordValue(api: WsmanHostApi, key: string, name: string, value: number | null): Promise<void> {
  const reg = new Registry(api);
  if (value === null) await reg.deleteValue(key, name);
  else await reg.setDwordCreatingKey(key, name, value);
  const after = await reg.getDword(key, name);
  if (after !== (value ?? undefined)) throw new VerifyError(hklmPath(key, name), value, after);
}

/**
 * Deletes several values of one key (missing ones are fine), then reads back once: the
 * key's EnumValues must list none of them. One request per value, plus one.
 */
export async function deleteValues(api: WsmanHostApi, key: string, names: readonly string[]): Promise<void> {
  const reg = new Registry(api);
  for (const name of names) await reg.deleteValue(key, name);
  await verifyValuesGone(reg, key, names);
}

/** The read-back of deletions: one EnumValues of the key, which must list none of `names`. */
export async function verifyValuesGone(reg: Registry, key: string, names: readonly string[]): Promise<void> {
  const left = (await reg.enumValues(key)) ?? [];
  const still = names.find((n) => left.some((v) => v.name.toLowerCase() === n.toLowerCase()));
  if (still !== undefined) throw new VerifyError(hklmPath(key, still), null, "still present");
}
