// Ownership of entries in a Credentials Delegation list, shared by CredSSPClient and
// DelegationPolicy (both write AllowFreshCredentials). The list is shared with GPOs,
// Enable-WSManCredSSP and other resources, so a resource records exactly what it did
// and undoes only that:
//   - entries it wrote (by value name), removed on delete — nothing renamed;
//   - foreign entries it removed under `exclusive`, put back on delete at their name;
//   - switch DWORDs it changed, with their prior value, restored on delete — unless
//     entries remain that another owner added after this resource was created;
//   - the keys it touched (key-ownership.ts), deleted again on delete once empty.
// Every step updates the record before the next remote write, so a failure part-way
// leaves a record of exactly what was done (see PartialApplyError).
import {
  addSpns,
  CREDENTIALS_DELEGATION_KEY,
  DelegationPolicyName,
  hklmPath,
  PolicyEntry,
  policyListKey,
  readPolicy,
  Registry,
  removeEntries,
  setSwitches,
} from "../windows";
import type { HostOp } from "./connection";
import { recordKey } from "./key-ownership";

/** A switch value before this resource changed it; null = the value was absent. */
export interface PriorValue {
  previous: number | null;
}

export interface OwnedList {
  policy: DelegationPolicyName;
  /** Entries this resource wrote. */
  added: PolicyEntry[];
  /** Foreign entries this resource removed (exclusive mode), restored on delete. */
  removed: PolicyEntry[];
  /** Value names present before this resource first touched the list. */
  priorNames: string[];
  /** Switches this resource changed, with what they were before. */
  switches: { enabled?: PriorValue; concatenateDefaults?: PriorValue };
}

export interface DesiredList {
  spns: string[];
  /** Value of ConcatenateDefaults_<suffix>: 1 adds Windows' defaults to the list. */
  concatenateDefaults: 0 | 1;
  /** Remove every entry not in `spns` (recorded, and restored on delete). */
  exclusive: boolean;
}

const same = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

export function emptyOwnedList(policy: DelegationPolicyName): OwnedList {
  return { policy, added: [], removed: [], priorNames: [], switches: {} };
}

/**
 * Brings one list to `want`, updating `owned` in place as each write lands.
 * `fresh` says whether `owned` is new (its priorNames are then taken from the host).
 */
export async function applyList(op: HostOp, owned: OwnedList, want: DesiredList, fresh: boolean): Promise<void> {
  const { api, changes } = op;
  const policy = owned.policy;
  op.working(hklmPath(policyListKey(policy)));
  await recordKey(op, CREDENTIALS_DELEGATION_KEY);
  await recordKey(op, policyListKey(policy));
  const live = await readPolicy(api, policy);
  if (fresh) owned.priorNames = live.entries.map((e) => e.name);

  // Our entries that vanished (or were overwritten) out of band are no longer ours.
  owned.added = owned.added.filter((mine) => live.entries.some((e) => e.name === mine.name && same(e.spn, mine.spn)));

  // Entries we own but no longer want (an update shrank the list).
  const unwanted = owned.added.filter((mine) => !want.spns.some((s) => same(s, mine.spn)));
  for (const entry of unwanted) {
    await removeEntries(api, policy, [entry.name]);
    owned.added = owned.added.filter((e) => e.name !== entry.name);
    changes.push(`${policy}: removed ${entry.name}=${entry.spn}`);
  }

  if (want.exclusive) {
    const foreign = live.entries.filter((e) => !want.spns.some((s) => same(s, e.spn)) && !unwanted.some((u) => u.name === e.name));
    for (const entry of foreign) {
      await removeEntries(api, policy, [entry.name]);
      owned.removed.push(entry);
      changes.push(`${policy}: removed foreign ${entry.name}=${entry.spn} (exclusive)`);
    }
  }

  for (const spn of want.spns) {
    const names = await addSpns(api, policy, [spn]);
    for (const name of names) {
      owned.added.push({ name, spn });
      changes.push(`${policy}: added ${name}=${spn}`);
    }
  }

  op.working(hklmPath(CREDENTIALS_DELEGATION_KEY, policy));
  await setSwitch(op, owned, "enabled", 1);
  await setSwitch(op, owned, "concatenateDefaults", want.concatenateDefaults);
}

async function setSwitch(op: HostOp, owned: OwnedList, which: "enabled" | "concatenateDefaults", value: number): Promise<void> {
  const result = await setSwitches(op.api, owned.policy, { [which]: value });
  if (!result.changed) return;
  if (owned.switches[which] === undefined) owned.switches[which] = { previous: result.previous[which] ?? null };
  op.changes.push(`${owned.policy} ${which === "enabled" ? "switch" : "ConcatenateDefaults"}: ${result.previous[which] ?? "absent"} -> ${value}`);
}

/** Undoes what `owned` records. Safe to repeat: a second call finds nothing left to do. */
export async function releaseList(op: HostOp, owned: OwnedList): Promise<void> {
  const { api } = op;
  const policy = owned.policy;
  const key = policyListKey(policy);
  op.working(hklmPath(key));
  const live = await readPolicy(api, policy);
  const ours = owned.added.filter((mine) => live.entries.some((e) => e.name === mine.name && same(e.spn, mine.spn)));
  if (ours.length > 0) await removeEntries(api, policy, ours.map((e) => e.name));
  owned.added = [];

  const reg = new Registry(api);
  for (const entry of owned.removed) {
    const now = await readPolicy(api, policy);
    if (now.entries.some((e) => same(e.spn, entry.spn))) continue; // someone put it back already
    const free = !(await reg.enumValues(key))?.some((v) => v.name === entry.name);
    if (free) {
      await reg.createKey(key);
      await reg.setString(key, entry.name, entry.spn);
    } else {
      await addSpns(api, policy, [entry.spn]);
    }
  }
  owned.removed = [];

  const remaining = (await readPolicy(api, policy)).entries;
  const laterForeign = remaining.filter((e) => !owned.priorNames.includes(e.name));
  op.working(hklmPath(CREDENTIALS_DELEGATION_KEY, policy));
  // Everything the list held when we came is gone, and nothing is left: whoever
  // turned its switches on has taken their entries away, so the switches go too.
  const orphaned = remaining.length === 0 && owned.priorNames.length > 0;
  for (const which of ["enabled", "concatenateDefaults"] as const) {
    const prior = owned.switches[which];
    if (prior !== undefined && laterForeign.length === 0) {
      await setSwitches(api, policy, { [which]: prior.previous });
    } else if (prior === undefined && orphaned) {
      await setSwitches(api, policy, { [which]: null });
    }
  }
  owned.switches = {};
}

/** The SPNs of `wanted` that are live in the list and in force (switch on), in `wanted`'s order. */
export function liveView(wanted: readonly string[], live: { enabled?: number; entries: PolicyEntry[] }, exclusive: boolean): string[] {
  if (live.enabled !== 1) return [];
  if (exclusive) return live.entries.map((e) => e.spn);
  return wanted.filter((w) => live.entries.some((e) => same(e.spn, w)));
}
