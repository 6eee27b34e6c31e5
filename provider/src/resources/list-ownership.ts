// Ownership of the Credentials Delegation lists, shared by CredSSPClient and
// DelegationPolicy (both write AllowFreshCredentials), and with GPOs,
// Enable-WSManCredSSP and admins. Per list, the ledger holds:
//   - each entry (by SPN): declared present, or absent by an `exclusive` resource
//     that removed a foreign one (and puts it back when it leaves);
//   - the switch DWORD and ConcatenateDefaults_*: the values declared, and what
//     they were before the first owner;
//   - the keys (key-ownership.ts).
// New entries take the number after the highest existing name; removal deletes by
// name and renames nothing. Declarations are recorded before each write, so a
// write that fails part-way is still owned, and its undo is safe to repeat.
import {
  addSpns,
  CREDENTIALS_DELEGATION_KEY,
  DELEGATION_POLICIES,
  DELEGATION_POLICY_NAMES,
  DelegationPolicyName,
  hklmPath,
  nextEntryNumber,
  PolicyEntry,
  policyListKey,
  readPolicy,
  Registry,
  removeEntries,
  setSwitches,
} from "../windows";
import type { WsmanHostApi } from "../windows";
import { declareKey } from "./key-ownership";
import type { SubjectId } from "./ledger";
import { othersWantPresent, Ownership } from "./ownership";
import { listSwitches, ParsedSubject, parseSubject, subjects } from "./subjects";

export interface DesiredList {
  spns: string[];
  /** Value of ConcatenateDefaults_<suffix>: 1 adds Windows' defaults to the list. */
  concatenateDefaults: 0 | 1;
  /** Remove every entry not in `spns` that no other resource declares (restored when this one leaves). */
  exclusive: boolean;
}

const same = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Brings one list to `want`, declaring each entry and switch as it goes. */
export async function applyList(own: Ownership, policy: DelegationPolicyName, want: DesiredList): Promise<void> {
  const { op } = own;
  const { api, changes } = op;
  op.working(hklmPath(policyListKey(policy)));
  await declareKey(own, policyListKey(policy));
  const live = await readPolicy(api, policy);

  let next = nextEntryNumber(live.entries.map((e) => e.name));
  for (const spn of want.spns) {
    const s = subjects.entry(policy, spn);
    const found = live.entries.find((e) => same(e.spn, spn));
    if (found) {
      own.declare(s, true, { before: { name: found.name, spn: found.spn }, adopted: true });
      continue;
    }
    own.declare(s, true, { before: null });
    own.patch(s, { name: String(next) }); // the name it will take, should the write fail part-way
    const [name] = await own.write(`${policy}: add ${spn}`, () => addSpns(api, policy, [spn]));
    if (name !== undefined) {
      if (name !== String(next)) own.patch(s, { name });
      next = Number(name) + 1;
      changes.push(`${policy}: added ${name}=${spn}`);
    } else {
      own.correct(s, true, { before: { spn }, adopted: true }); // another process added it meanwhile
    }
  }

  if (want.exclusive) {
    for (const entry of live.entries) {
      if (want.spns.some((w) => same(w, entry.spn))) continue;
      const s = subjects.entry(policy, entry.spn);
      if (othersWantPresent(own.ledger, s)) continue; // another resource declares it: not ours to remove
      own.declare(s, false, { before: { name: entry.name, spn: entry.spn } });
      await own.write(`${policy}: remove foreign ${entry.name}=${entry.spn}`, () => removeEntries(api, policy, [entry.name]));
      changes.push(`${policy}: removed foreign ${entry.name}=${entry.spn} (exclusive)`);
    }
  }

  op.working(hklmPath(CREDENTIALS_DELEGATION_KEY, policy));
  const sw = listSwitches(policy);
  const names = live.entries.map((e) => e.name);
  own.declare(sw.enabled, 1, live.enabled === 1 ? { before: 1, adopted: true } : { before: live.enabled ?? null, names });
  const concat = want.concatenateDefaults;
  own.declare(
    sw.concatenateDefaults,
    concat,
    live.concatenateDefaults === concat ? { before: concat, adopted: true } : { before: live.concatenateDefaults ?? null },
  );
  if (live.enabled === 1 && live.concatenateDefaults === concat) return;
  const result = await own.write(`${policy} switch and ConcatenateDefaults: set to 1, ${concat}`, () =>
    setSwitches(api, policy, { enabled: 1, concatenateDefaults: concat }),
  );
  // Another process changed a switch between our read and this write: record what the write found.
  if (result.previous.enabled !== live.enabled) {
    const was = result.previous.enabled;
    own.correct(sw.enabled, 1, was === 1 ? { before: 1, adopted: true } : { before: was ?? null, names });
  }
  if (result.previous.concatenateDefaults !== live.concatenateDefaults) {
    const was = result.previous.concatenateDefaults;
    own.correct(sw.concatenateDefaults, concat, was === concat ? { before: concat, adopted: true } : { before: was ?? null });
  }
  if (result.previous.enabled !== 1) changes.push(`${policy} switch: ${result.previous.enabled ?? "absent"} -> 1`);
  if (result.previous.concatenateDefaults !== concat) {
    changes.push(`${policy} ConcatenateDefaults: ${result.previous.concatenateDefaults ?? "absent"} -> ${concat}`);
  }
}

