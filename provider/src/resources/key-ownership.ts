// Registry keys a resource may create (the CredentialsDelegation key, its list
// subkeys, …\CredSSP\Parameters) are shared: two resources on one host can both
// need CredentialsDelegation, and either may be destroyed first. So a resource
// records, per key it touches, whether it created it, or else what the key held
// when it first touched it. On delete, an empty key goes when this resource created
// it — or when everything it held back then has since been removed by its owners
// (the key only existed for them, and the last of them is gone). A key that was
// already there and empty is never deleted.
import { Registry } from "../windows";
import type { HostOp } from "./connection";

export interface KeyRecord {
  created: boolean;
  /** Value names and `\subkey` names present when first touched (existing keys only). */
  prior: string[];
}

export type OwnedKeys = Record<string, KeyRecord>;

async function contents(reg: Registry, key: string): Promise<string[] | undefined> {
  const values = await reg.enumValues(key);
  if (values === undefined) return undefined;
  const subkeys = (await reg.enumKey(key)) ?? [];
  return [...values.map((v) => v.name), ...subkeys.map((s) => `\\${s}`)];
}

/**
 * Records `key` and each of its missing ancestors in `op.keys` before a write
 * creates them. Keys already recorded keep their first record.
 */
export async function recordKey(op: HostOp, key: string): Promise<void> {
  const keys = op.keys;
  const reg = new Registry(op.api);
  const parts = key.split("\\");
  for (let i = 1; i <= parts.length; i++) {
    const path = parts.slice(0, i).join("\\");
    if (keys[path] !== undefined) continue;
    const now = await contents(reg, path);
    if (now === undefined) {
      keys[path] = { created: true, prior: [] };
    } else if (i === parts.length) {
      keys[path] = { created: false, prior: now };
    }
  }
}

/** Deletes, deepest first, the keys recorded in `op.keys` that are empty and no longer needed. */
export async function releaseKeys(op: HostOp): Promise<void> {
  const keys = op.keys;
  const reg = new Registry(op.api);
  const deepestFirst = Object.keys(keys).sort((a, b) => b.split("\\").length - a.split("\\").length);
  for (const path of deepestFirst) {
    const record = keys[path];
    const now = await contents(reg, path);
    if (now === undefined || now.length > 0) continue;
    const orphaned = !record.created && record.prior.length > 0; // everything it held is gone (now is empty)
    if (record.created || orphaned) await reg.deleteKeyIfEmpty(path);
  }
}
