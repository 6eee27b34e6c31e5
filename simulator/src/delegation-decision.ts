// Whether a simulated host's WinRM client, asked for `-Authentication CredSSP`, will
// delegate the user's credentials to a target — decided as Windows decides it, from the
// client's own live state (and the little it learns about the server on the wire).
//
// A pure function: no I/O, no clock. Every rule and text is sourced in
// simulator/README.md ("The delegation decision"). Deliberately independent of
// provider/src/windows: the simulator must not share our reading of Windows.

import { effectiveCredSsp } from "./config-resource";
import type { SimState } from "./state";

/** Names match the DoubleHopCheck resource's failingLink values. */
export type DelegationLink = "client-credssp-disabled" | "trusted-hosts" | "delegation-policy" | "encryption-oracle" | "server-credssp-disabled";

export interface DelegationRequest {
  /** The client host's live state (ws01). */
  client: SimState;
  /** -ComputerName exactly as typed; the SPN is WSMAN/<this>. */
  target: string;
  /** -UseSSL. */
  https: boolean;
  /**
   * How CredSSP's inner SPNEGO authenticated the server: "kerberos" for a target reached
   * by a name the realm has a principal for (kerberos-auth.ts, isKerberosAuthenticated),
   * "ntlm" otherwise (an IP address, a name without a principal, hosts without a realm).
   */
  serverAuthentication: "ntlm" | "kerberos";
  /** What the server is: its Service/Auth/CredSSP, its 401 scheme list, its MS-CSSP version. */
  server: { credsspEnabled: boolean; offeredSchemes: string[]; credsspVersion: number };
}

export type DelegationOutcome =
  | { allowed: true; policy: PolicyName; matched: string; spn: string }
  | { allowed: false; link: DelegationLink; winrmCode: number; message: string };

type PolicyName = "AllowFreshCredentials" | "AllowFreshCredentialsWhenNTLMOnly";

export const CREDENTIALS_DELEGATION = "SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation";
export const CREDSSP_PARAMETERS = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System\\CredSSP\\Parameters";

/** WinRM client errors (Windows SDK winerror.h values, as published in microsoft/windows-rs). */
export const WINRM_ERRORS = {
  ERROR_ACCESS_DENIED: 5,
  ERROR_NOT_SUPPORTED: 50,
  ERROR_WSMAN_CLIENT_CREDSSP_AUTHENTICATION_DISABLED: 2150859170,
  ERROR_WSMAN_CLIENT_ALLOWFRESHCREDENTIALS: 2150859171,
  ERROR_WSMAN_CLIENT_ALLOWFRESHCREDENTIALS_NTLMONLY: 2150859172,
  ERROR_WSMAN_SERVER_NOTTRUSTED: 2150858980,
  ERROR_WSMAN_SENDDATA_CANNOT_COMPLETE: 2150859046,
} as const;

const GPEDIT_HINT =
  'Verify that it is enabled and configured with an SPN appropriate for the target computer. For example, for a target computer name "myserver.domain.com", the SPN can be one of the following: WSMAN/myserver.domain.com or WSMAN/*.domain.com.';

