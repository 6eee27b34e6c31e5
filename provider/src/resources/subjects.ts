// The things the ledger keeps owners for, one id each. An id says what the thing is
// and where it lives, so an admin reading the ledger in regedit recognises it, and
// the release code can tell how to put it back. User-typed parts (host names, SPNs)
// are lower-cased: Windows matches them case-insensitively, so one thing has one id.
import {
  CREDENTIALS_DELEGATION_KEY,
  credSSPSettingName,
  CredSSPRole,
  DELEGATION_POLICIES,
  DELEGATION_POLICY_NAMES,
  DelegationPolicyName,
  ENCRYPTION_ORACLE_KEY,
  ENCRYPTION_ORACLE_VALUE,
  TRUSTED_HOSTS_SETTING,
} from "../windows";
import type { SubjectId } from "./ledger";

const lower = (s: string): string => s.trim().toLowerCase();

export const subjects = {
  /** `Service/Auth/CredSSP` or `Client/Auth/CredSSP`; declared value `true`. */
  flag: (role: CredSSPRole): SubjectId => `wsman:${credSSPSettingName(role)}`,
  /** The whole TrustedHosts string (its `before` restores the exact text); declared by every TrustedHosts resource. */
  trustedHostsText: (): SubjectId => `wsman:${TRUSTED_HOSTS_SETTING}`,
  /** One TrustedHosts entry; declared `true` (present) or `false` (removed by `exclusive`). */
  trustedHost: (host: string): SubjectId => `wsman:${TRUSTED_HOSTS_SETTING}/${lower(host)}`,
  /** One delegation list entry; declared `true` (present) or `false` (removed by `exclusive`). */
  entry: (policy: DelegationPolicyName, spn: string): SubjectId => `entry:${policy}/${lower(spn)}`,
  /** A registry key this project may create; declared `true`. */
  key: (path: string): SubjectId => `key:${path}`,
  /** A REG_DWORD this project sets (a list's switch or ConcatenateDefaults, AllowEncryptionOracle); declared: the number. */
  dword: (key: string, name: string): SubjectId => `value:${key}\\${name}`,
};

export type SubjectKind = "flag" | "trustedHostsText" | "trustedHost" | "entry" | "dword" | "key";

export interface ParsedSubject {
  kind: SubjectKind;
  id: SubjectId;
  role?: CredSSPRole;
  /** trustedHost: the host (lower case); entry: the SPN (lower case). */
  item?: string;
  policy?: DelegationPolicyName;
  /** key: the key; dword: the key holding the value. */
  key?: string;
  /** dword: the value name. */
  name?: string;
}

/** What a subject id names; undefined for an id this version does not know (left untouched). */
export function parseSubject(id: SubjectId): ParsedSubject | undefined {
  if (id === subjects.flag("service")) return { kind: "flag", id, role: "service" };
  if (id === subjects.flag("client")) return { kind: "flag", id, role: "client" };
  if (id === subjects.trustedHostsText()) return { kind: "trustedHostsText", id };
  const th = `${subjects.trustedHostsText()}/`;
  if (id.startsWith(th)) return { kind: "trustedHost", id, item: id.slice(th.length) };
  const entry = /^entry:([^/]+)\/(.+)$/.exec(id);
  if (entry && (DELEGATION_POLICY_NAMES as string[]).includes(entry[1])) {
    return { kind: "entry", id, policy: entry[1] as DelegationPolicyName, item: entry[2] };
  }
  if (id.startsWith("key:")) return { kind: "key", id, key: id.slice(4) };
  if (id.startsWith("value:")) {
    const path = id.slice(6);
    const cut = path.lastIndexOf("\\");
    return { kind: "dword", id, key: path.slice(0, cut), name: path.slice(cut + 1) };
  }
  return undefined;
}

/** The DWORDs a delegation list is switched by: the policy switch and its ConcatenateDefaults. */
export function listSwitches(policy: DelegationPolicyName): { enabled: SubjectId; concatenateDefaults: SubjectId } {
  return {
    enabled: subjects.dword(CREDENTIALS_DELEGATION_KEY, policy),
    concatenateDefaults: subjects.dword(CREDENTIALS_DELEGATION_KEY, DELEGATION_POLICIES[policy]),
  };
}

export const ORACLE_SUBJECT = subjects.dword(ENCRYPTION_ORACLE_KEY, ENCRYPTION_ORACLE_VALUE);
