// State written before the ledger existed (pulumi-credssp ≤ 0.1): each resource kept
// an `owned` record of what it had changed and what was there before. On its next
// update or delete, a resource turns that record into claims (ownership.ts) and
// heals them into the host's ledger; `diff` asks for that update (see needsMigration).
// What the old record says it changed carries a real prior; what it merely found in
// place is an adoption, which a co-owner's real prior overrides (ledger.ts).
import { DelegationPolicyName, ENCRYPTION_ORACLE_LEVELS, EncryptionOracleLevel, parseTrustedHosts } from "../windows";
import type { Before, SubjectId } from "./ledger";
import { legacyOwnerId } from "./owner";
import type { Claim, Owned } from "./ownership";
import { listSwitches, ORACLE_SUBJECT, subjects } from "./subjects";

interface LegacyPrior {
  previous: number | null;
}
interface LegacyList {
  policy: DelegationPolicyName;
  added?: Array<{ name: string; spn: string }>;
  removed?: Array<{ name: string; spn: string }>;
  priorNames?: string[];
  switches?: { enabled?: LegacyPrior; concatenateDefaults?: LegacyPrior };
}
interface LegacyOwned {
  credSSP?: { previous: boolean };
  list?: LegacyList;
  lists?: Record<string, LegacyList | undefined>;
  keys?: Record<string, { created: boolean; prior: string[] }>;
  encryptionOracle?: LegacyPrior;
  added?: string[];
  previous?: string;
}

export type ResourceKindName = "CredSSPServer" | "CredSSPClient" | "DelegationPolicy" | "TrustedHosts";

const same = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();
const adopted = (before: unknown): Before => ({ before, adopted: true });

/** True when the state predates the ledger: the resource must update once to register. */
export function needsMigration(props: Record<string, unknown> | undefined): boolean {
  return props !== undefined && (props.__owned as Owned | undefined)?.owner === undefined;
}

/** The ownership record of a resource's state: its own, or one migrated from the old `owned`. */
export function ownedOf(kind: ResourceKindName, id: string, props: Record<string, unknown>, label?: string): Owned {
  const current = props.__owned as Owned | undefined;
  if (current?.owner !== undefined) return { owner: current.owner, claims: JSON.parse(JSON.stringify(current.claims ?? {})) };
  return { owner: legacyOwnerId(label, kind, id), claims: legacyClaims(kind, props) };
}

function legacyClaims(kind: ResourceKindName, props: Record<string, any>): Record<SubjectId, Claim> {
  const owned = (props.owned ?? {}) as LegacyOwned;
  const claims: Record<SubjectId, Claim> = {};
  const claim = (s: SubjectId, value: unknown, first: Before) => void (claims[s] = { value, first });

  if (kind === "CredSSPServer" || kind === "CredSSPClient") {
    const role = kind === "CredSSPServer" ? "service" : "client";
    claim(subjects.flag(role), true, owned.credSSP ? { before: owned.credSSP.previous } : adopted(true));
  }
  if (kind === "CredSSPClient" && owned.list) {
    listClaims(claim, owned.list, (props.spns as string[] | undefined) ?? [], 1);
  }
  if (kind === "DelegationPolicy") {
    const concat = props.concatenateDefaults === false ? 0 : 1;
    // Keyed by the list's input property (allowFreshCredentials, …), whose SPNs it declares.
    for (const [prop, list] of Object.entries(owned.lists ?? {})) {
      if (list) listClaims(claim, list, (props[prop] as string[] | undefined) ?? [], concat);
    }
    const level = props.encryptionOracle as EncryptionOracleLevel | undefined;
    if (level !== undefined) {
      const value = ENCRYPTION_ORACLE_LEVELS[level];
      claim(ORACLE_SUBJECT, value, owned.encryptionOracle ? { before: owned.encryptionOracle.previous } : adopted(value));
    }
  }
  if (kind === "CredSSPClient" || kind === "DelegationPolicy") {
    for (const [path, rec] of Object.entries(owned.keys ?? {})) claim(subjects.key(path), true, rec.created ? { before: null } : adopted(true));
  }
  if (kind === "TrustedHosts") {
    const hosts = (props.hosts as string[] | undefined) ?? [];
    const added = owned.added ?? [];
    const previous = owned.previous;
    claim(subjects.trustedHostsText(), true, previous !== undefined ? { before: previous } : adopted(null));
    const found = previous !== undefined ? parseTrustedHosts(previous) : [];
    for (const host of hosts) {
      const wasThere = previous !== undefined ? found.find((e) => same(e, host)) : added.some((a) => same(a, host)) ? undefined : host;
      claim(subjects.trustedHost(host), true, wasThere === undefined ? { before: null } : adopted(wasThere));
    }
    // Exclusive: the foreign entries it removed, to put back when it leaves.
    for (const entry of found) if (!hosts.some((h) => same(h, entry))) claim(subjects.trustedHost(entry), false, { before: entry });
  }
  return claims;
}

function listClaims(claim: (s: SubjectId, value: unknown, first: Before) => void, list: LegacyList, spns: string[], concat: 0 | 1): void {
  const policy = list.policy;
  for (const spn of spns) {
    const added = (list.added ?? []).find((e) => same(e.spn, spn));
    claim(subjects.entry(policy, spn), true, added ? { before: null, name: added.name } : adopted({ spn }));
  }
  for (const removed of list.removed ?? []) claim(subjects.entry(policy, removed.spn), false, { before: { name: removed.name, spn: removed.spn } });
  const sw = listSwitches(policy);
  const enabled = list.switches?.enabled;
  claim(sw.enabled, 1, enabled ? { before: enabled.previous, names: list.priorNames ?? [] } : adopted(1));
  const concatPrior = list.switches?.concatenateDefaults;
  claim(sw.concatenateDefaults, concat, concatPrior ? { before: concatPrior.previous } : adopted(concat));
}
