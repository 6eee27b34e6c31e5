// Import: the state of a resource that adopts what an import ID names on a host
// (`pulumi import`, the `import` resource option). Pulumi's convention for imported
// resources holds: from now on Pulumi manages them as if it had created them, so
// destroy removes what the resource declares (unless retainOnDelete, or `pulumi
// state delete` first). Everything the ID names must be on the host — an import
// adopts, it never writes — and only one read of the host is made.
//
// The ownership record an import starts with is built in one place,
// `ownedOnImport`: the rest of this file only reads the host and lays out state the
// way create does, so the resource's own read, diff, update and delete take over.
import {
  CREDENTIALS_DELEGATION_KEY,
  credSSPSettingName,
  DelegationPolicyName,
  getCredSSP,
  getTrustedHosts,
  hasTrustedHost,
  hklmPath,
  parseTrustedHosts,
  PolicyEntry,
  policyListKey,
  PolicyState,
  readPolicy,
  TRUSTED_HOSTS_SETTING,
} from "../windows";
import { Connection, HostOp, onHost } from "./connection";
import { wsmanSpn } from "./credssp-client";
import { LIST_PROPERTIES, LIST_PROPERTY_NAMES, ListProperty } from "./delegation-policy";
import { ImportNotFoundError } from "./errors";
import { OwnedKeys, recordKey } from "./key-ownership";
import { OwnedList } from "./list-ownership";

export type ImportableKind = "CredSSPServer" | "CredSSPClient" | "DelegationPolicy" | "TrustedHosts";

/** One delegation list as found: the SPNs the import names, and the list on the host. */
interface FoundList {
  policy: DelegationPolicyName;
  spns: string[];
  live: PolicyState;
}

/** What the host holds of what an import names, read once. */
export interface Found {
  /** The CredSSP role flag (CredSSPServer: service, CredSSPClient: client). */
  flag?: boolean;
  /** Keyed by the input property (CredSSPClient: allowFreshCredentials). */
  lists: Partial<Record<ListProperty, FoundList>>;
  /** The registry keys the lists live in, as found (key-ownership.ts). */
  keys: OwnedKeys;
  /** The whole TrustedHosts string. */
  trustedHosts?: string;
  /** The TrustedHosts entries the import names. */
  hosts?: string[];
}

const same = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * The ownership record an imported resource starts with: what it owns is exactly
 * what it found, as if it had written it on a host that lacked it.
 *   - a CredSSP flag found on: owned with prior `false` (delete turns it off);
 *   - list entries named by the ID: owned as added (delete removes them); the other
 *     entries are foreign (priorNames); the list's switches are owned with prior
 *     "absent" only when no foreign entry needs them;
 *   - registry keys: recorded with what they held (delete removes a key once it is empty);
 *   - TrustedHosts entries named by the ID: owned as appended (delete removes them).
 * This is the one function to change if import is to mean something else.
 */
export function ownedOnImport(kind: ImportableKind, found: Found): Record<string, unknown> {
  const flag = found.flag ? { credSSP: { previous: false } } : {};
  const list = (l: FoundList): OwnedList => {
    const added = l.live.entries.filter((e) => l.spns.some((s) => same(s, e.spn)));
    const foreign = l.live.entries.filter((e) => !added.includes(e));
    const switches: OwnedList["switches"] = {};
    if (foreign.length === 0) {
      if (l.live.enabled !== undefined) switches.enabled = { previous: null };
      if (l.live.concatenateDefaults !== undefined) switches.concatenateDefaults = { previous: null };
    }
    return { policy: l.policy, added, removed: [], priorNames: foreign.map((e) => e.name), switches };
  };
  switch (kind) {
    case "CredSSPServer":
      return flag;
    case "CredSSPClient":
      return { ...flag, list: list(found.lists.allowFreshCredentials!), keys: found.keys };
    case "DelegationPolicy": {
      const lists: Partial<Record<ListProperty, OwnedList>> = {};
      for (const [prop, l] of Object.entries(found.lists) as [ListProperty, FoundList][]) lists[prop] = list(l);
      return { lists, keys: found.keys };
    }
    case "TrustedHosts":
      return { added: [...(found.hosts ?? [])] };
  }
}

