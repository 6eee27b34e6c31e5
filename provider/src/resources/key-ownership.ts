// Registry keys a resource may create (the CredentialsDelegation key, its list
// subkeys, …\CredSSP\Parameters). Such a key is a ledger subject declared by every
// resource that writes into it: a key that was missing before the first of them is
// deleted, once empty, by the last to leave. A key found in place is declared too,
// as adopted (never deleted for its own sake): should the resource that created it
// heal its lost record later, its real prior ("missing") takes over, and the key
// still has every owner that relies on it.
import { Registry } from "../windows";
import type { Ownership } from "./ownership";
import { parseSubject, subjects } from "./subjects";
import type { SubjectId } from "./ledger";

/** Per operation: which keys were probed, and whether they exist. */
const probes = new WeakMap<Ownership, Map<string, boolean>>();

/**
 * Whether a key exists, learnt from its parent's subkey list: one EnumKey answers for
 * the parent and for every child, so a walk up a missing chain costs one request per
 * level it climbs past, not two.
 */
async function keyExists(own: Ownership, path: string): Promise<boolean> {
  let known = probes.get(own);
  if (!known) probes.set(own, (known = new Map()));
  const key = path.toLowerCase();
  if (!known.has(key)) {
    const reg = new Registry(own.op.api);
    const cut = path.lastIndexOf("\\");
    if (cut < 0) {
      known.set(key, await reg.keyExists(path));
    } else {
      const parent = path.slice(0, cut);
      const children = await reg.enumKey(parent);
      known.set(parent.toLowerCase(), children !== undefined);
      for (const child of children ?? []) known.set(`${parent}\\${child}`.toLowerCase(), true);
      if (!known.has(key)) known.set(key, false);
    }
  }
  return known.get(key)!;
}

/**
 * Declares `path` and each missing or ledger-recorded ancestor, before a write that
 * may create them. Stops at the first key that exists without a record (declared as
 * adopted): its parents are not ours.
 */
export async function declareKey(own: Ownership, path: string): Promise<void> {
  const parts = path.split("\\");
  for (let i = parts.length; i >= 1; i--) {
    const p = parts.slice(0, i).join("\\");
    const s = subjects.key(p);
    const rec = own.record(s);
    if (rec !== undefined) {
      own.declare(s, true, rec); // another owner's key (or ours already): join it
      continue;
    }
    if (await keyExists(own, p)) {
      own.declare(s, true, { before: true, adopted: true });
      return;
    }
    own.declare(s, true, { before: null });
  }
}

/** Releases key subjects, deepest first: the last owner deletes a key that was missing before us, once it is empty. */
export async function releaseKeys(own: Ownership, ids: SubjectId[]): Promise<void> {
  const reg = new Registry(own.op.api);
  const deepestFirst = [...ids].sort((a, b) => b.split("\\").length - a.split("\\").length);
  for (const s of deepestFirst) {
    const { mine, remaining, record } = own.withdraw(s);
    if (mine === undefined || record === undefined || remaining.length > 0 || record.before !== null) continue;
    const path = parseSubject(s)?.key;
    if (path !== undefined) await own.write(`delete ${path} if empty`, () => reg.deleteKeyIfEmpty(path));
  }
}
