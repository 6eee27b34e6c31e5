// Import: the state of a resource that adopts what an import ID names on a host
// (`pulumi import`, the `import` resource option). Pulumi's convention for imported
// resources holds: from now on Pulumi manages them as if it had created them, so
// destroy removes what the resource declares (unless retainOnDelete, or `pulumi
// state delete` first). Everything the ID names must be on the host — an import
// adopts, it never writes — and only one read of the host is made.
//
// The ownership an import starts with is decided in one place, `ownedOnImport`: the
// claims the resource keeps in its state (`__owned`, ownership.ts), which its first
// update or delete heals into the host's ledger — Read itself writes nothing, and
// the engine calls it for the preview of an import too. The rest of this file only
// reads the host and lays out state the way create does, so the resource's own
// read, diff, update and delete take over.
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
import type { Before, SubjectId } from "./ledger";
import { newOwnerId } from "./owner";
import type { Claim, Owned } from "./ownership";
import { listSwitches, subjects } from "./subjects";

export type ImportableKind = "CredSSPServer" | "CredSSPClient" | "DelegationPolicy" | "TrustedHosts";

/** One delegation list as found: the SPNs the import names, and the list on the host. */
interface FoundList {
  policy: DelegationPolicyName;
  spns: string[];
  live: PolicyState;
  /** The ConcatenateDefaults_* value the resource will declare (from its concatenateDefaults). */
  concatenateDefaults: 0 | 1;
}

/** What the host holds of what an import names, read once. */
export interface Found {
  /** The CredSSP role flag (CredSSPServer: service, CredSSPClient: client). */
  flag?: boolean;
  /** Keyed by the input property (CredSSPClient: allowFreshCredentials). */
  lists: Partial<Record<ListProperty, FoundList>>;
  /** The whole TrustedHosts string. */
  trustedHosts?: string;
  /** The TrustedHosts entries the import names. */
  hosts?: string[];
}

const same = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * What an imported resource claims, as if it had written all it found on a host that
 * lacked it (its claims' priors say "absent"), so that when it is the last owner to
 * leave, delete takes it away:
 *   - the CredSSP flag, with prior `false` (delete turns it off);
 *   - each list entry the ID names, with prior "absent" and the value name it has;
 *   - a list's switch and ConcatenateDefaults DWORDs with prior "absent" when the ID
 *     names every entry of the list; with foreign entries they are adopted (the
 *     foreign entries need them), and stay;
 *   - the list's key and the CredentialsDelegation key, with prior "absent": the last
 *     owner to leave deletes them only if they are empty;
 *   - each TrustedHosts entry the ID names, with prior "absent"; the whole string is
 *     adopted (other entries keep their exact text).
 * An owner already in the host's ledger keeps its record: the imported resource joins
 * it, and nothing is taken away while any owner still declares it.
 * This is the one function to change if import is to mean something else.
 */
export function ownedOnImport(kind: ImportableKind, found: Found, owner: string): Owned {
  const claims: Record<SubjectId, Claim> = {};
  const claim = (s: SubjectId, value: unknown, first: Before) => void (claims[s] = { value, first });
  if (found.flag) claim(subjects.flag(kind === "CredSSPServer" ? "service" : "client"), true, { before: false });
  for (const l of Object.values(found.lists)) {
    if (!l) continue;
    const mine = l.live.entries.filter((e) => l.spns.some((s) => same(s, e.spn)));
    for (const spn of l.spns) {
      const entry = mine.find((e) => same(e.spn, spn))!;
      claim(subjects.entry(l.policy, spn), true, { before: null, name: entry.name });
    }
    const foreign = l.live.entries.length > mine.length;
    const sw = listSwitches(l.policy);
    claim(sw.enabled, 1, foreign ? { before: 1, adopted: true } : { before: null, names: [] });
    const concat = l.concatenateDefaults;
    claim(sw.concatenateDefaults, concat, foreign ? { before: l.live.concatenateDefaults ?? null, adopted: true } : { before: null });
    claim(subjects.key(CREDENTIALS_DELEGATION_KEY), true, { before: null });
    claim(subjects.key(policyListKey(l.policy)), true, { before: null });
  }
  if (found.trustedHosts !== undefined) {
    claim(subjects.trustedHostsText(), true, { before: found.trustedHosts, adopted: true });
    for (const h of found.hosts ?? []) claim(subjects.trustedHost(h), true, { before: null });
  }
  return { owner, claims };
}

/** Reads what the import names; lists what is missing (nothing may be). */
async function readFound(op: HostOp, kind: ImportableKind, inputs: Record<string, any>, missing: string[]): Promise<Found> {
  const found: Found = { lists: {} };
  const readList = async (prop: ListProperty, spns: string[]) => {
    const policy = LIST_PROPERTIES[prop];
    op.working(hklmPath(policyListKey(policy)));
    const live = await readPolicy(op.api, policy);
    if (live.enabled !== 1) missing.push(`${hklmPath(CREDENTIALS_DELEGATION_KEY, policy)} is ${live.enabled ?? "absent"}, not 1 (the list is not in force)`);
    for (const spn of spns) if (!live.entries.some((e: PolicyEntry) => same(e.spn, spn))) missing.push(`${policy} has no entry ${spn}`);
    found.lists[prop] = { policy, spns, live, concatenateDefaults: 1 };
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
  // concatenateDefaults as the lists have it, declared the same for each (the resource's rule).
  const concat = concatenateDefaultsFound(found) ? 1 : 0;
  for (const l of Object.values(found.lists)) if (l) l.concatenateDefaults = concat;
  return found;
}

/**
 * The state of a resource imported with `inputs` (checked, the connection filled in,
 * `__owner` the label its owner id starts with: the URN): laid out as create lays it
 * out, claiming what `ownedOnImport` says. Throws ImportNotFoundError, naming each
 * missing piece, when the host lacks any of it.
 */
export async function importedState(kind: ImportableKind, id: string, inputs: Record<string, any>): Promise<Record<string, unknown>> {
  const connection = inputs.connection as Connection;
  const missing: string[] = [];
  const found = await onHost(connection, (op) => readFound(op, kind, inputs, missing));
  if (missing.length > 0) throw new ImportNotFoundError(kind, id, connection.host, missing);
  const label = inputs.__owner as string | undefined;
  const __owned = ownedOnImport(kind, found, newOwnerId(label, kind));
  const base = { connection, host: connection.host, lastApplied: [] as string[], __owner: label, __owned };
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
export function concatenateDefaultsFound(found: Pick<Found, "lists">): boolean {
  const lists = Object.values(found.lists);
  return !(lists.length > 0 && lists.every((l) => l!.live.concatenateDefaults === 0));
}