/** The WinRM client's own messages (the text wsmsvc returns; PowerShell wraps it). */
export const WINRM_TEXT = {
  clientCredSspDisabled:
    "The WinRM client cannot process the request. CredSSP authentication is currently disabled in the client configuration. Change the client configuration and try the request again. CredSSP authentication must also be enabled in the server configuration. Also, Group Policy must be edited to allow credential delegation to the target computer.",
  trustedHosts:
    "The WinRM client cannot process the request. If the authentication scheme is different from Kerberos, or if the client computer is not joined to a domain, then HTTPS transport must be used or the destination machine must be added to the TrustedHosts configuration setting. Use winrm.cmd to configure TrustedHosts. Note that computers in the TrustedHosts list might not be authenticated. You can get more information about that by running the following command: winrm help config.",
  allowFresh:
    "The WinRM client cannot process the request. A computer policy does not allow the delegation of the user credentials to the target computer. Use gpedit.msc and look at the following policy: Computer Configuration -> Administrative Templates -> System -> Credentials Delegation -> Allow Delegating Fresh Credentials. " +
    GPEDIT_HINT,
  allowFreshNtlmOnly:
    "The WinRM client cannot process the request. A computer policy does not allow the delegation of the user credentials to the target computer because the computer is not trusted. The identity of the target computer can be verified if you configure the WSMAN service to use a valid certificate using the following command: winrm set winrm/config/service @{CertificateThumbprint=\"<thumbprint>\"} Or you can check the Event Viewer for an event that specifies that the following SPN could not be created: WSMAN/<computerFQDN>. If you find this event, you can manually create the SPN using setspn.exe . If the SPN exists, but CredSSP cannot use Kerberos to validate the identity of the target computer and you still want to allow the delegation of the user credentials to the target computer, use gpedit.msc and look at the following policy: Computer Configuration -> Administrative Templates -> System -> Credentials Delegation -> Allow Fresh Credentials with NTLM-only Server Authentication. " +
    GPEDIT_HINT,
  /** CVE-2018-0886: a patched client will not fall back to an unpatched server's CredSSP. */
  encryptionOracle: "The request is not supported",
  serverRefuses: (schemes: string[]) =>
    "The WinRM client cannot process the request. The authentication mechanism requested by the client is not supported by the server or unencrypted traffic is disabled in the service configuration. Verify the unencrypted traffic setting in the service configuration or specify one of the authentication mechanisms supported by the server. To use Kerberos, specify the computer name as the remote destination. Also verify that the client computer and the destination computer are joined to a domain. To use Basic, specify the computer name as the remote destination, specify Basic authentication and provide user name and password. Possible authentication mechanisms reported by server: " +
    schemes.map((s) => `    ${s}`).join(" "),
  unreachable:
    "WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer is accessible over the network, and that a firewall exception for the WinRM service is enabled and allows access from this computer. By default, the WinRM firewall exception for public profiles limits access to remote computers within the same local subnet.",
  accessDenied: "Access is denied.",
};

/**
 * TrustedHosts as the WinRM client matches it: a comma-separated list, case-insensitive;
 * "*" alone trusts every host; "*" inside an entry is a wildcard ("*.corp.test",
 * "192.168.1.*"); "<local>" trusts every name without a dot.
 */
export function trustedHostsMatch(trustedHosts: string, target: string): boolean {
  const t = target.trim().toLowerCase();
  for (const raw of trustedHosts.split(",")) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "<local>") {
      if (!t.includes(".")) return true;
      continue;
    }
    if (wildcard(entry, t)) return true;
  }
  return false;
}

function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
  return re.test(value);
}

/**
 * An SPN entry of a Credentials Delegation list against WSMAN/<target>: the service class
 * must be the same, and the host part may hold one "*" (e.g. WSMAN/*.corp.test, WSMAN/*).
 * An entry with more than one "*" matches nothing.
 */
export function spnMatches(entry: string, spn: string): boolean {
  const e = entry.trim();
  const slash = e.indexOf("/");
  const s = spn.indexOf("/");
  if (slash <= 0 || s <= 0) return false;
  if (e.slice(0, slash).toLowerCase() !== spn.slice(0, s).toLowerCase()) return false;
  const host = e.slice(slash + 1);
  if ((host.match(/\*/g) ?? []).length > 1) return false;
  return wildcard(host, spn.slice(s + 1));
}

/** The Windows defaults a policy list gets with ConcatenateDefaults (CredSsp.admx: TERMSRV/*). */
const DEFAULT_ENTRIES = ["TERMSRV/*"];

const CONCATENATE: Record<string, string> = {
  AllowFreshCredentials: "ConcatenateDefaults_AllowFresh",
  AllowFreshCredentialsWhenNTLMOnly: "ConcatenateDefaults_AllowFreshNTLMOnly",
};

function dword(state: SimState, key: string, name: string): number | undefined {
  const v = state.registry.get("HKLM", key, name);
  return v?.type === "REG_DWORD" ? v.value : undefined;
}

/**
 * The entries a Credentials Delegation policy currently allows (or denies):
 * not configured (no switch) → the defaults; switch 0 → nothing; switch 1 → the list's
 * REG_SZ values, plus the defaults when ConcatenateDefaults_<x> is 1.
 */