/**
 * Withdraws this owner from entries of one list. An entry goes when nobody else
 * wants it present and it was absent before the first owner (only the value this
 * project wrote, by name); an entry an `exclusive` owner removed comes back when no
 * owner wants it absent any more.
 */
export async function releaseEntries(own: Ownership, policy: DelegationPolicyName, ids: SubjectId[]): Promise<void> {
  const { op } = own;
  op.working(hklmPath(policyListKey(policy)));
  const live = await readPolicy(op.api, policy);
  const removals: PolicyEntry[] = []; // removed together: one read-back for the list
  for (const s of ids) {
    const { mine, remaining, record } = own.withdraw(s);
    if (mine === undefined || record === undefined) continue;
    const spn = parseSubject(s)?.item ?? "";
    const present = live.entries.filter((e) => same(e.spn, spn));
    const wantPresent = remaining.length > 0 ? remaining.includes(true) : record.before !== null;
    if (mine === true && !wantPresent) {
      const targets = record.name !== undefined ? present.filter((e) => e.name === record.name) : remaining.length > 0 ? present : [];
      for (const e of targets) if (!removals.some((r) => r.name === e.name)) removals.push(e);
    } else if (mine === false && wantPresent && present.length === 0) {
      const prior = record.before as PolicyEntry | null;
      if (prior === null) continue;
      const name = await own.write(`${policy}: put back ${prior.name}=${prior.spn}`, () => putBack(op.api, policy, prior));
      op.changes.push(`${policy}: restored ${name}=${prior.spn}`);
    }
  }
  if (removals.length === 0) return;
  await own.write(`${policy}: remove ${removals.map((e) => e.name).join(", ")}`, () => removeEntries(op.api, policy, removals.map((e) => e.name)));
  for (const e of removals) op.changes.push(`${policy}: removed ${e.name}=${e.spn}`);
}

/** Puts a removed foreign entry back at its own name when that is free, else after the highest. */
async function putBack(api: WsmanHostApi, policy: DelegationPolicyName, entry: PolicyEntry): Promise<string> {
  const reg = new Registry(api);
  const key = policyListKey(policy);
  const taken = (await reg.enumValues(key))?.some((v) => v.name.toLowerCase() === entry.name.toLowerCase()) ?? false;
  if (taken) return (await addSpns(api, policy, [entry.spn]))[0] ?? entry.name;
  await reg.createKey(key);
  await reg.setString(key, entry.name, entry.spn);
  return entry.name;
}

/** The list a DWORD subject switches, and which of its two DWORDs it is. */
export function listSwitchOf(p: ParsedSubject): { policy: DelegationPolicyName; which: "enabled" | "concatenateDefaults" } | undefined {
  if (p.kind !== "dword" || p.key !== CREDENTIALS_DELEGATION_KEY) return undefined;
  for (const policy of DELEGATION_POLICY_NAMES) {
    if (p.name === policy) return { policy, which: "enabled" };
    if (p.name === DELEGATION_POLICIES[policy]) return { policy, which: "concatenateDefaults" };
  }
  return undefined;
}

/**
 * Whether a list switch must stay on although its last owner leaves: entries remain
 * that the list did not hold when that owner came (an admin's or a GPO's, added
 * while it was on), and turning the switch off would disable them.
 */
export async function switchStillNeeded(api: WsmanHostApi, policy: DelegationPolicyName, namesBefore: string[] | undefined): Promise<boolean> {
  const values = (await new Registry(api).enumValues(policyListKey(policy))) ?? [];
  return values.some((v) => !(namesBefore ?? []).includes(v.name));
}

/** The SPNs of `wanted` that are live in the list and in force (switch on), in `wanted`'s order. */
export function liveView(
  wanted: readonly string[],
  live: { enabled?: number; entries: PolicyEntry[] },
  exclusive: boolean,
  othersEntry: (spn: string) => boolean = () => false,
): string[] {
  if (live.enabled !== 1) return [];
  if (exclusive) return live.entries.map((e) => e.spn).filter((spn) => wanted.some((w) => same(w, spn)) || !othersEntry(spn));
  return wanted.filter((w) => live.entries.some((e) => same(e.spn, w)));
}
