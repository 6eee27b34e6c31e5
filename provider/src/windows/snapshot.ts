// Everything this project manages on one host, read live into plain JSON: the demo
// prints it, tests compare before/after snapshots. Absent values are null (not
// undefined) so that they survive JSON.stringify and show up in diffs.

import { credentialsDelegationKeyExists, DELEGATION_POLICY_NAMES, DelegationPolicyName, readPolicy } from "./delegation";
import { encryptionOracleKeyExists, getEncryptionOracle } from "./oracle";
import type { WsmanHostApi } from "./host-api";
import { getCredSSP, getCredSSPPolicy, getTrustedHosts } from "./wsman-config";

export interface PolicySnapshot {
  enabled: number | null;
  concatenateDefaults: number | null;
  listKeyExists: boolean;
  /** In numeric name order. */
  entries: Array<{ name: string; spn: string }>;
  /** The entries' names in the order the host enumerates them. */
  registryOrder: string[];
}

export interface HostStateSnapshot {
  wsman: {
    /** Client/Auth/CredSSP */
    clientCredSSP: boolean;
    /** Service/Auth/CredSSP */
    serviceCredSSP: boolean;
    /** Client/TrustedHosts, raw */
    trustedHosts: string;
  };
  delegation: Record<DelegationPolicyName, PolicySnapshot>;
  /** AllowEncryptionOracle DWORD, null when absent. */
  encryptionOracle: number | null;
  /** AllowCredSSP under HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM\{Client,Service}, null when absent. */
  winrmPolicy: { clientAllowCredSSP: number | string | null; serviceAllowCredSSP: number | string | null };
  /** Whether the keys this project may create exist (absent on a default host), so leftovers show in diffs. */
  keys: { credentialsDelegation: boolean; encryptionOracleParameters: boolean };
}

/** Read the full managed state. Requests are sent one after another (one connection, predictable order). */
export async function readHostState(api: WsmanHostApi): Promise<HostStateSnapshot> {
  const clientCredSSP = await getCredSSP(api, "client");
  const serviceCredSSP = await getCredSSP(api, "service");
  const trustedHosts = await getTrustedHosts(api);
  const delegation = {} as Record<DelegationPolicyName, PolicySnapshot>;
  for (const policy of DELEGATION_POLICY_NAMES) {
    const state = await readPolicy(api, policy);
    delegation[policy] = {
      enabled: state.enabled ?? null,
      concatenateDefaults: state.concatenateDefaults ?? null,
      listKeyExists: state.listKeyExists,
      entries: state.entries.map((e) => ({ name: e.name, spn: e.spn })),
      registryOrder: [...state.registryOrder],
    };
  }
  const encryptionOracle = (await getEncryptionOracle(api)) ?? null;
  const clientAllowCredSSP = (await getCredSSPPolicy(api, "client")) ?? null;
  const serviceAllowCredSSP = (await getCredSSPPolicy(api, "service")) ?? null;
  const keys = {
    credentialsDelegation: await credentialsDelegationKeyExists(api),
    encryptionOracleParameters: await encryptionOracleKeyExists(api),
  };
  return {
    wsman: { clientCredSSP, serviceCredSSP, trustedHosts },
    delegation,
    encryptionOracle,
    winrmPolicy: { clientAllowCredSSP, serviceAllowCredSSP },
    keys,
  };
}

// Get-WSManCredSSP's wording (PowerShell WsManResources.resx: DelegateFreshCred — which
// ends at "target(s):", no space — NoDelegateFreshCred, CredSSPServiceConfigured,
// CredSSPServiceNotConfigured).
const DELEGATE_FRESH = "The machine is configured to allow delegating fresh credentials to the following target(s):";
const NO_DELEGATE_FRESH = "The machine is not configured to allow delegating fresh credentials.";
const SERVICE_CONFIGURED = "This computer is configured to receive credentials from a remote client computer.";
const SERVICE_NOT_CONFIGURED = "This computer is not configured to receive credentials from a remote client computer.";

/**
 * The two lines Get-WSManCredSSP prints, computed from a snapshot the way the cmdlet
 * does (CredSSP.cs, GetDelegateSettings): line 1 walks the AllowFreshCredentials values
 * in registry (enumeration) order, keeps those starting with "wsman" (case-insensitive;
 * the switch DWORD is not consulted) and prepends each to the result — so they print in
 * reverse registry order — joined by the en-US list separator ","; line 2 reflects
 * Service/Auth/CredSSP. For display only — nothing reads it back.
 */
export function formatCredSSPStatus(snapshot: HostStateSnapshot): [string, string] {
  const fresh = snapshot.delegation.AllowFreshCredentials;
  const spnOf = new Map(fresh.entries.map((e) => [e.name, e.spn]));
  const targets = fresh.registryOrder
    .map((name) => spnOf.get(name) ?? "")
    .filter((spn) => spn.toLowerCase().startsWith("wsman"))
    .reverse();
  const first = targets.length > 0 ? DELEGATE_FRESH + targets.join(",") : NO_DELEGATE_FRESH;
  const second = snapshot.wsman.serviceCredSSP ? SERVICE_CONFIGURED : SERVICE_NOT_CONFIGURED;
  return [first, second];
}
