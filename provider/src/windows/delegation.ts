// The Credentials Delegation group policies (CredSsp.admx) as the registry holds them
// under HKLM\SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation:
//   <Policy>                         REG_DWORD switch (1 = enabled)
//   ConcatenateDefaults_<suffix>     REG_DWORD (1 = also allow Windows' built-in list)
//   <Policy>\1, \2, …                REG_SZ values, one SPN each
// Entries are owned by many parties (GPOs, Enable-WSManCredSSP, other resources), so
// every write here touches only the values it names: new entries take the number after
// the highest existing one (never count+1, which overwrites an entry when there is a
// gap), and removal renames nothing.

import { InvalidArgumentError, VerifyError } from "./errors";
import { verifyValuesGone } from "./dword";
import { Registry, REG_EXPAND_SZ, REG_SZ } from "./registry";
import type { WsmanHostApi } from "./host-api";
import { CREDENTIALS_DELEGATION_KEY, hklmPath } from "./uris";

/** Each list policy and its ConcatenateDefaults value name. */
export const DELEGATION_POLICIES = {
  AllowFreshCredentials: "ConcatenateDefaults_AllowFresh",
  AllowFreshCredentialsWhenNTLMOnly: "ConcatenateDefaults_AllowFreshNTLMOnly",
  AllowSavedCredentials: "ConcatenateDefaults_AllowSaved",
  AllowSavedCredentialsWhenNTLMOnly: "ConcatenateDefaults_AllowSavedNTLMOnly",
  AllowDefaultCredentials: "ConcatenateDefaults_AllowDefault",
  AllowDefCredentialsWhenNTLMOnly: "ConcatenateDefaults_AllowDefNTLMOnly",
} as const;

export type DelegationPolicyName = keyof typeof DELEGATION_POLICIES;

export const DELEGATION_POLICY_NAMES = Object.keys(DELEGATION_POLICIES) as DelegationPolicyName[];

export interface PolicyEntry {
  /** Registry value name ("1", "2", …). */
  name: string;
  /** The SPN it holds, e.g. "wsman/srv01.corp.test". */
  spn: string;
}

export interface PolicyState {
  /** The switch DWORD; undefined when absent. */
  enabled?: number;
  /** ConcatenateDefaults_<suffix>; undefined when absent. */
  concatenateDefaults?: number;
  /** String entries in numeric name order (gaps kept; non-numeric names last). */
  entries: PolicyEntry[];
  /** The entries' value names in the order the host enumerates them (creation order on Windows). */
  registryOrder: string[];
  /** Whether the list subkey exists at all (it can exist empty). */
  listKeyExists: boolean;
}

/** Registry key of a policy's list. */
export function policyListKey(policy: DelegationPolicyName): string {
  return `${CREDENTIALS_DELEGATION_KEY}\\${policy}`;
}

function checkPolicy(policy: string): asserts policy is DelegationPolicyName {
  if (!Object.prototype.hasOwnProperty.call(DELEGATION_POLICIES, policy)) {
    throw new InvalidArgumentError(`unknown delegation policy "${policy}"; expected one of ${DELEGATION_POLICY_NAMES.join(", ")}`);
  }
}

const isNumericName = (name: string): boolean => /^\d+$/.test(name);

/** Value names in list order: numeric ascending, then any others in their original order. */
export function sortEntryNames(names: readonly string[]): string[] {
  const numeric = names.filter(isNumericName).sort((a, b) => Number(a) - Number(b));
  return [...numeric, ...names.filter((n) => !isNumericName(n))];
}

/** The number a new entry takes: one more than the highest numeric name (1 for none). */
export function nextEntryNumber(names: readonly string[]): number {
  let highest = 0;
  for (const name of names) if (isNumericName(name)) highest = Math.max(highest, Number(name));
  return highest + 1;
}

const spnKey = (spn: string): string => spn.trim().toLowerCase();

/**
 * Which values to write to add `spns` to a list: SPNs already present (case-insensitive)
 * or repeated in the input are skipped; the rest are numbered from after the highest
 * existing value name. `existingNames` must include every value in the key, of any type.
 */