export function policyEntries(state: SimState, policy: string): string[] {
  const sw = dword(state, CREDENTIALS_DELEGATION, policy);
  const isDeny = policy.startsWith("Deny");
  if (sw === undefined) return isDeny ? [] : DEFAULT_ENTRIES;
  if (sw !== 1) return [];
  const sub = `${CREDENTIALS_DELEGATION}\\${policy}`;
  const listed = (state.registry.enumValues("HKLM", sub) ?? [])
    .map(({ name }) => state.registry.get("HKLM", sub, name))
    .flatMap((v) => (v?.type === "REG_SZ" ? [v.value] : []));
  const concat = dword(state, CREDENTIALS_DELEGATION, CONCATENATE[policy] ?? "") === 1;
  return concat && !isDeny ? [...listed, ...DEFAULT_ENTRIES] : listed;
}

/** AllowEncryptionOracle: 0 Force Updated Clients, 1 Mitigated (the default once patched), 2 Vulnerable. */
export function encryptionOracleLevel(state: SimState): 0 | 1 | 2 {
  const v = dword(state, CREDSSP_PARAMETERS, "AllowEncryptionOracle");
  return v === 0 || v === 2 ? v : 1;
}

/** First MS-CSSP version with the CVE-2018-0886 fix (the client nonce, MS-CSSP 3.1.5). */
const FIRST_PATCHED_CREDSSP_VERSION = 5;

export function decideDelegation(req: DelegationRequest): DelegationOutcome {
  const { client, target } = req;
  // 1. The client must offer CredSSP at all.
  if (!effectiveCredSsp(client, "Client")) {
    return deny("client-credssp-disabled", WINRM_ERRORS.ERROR_WSMAN_CLIENT_CREDSSP_AUTHENTICATION_DISABLED, WINRM_TEXT.clientCredSspDisabled);
  }
  // 2. Without Kerberos, over HTTP, the client only talks to hosts it was told to trust.
  if (req.serverAuthentication !== "kerberos" && !req.https && !trustedHostsMatch(client.getConfig("Client/TrustedHosts") ?? "", target)) {
    return deny("trusted-hosts", WINRM_ERRORS.ERROR_WSMAN_SERVER_NOTTRUSTED, WINRM_TEXT.trustedHosts);
  }
  // 3. Credentials Delegation: which list applies depends on how the server was authenticated.
  const spn = `WSMAN/${target.trim()}`;
  const policy: PolicyName = req.serverAuthentication === "kerberos" ? "AllowFreshCredentials" : "AllowFreshCredentialsWhenNTLMOnly";
  const policyDenied = () =>
    policy === "AllowFreshCredentials"
      ? deny("delegation-policy", WINRM_ERRORS.ERROR_WSMAN_CLIENT_ALLOWFRESHCREDENTIALS, WINRM_TEXT.allowFresh)
      : deny("delegation-policy", WINRM_ERRORS.ERROR_WSMAN_CLIENT_ALLOWFRESHCREDENTIALS_NTLMONLY, WINRM_TEXT.allowFreshNtlmOnly);
  if (policyEntries(client, "DenyFreshCredentials").some((e) => spnMatches(e, spn))) return policyDenied();
  const matched = policyEntries(client, policy).find((e) => spnMatches(e, spn));
  if (matched === undefined) return policyDenied();
  // 4. CVE-2018-0886: a patched client at Force Updated Clients or Mitigated refuses an unpatched server.
  if (req.server.credsspVersion < FIRST_PATCHED_CREDSSP_VERSION && encryptionOracleLevel(client) !== 2) {
    return deny("encryption-oracle", WINRM_ERRORS.ERROR_NOT_SUPPORTED, WINRM_TEXT.encryptionOracle);
  }
  // 5. The server must accept CredSSP: its 401 lists the schemes it takes.
  if (!req.server.credsspEnabled || !req.server.offeredSchemes.some((s) => s.toLowerCase() === "credssp")) {
    return deny("server-credssp-disabled", WINRM_ERRORS.ERROR_ACCESS_DENIED, WINRM_TEXT.serverRefuses(req.server.offeredSchemes));
  }
  return { allowed: true, policy, matched, spn };
}

function deny(link: DelegationLink, winrmCode: number, message: string): DelegationOutcome {
  return { allowed: false, link, winrmCode, message };
}
