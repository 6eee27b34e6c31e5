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
  entries: Array<{ name: string; spn: string }>;
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

// Get-WSManCredSSP's wording (PowerShell WsManResources.txt: DelegateFreshCred,
// NoDelegateFreshCred, CredSSPServiceConfigured, CredSSPServiceNotConfigured).
const DELEGATE_FRESH = "The machine is configured to allow delegating fresh credentials to the following target(s): ";
const NO_DELEGATE_FRESH = "The machine is not configured to allow delegating fresh credentials.";
const SERVICE_CONFIGURED = "This computer is configured to receive credentials from a remote client computer.";
const SERVICE_NOT_CONFIGURED = "This computer is not configured to receive credentials from a remote client computer.";

/**
 * The two lines Get-WSManCredSSP prints, computed from a snapshot the way the cmdlet
 * does: line 1 lists the AllowFreshCredentials entries starting with "wsman"
 * (case-insensitive; the switch DWORD is not consulted), each prepended to the
 * result so they come out in reverse order, joined by the en-US list separator ",";
 * line 2 reflects Service/Auth/CredSSP. For display only — nothing reads it back.
 */
export function formatCredSSPStatus(snapshot: HostStateSnapshot): [string, string] {
  const targets = snapshot.delegation.AllowFreshCredentials.entries
    .map((e) => e.spn)
    .filter((spn) => spn.toLowerCase().startsWith("wsman"))
    .reverse();
  const first = targets.length > 0 ? DELEGATE_FRESH + targets.join(",") : NO_DELEGATE_FRESH;
  const second = snapshot.wsman.serviceCredSSP ? SERVICE_CONFIGURED : SERVICE_NOT_CONFIGURED;
  return [first, second];
}