export function planAdditions(
  existingNames: readonly string[],
  existingEntries: readonly PolicyEntry[],
  spns: readonly string[],
): PolicyEntry[] {
  const seen = new Set(existingEntries.map((e) => spnKey(e.spn)));
  let next = nextEntryNumber(existingNames);
  const plan: PolicyEntry[] = [];
  for (const spn of spns) {
    const k = spnKey(spn);
    if (k.length === 0 || seen.has(k)) continue;
    seen.add(k);
    plan.push({ name: String(next++), spn });
  }
  return plan;
}

interface ListRead {
  entries: PolicyEntry[];
  /** Entry names as EnumValues listed them. */
  registryOrder: string[];
  /** Every value name in the key, whatever its type (all of them count for numbering). */
  allNames: string[];
  exists: boolean;
}

async function readList(reg: Registry, policy: DelegationPolicyName): Promise<ListRead> {
  const key = policyListKey(policy);
  const values = await reg.enumValues(key);
  if (values === undefined) return { entries: [], registryOrder: [], allNames: [], exists: false };
  const types = new Map(values.map((v) => [v.name, v.type]));
  const entries: PolicyEntry[] = [];
  for (const name of sortEntryNames(values.map((v) => v.name))) {
    const type = types.get(name);
    if (type !== REG_SZ && type !== REG_EXPAND_SZ) continue; // not an SPN entry; left alone
    const spn = await reg.getText(key, name, type);
    if (spn !== undefined) entries.push({ name, spn });
  }
  const read = new Set(entries.map((e) => e.name));
  return { entries, registryOrder: values.map((v) => v.name).filter((n) => read.has(n)), allNames: values.map((v) => v.name), exists: true };
}

/** The switch, ConcatenateDefaults and entries of one policy, read live. */
export async function readPolicy(api: WsmanHostApi, policy: DelegationPolicyName): Promise<PolicyState> {
  checkPolicy(policy);
  const reg = new Registry(api);
  const enabled = await reg.getDword(CREDENTIALS_DELEGATION_KEY, policy);
  const concatenateDefaults = await reg.getDword(CREDENTIALS_DELEGATION_KEY, DELEGATION_POLICIES[policy]);
  const list = await readList(reg, policy);
  const state: PolicyState = { entries: list.entries, registryOrder: list.registryOrder, listKeyExists: list.exists };
  if (enabled !== undefined) state.enabled = enabled;
  if (concatenateDefaults !== undefined) state.concatenateDefaults = concatenateDefaults;
  return state;
}

/**
 * Add SPNs to a policy's list; returns the value names written (empty when every SPN
 * was already there). Creates the list key when missing. Does not touch the switches.
 */
export async function addSpns(api: WsmanHostApi, policy: DelegationPolicyName, spns: readonly string[]): Promise<string[]> {
  checkPolicy(policy);
  const reg = new Registry(api);
  const key = policyListKey(policy);
  const before = await readList(reg, policy);
  const plan = planAdditions(before.allNames, before.entries, spns);
  if (plan.length === 0) return [];
  if (!before.exists) await reg.createKey(key);
  const taken = [...before.allNames];
  const names: string[] = [];
  for (const { spn } of plan) names.push(await addEntry(reg, key, spn, taken));
  return names;
}

/** Names tried for one new entry before giving up on a list another process keeps numbering. */
const ENTRY_NAME_ATTEMPTS = 5;

/**
 * Writes one entry under the next free number and returns its name. StdRegProv has no
 * compare-and-set and another process may be numbering the same list, so the name is
 * checked free just before the write and read back after it. A name found holding
 * the same SPN, in any case, is the entry (another writer added it just now, at the
 * same number); one holding anything else is passed over, and an entry found
 * overwritten after the write is written again further on (the other writer's stays).
 */
