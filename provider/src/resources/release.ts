// Withdrawing a resource from what it no longer declares (an update that dropped
// something, or delete), in the one order that keeps each step's preconditions:
// flags; TrustedHosts; list entries; then the DWORDs that switch the lists (a switch
// stays on while entries it did not see remain) and the encryption oracle; keys
// last, deepest first, so a key is empty when its turn comes. A DWORD is put back
// only if it still holds what this owner set: a value changed since is someone
// else's now.
import { deleteValues, ENCRYPTION_ORACLE_KEY, ENCRYPTION_ORACLE_LEVELS, ENCRYPTION_ORACLE_VALUE, getDwordValue, hklmPath, setDwordValue } from "../windows";
import { releaseFlag } from "./credssp-flag";
import { releaseKeys } from "./key-ownership";
import type { SubjectId } from "./ledger";
import { listSwitchOf, releaseEntries, switchStillNeeded } from "./list-ownership";
import type { Ownership } from "./ownership";
import { ParsedSubject, parseSubject } from "./subjects";
import { editTrustedHosts } from "./trusted-hosts-ownership";

export async function release(own: Ownership, ids: SubjectId[]): Promise<void> {
  const parsed = ids.map((id) => parseSubject(id) ?? ({ kind: undefined, id } as const));
  const of = (kind: string) => parsed.filter((p) => p.kind === kind) as ParsedSubject[];

  for (const p of of("flag")) await releaseFlag(own, p.role!);

  const hosts = [...of("trustedHost"), ...of("trustedHostsText")].map((p) => p.id);
  if (hosts.length > 0) await editTrustedHosts(own, undefined, hosts);

  const byPolicy = new Map<string, SubjectId[]>();
  for (const p of of("entry")) byPolicy.set(p.policy!, [...(byPolicy.get(p.policy!) ?? []), p.id]);
  for (const [policy, entries] of byPolicy) await releaseEntries(own, policy as Parameters<typeof releaseEntries>[1], entries);

  // DWORDs that go are deleted together per key, with one read-back.
  const deletions = new Map<string, Array<{ name: string; change: string }>>();
  for (const p of of("dword")) {
    const gone = await releaseDword(own, p);
    if (gone) deletions.set(gone.key, [...(deletions.get(gone.key) ?? []), gone]);
  }
  for (const [key, gone] of deletions) {
    own.op.working(hklmPath(key, gone[0].name));
    await own.write(gone.map((g) => g.change).join("; "), () => deleteValues(own.op.api, key, gone.map((g) => g.name)));
    for (const g of gone) own.op.changes.push(g.change);
  }
  await releaseKeys(own, of("key").map((p) => p.id));

  // Ids this version does not know (a newer version's): deregister, touch nothing.
  for (const p of parsed) if (p.kind === undefined) own.withdraw(p.id);
}

/** Puts one DWORD back; a deletion is returned for the caller to do with the key's others. */
async function releaseDword(own: Ownership, p: ParsedSubject): Promise<{ key: string; name: string; change: string } | undefined> {
  const { op } = own;
  const { mine, remaining, record } = own.withdraw(p.id);
  if (mine === undefined || record === undefined || p.key === undefined || p.name === undefined) return;
  const list = listSwitchOf(p);
  const oracle = p.key === ENCRYPTION_ORACLE_KEY && p.name === ENCRYPTION_ORACLE_VALUE;
  if (!list && !oracle) return; // a DWORD this version does not manage
  const setting = hklmPath(p.key, p.name);
  op.working(setting);
  const live = await getDwordValue(op.api, p.key, p.name);
  if (live !== mine) return; // changed since this owner set it: not ours to put back
  // Another owner still declares it: leave the newest declaration in force.
  const target = (remaining.length > 0 ? remaining[remaining.length - 1] : record.before) as number | null;
  if ((target ?? undefined) === live) return;
  if (oracle && target !== null && !(Object.values(ENCRYPTION_ORACLE_LEVELS) as number[]).includes(target)) return;
  if (remaining.length === 0 && list?.which === "enabled" && (await switchStillNeeded(op.api, list.policy, record.names))) return;
  const change = `${setting}: ${live} -> ${target ?? "absent"}`;
  if (target === null) return { key: p.key, name: p.name, change };
  await own.write(change, () => setDwordValue(op.api, p.key!, p.name!, target));
  op.changes.push(change);
  return undefined;
}