/** Reads what the import names; lists what is missing (nothing may be). */
async function readFound(op: HostOp, kind: ImportableKind, inputs: Record<string, any>, missing: string[]): Promise<Found> {
  const found: Found = { lists: {}, keys: {} };
  const readList = async (prop: ListProperty, spns: string[]) => {
    const policy = LIST_PROPERTIES[prop];
    op.working(hklmPath(policyListKey(policy)));
    const live = await readPolicy(op.api, policy);
    if (live.enabled !== 1) missing.push(`${hklmPath(CREDENTIALS_DELEGATION_KEY, policy)} is ${live.enabled ?? "absent"}, not 1 (the list is not in force)`);
    for (const spn of spns) if (!live.entries.some((e: PolicyEntry) => same(e.spn, spn))) missing.push(`${policy} has no entry ${spn}`);
    found.lists[prop] = { policy, spns, live };
    // Recorded as found (nothing is created), so delete can tell when a key is left empty.
    await recordKey(op, CREDENTIALS_DELEGATION_KEY);
    await recordKey(op, policyListKey(policy));
  };
  switch (kind) {
    case "CredSSPServer":
    case "CredSSPClient": {
      const role = kind === "CredSSPServer" ? "service" : "client";
      op.working(credSSPSettingName(role));
      found.flag = await getCredSSP(op.api, role);
      if (!found.flag) missing.push(`${credSSPSettingName(role)} is false`);
      if (kind === "CredSSPClient") await readList("allowFreshCredentials", (inputs.delegateComputers as string[]).map(wsmanSpn));
      break;
    }
    case "DelegationPolicy":
      for (const prop of LIST_PROPERTY_NAMES) if (inputs[prop] !== undefined) await readList(prop, inputs[prop] as string[]);
      break;
    case "TrustedHosts": {
      op.working(TRUSTED_HOSTS_SETTING);
      found.trustedHosts = await getTrustedHosts(op.api);
      const list = parseTrustedHosts(found.trustedHosts);
      found.hosts = inputs.hosts as string[];
      for (const h of found.hosts) if (!hasTrustedHost(list, h)) missing.push(`${TRUSTED_HOSTS_SETTING} has no entry ${h}`);
      break;
    }
  }
  found.keys = { ...op.keys };
  return found;
}

/**
 * The state of a resource imported with `inputs` (checked, the connection filled in):
 * laid out as create lays it out, owning what `ownedOnImport` says. Throws
 * ImportNotFoundError, naming each missing piece, when the host lacks any of it.
 */
export async function importedState(kind: ImportableKind, id: string, inputs: Record<string, any>): Promise<Record<string, unknown>> {
  const connection = inputs.connection as Connection;
  const missing: string[] = [];
  const keys: OwnedKeys = {};
  const found = await onHost(connection, (op) => readFound(op, kind, inputs, missing), { keys });
  if (missing.length > 0) throw new ImportNotFoundError(kind, id, connection.host, missing);
  const owned = ownedOnImport(kind, found);
  const base = { connection, host: connection.host, lastApplied: [] as string[], owned };
  switch (kind) {
    case "CredSSPServer":
      return { ...base, enabled: true };
    case "CredSSPClient":
      return { ...base, delegateComputers: inputs.delegateComputers, spns: (inputs.delegateComputers as string[]).map(wsmanSpn), enabled: true };
    case "DelegationPolicy": {
      const lists = Object.fromEntries(LIST_PROPERTY_NAMES.filter((p) => inputs[p] !== undefined).map((p) => [p, inputs[p]]));
      return { ...base, ...lists, concatenateDefaults: concatenateDefaultsFound(found), exclusive: false };
    }
    case "TrustedHosts":
      return { ...base, hosts: inputs.hosts, exclusive: false, value: found.trustedHosts };
  }
}

/**
 * `concatenateDefaults` as the imported lists have it: false when every one of them
 * has ConcatenateDefaults_* = 0, true otherwise (the resource's default).
 */
export function concatenateDefaultsFound(found: Found): boolean {
  const lists = Object.values(found.lists);
  return !(lists.length > 0 && lists.every((l) => l!.live.concatenateDefaults === 0));
}