async function addEntry(reg: Registry, key: string, spn: string, taken: string[]): Promise<string> {
  let failed: VerifyError | undefined;
  for (let attempt = 1; attempt <= ENTRY_NAME_ATTEMPTS; attempt++) {
    const name = String(nextEntryNumber(taken));
    taken.push(name);
    const there = await textOrTaken(reg, key, name);
    if (there !== undefined && spnKey(there) === spnKey(spn)) return name; // another writer just added it there
    if (there !== undefined) continue;
    await reg.setString(key, name, spn);
    const after = await textOrTaken(reg, key, name);
    if (after !== undefined && spnKey(after) === spnKey(spn)) return name;
    failed = new VerifyError(hklmPath(key, name), spn, after);
  }
  throw failed ?? new VerifyError(hklmPath(key), spn, `no free entry name in ${ENTRY_NAME_ATTEMPTS} tries (another process keeps writing this list)`);
}

/** A value's text; undefined when absent; a non-string value reads as taken. */
async function textOrTaken(reg: Registry, key: string, name: string): Promise<string | undefined> {
  try {
    return await reg.getString(key, name);
  } catch (err) {
    if ((err as { code?: unknown }).code === "WINDOWS_REGISTRY") return "(not a string)";
    throw err;
  }
}

/**
 * Delete exactly the named values from a policy's list (missing ones are ignored);
 * returns the names actually deleted. Nothing is renumbered, and the list key stays
 * (the resources decide which keys go: resources/key-ownership.ts).
 */
export async function removeEntries(api: WsmanHostApi, policy: DelegationPolicyName, names: readonly string[]): Promise<string[]> {
  checkPolicy(policy);
  const reg = new Registry(api);
  const key = policyListKey(policy);
  const removed: string[] = [];
  for (const name of new Set(names)) {
    if (await reg.deleteValue(key, name)) removed.push(name);
  }
  await verifyValuesGone(reg, key, names);
  return removed;
}

/** Whether HKLM\...\CredentialsDelegation exists (to know, before creating anything, whether it was there). */
export async function credentialsDelegationKeyExists(api: WsmanHostApi): Promise<boolean> {
  return new Registry(api).keyExists(CREDENTIALS_DELEGATION_KEY);
}

/** For each switch: undefined leaves it alone, null deletes the value, a number sets it. */
export interface SwitchChange {
  enabled?: number | null;
  concatenateDefaults?: number | null;
}

export interface Switches {
  enabled?: number;
  concatenateDefaults?: number;
}

/** Set or delete a policy's switch DWORDs; returns their previous values and whether anything was written. */
export async function setSwitches(
  api: WsmanHostApi,
  policy: DelegationPolicyName,
  change: SwitchChange,
): Promise<{ previous: Switches; changed: boolean }> {
  checkPolicy(policy);
  const reg = new Registry(api);
  const targets: Array<[keyof Switches, string, number | null | undefined]> = [
    ["enabled", policy, change.enabled],
    ["concatenateDefaults", DELEGATION_POLICIES[policy], change.concatenateDefaults],
  ];
  const previous: Switches = {};
  const written: Array<[string, number | null]> = [];
  for (const [field, valueName, want] of targets) {
    const current = await reg.getDword(CREDENTIALS_DELEGATION_KEY, valueName);
    if (current !== undefined) previous[field] = current;
    if (want === undefined) continue;
    if ((want === null && current === undefined) || want === current) continue;
    if (want === null) await reg.deleteValue(CREDENTIALS_DELEGATION_KEY, valueName);
    else await reg.setDwordCreatingKey(CREDENTIALS_DELEGATION_KEY, valueName, want);
    written.push([valueName, want]);
  }
  // Read back once the writes are done: deletions alone by one EnumValues of the key,
  // a value set by reading it.
  if (written.length > 0 && written.every(([, want]) => want === null)) {
    await verifyValuesGone(reg, CREDENTIALS_DELEGATION_KEY, written.map(([name]) => name));
  } else {
    for (const [valueName, want] of written) {
      const after = await reg.getDword(CREDENTIALS_DELEGATION_KEY, valueName);
      if (after !== (want ?? undefined)) throw new VerifyError(hklmPath(CREDENTIALS_DELEGATION_KEY, valueName), want, after);
    }
  }
  const changed = written.length > 0;
  return { previous, changed };
}
