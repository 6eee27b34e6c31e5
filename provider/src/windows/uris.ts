// Where the Windows state behind CredSSP delegation lives, as WS-Man resource URIs
// and registry paths. Sources for each fact: docs/windows-facts.md (and
// ../shared/reference/windows-state.md). Kept in one place so each is defined once.

/** WSMan configuration root; sub-resources append a path segment. */
export const WSMAN_CONFIG_URI = "http://schemas.microsoft.com/wbem/wsman/1/config";
export const WSMAN_CLIENT_URI = `${WSMAN_CONFIG_URI}/client`;
export const WSMAN_CLIENT_AUTH_URI = `${WSMAN_CONFIG_URI}/client/auth`;
export const WSMAN_SERVICE_AUTH_URI = `${WSMAN_CONFIG_URI}/service/auth`;

/** WMI registry provider reached through WS-Man (MS-WSMV 4.1.4). */
export const STDREGPROV_URI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv";

/** hDefKey for HKEY_LOCAL_MACHINE (0x80000002). */
export const HKLM = 2147483650;

/** Which side of CredSSP a WSMan setting belongs to. */
export type CredSSPRole = "client" | "service";

/** The WSMan Auth resource that holds the CredSSP flag for a role. */
export function authUriFor(role: CredSSPRole): string {
  return role === "client" ? WSMAN_CLIENT_AUTH_URI : WSMAN_SERVICE_AUTH_URI;
}

/** Credentials Delegation group policy (CredSsp.admx): switches, ConcatenateDefaults_*, one subkey per list. */
export const CREDENTIALS_DELEGATION_KEY = "SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation";

/** CVE-2018-0886 "Encryption Oracle Remediation" policy. */
export const ENCRYPTION_ORACLE_KEY =
  "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System\\CredSSP\\Parameters";
export const ENCRYPTION_ORACLE_VALUE = "AllowEncryptionOracle";

/** While AllowCredSSP exists under these keys, the WSMan CredSSP flag is policy-controlled. */
export const WINRM_POLICY_KEYS: Readonly<Record<CredSSPRole, string>> = {
  client: "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Client",
  service: "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service",
};
export const ALLOW_CREDSSP_POLICY_VALUE = "AllowCredSSP";

/**
 * The WinRM Client policies of WindowsRemoteManagement.admx (value names under
 * WINRM_POLICY_KEYS.client) and the Client config setting each one controls.
 */
export const WINRM_CLIENT_POLICY_SETTINGS: Readonly<Record<string, string>> = {
  AllowBasic: "Auth/Basic",
  AllowDigest: "Auth/Digest",
  AllowKerberos: "Auth/Kerberos",
  AllowNegotiate: "Auth/Negotiate",
  AllowCredSSP: "Auth/CredSSP",
  AllowUnencryptedTraffic: "AllowUnencrypted",
  TrustedHosts: "TrustedHosts",
};

/** The Trusted Hosts policy: switch value TrustedHosts, the list in TrustedHostsList (WindowsRemoteManagement.admx). */
export const TRUSTED_HOSTS_POLICY_LIST_VALUE = "TrustedHostsList";

/**
 * Where Windows keeps the GUID it generates for the installation (MachineGuid, REG_SZ):
 * the host identity the per-host lock is keyed by (docs/windows-facts.md).
 */
export const MACHINE_GUID_KEY = "SOFTWARE\\Microsoft\\Cryptography";
export const MACHINE_GUID_VALUE = "MachineGuid";

/**
 * This project's own key: the ownership ledger (resources/ledger.ts), one REG_SZ value
 * holding JSON. Not a Windows setting; it exists only while a resource manages the host.
 */
export const LEDGER_KEY = "SOFTWARE\\pulumi-credssp";
export const LEDGER_VALUE = "Ledger";

/** Full path as a Windows admin would type it into regedit, for messages. */
export function hklmPath(key: string, valueName?: string): string {
  return valueName === undefined ? `HKLM\\${key}` : `HKLM\\${key}\\${valueName}`;
}
