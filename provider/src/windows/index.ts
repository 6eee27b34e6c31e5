// Windows semantics over WinRMClient: WSMan config, the registry through StdRegProv,
// the Credentials Delegation policy lists, the admin-facing error vocabulary, and
// PowerShell run over WinRM (the double-hop check an admin runs by hand).
export {
  ALLOW_CREDSSP_POLICY_VALUE,
  authUriFor,
  CREDENTIALS_DELEGATION_KEY,
  ENCRYPTION_ORACLE_KEY,
  ENCRYPTION_ORACLE_VALUE,
  HKLM,
  hklmPath,
  LEDGER_KEY,
  LEDGER_VALUE,
  MACHINE_GUID_KEY,
  MACHINE_GUID_VALUE,
  STDREGPROV_URI,
  TRUSTED_HOSTS_POLICY_LIST_VALUE,
  WINRM_CLIENT_POLICY_SETTINGS,
  WINRM_POLICY_KEYS,
  WSMAN_CLIENT_AUTH_URI,
  WSMAN_CLIENT_URI,
  WSMAN_CONFIG_URI,
  WSMAN_SERVICE_AUTH_URI,
} from "./uris";
export type { CredSSPRole } from "./uris";
export type { RegistryInvokeInput, WsmanHostApi, WsmanObject } from "./host-api";
export {
  WindowsError,
  PolicyControlledError,
  RegistryError,
  VerifyError,
  HostFaultError,
  InvalidArgumentError,
  WSMAN_POLICY_CONTROLLED_FAULT,
  describeFault,
  wrapFault,
} from "./errors";
export type { FaultContext, WindowsErrorCode } from "./errors";
export { Registry, REG_DWORD, REG_EXPAND_SZ, REG_MULTI_SZ, REG_SZ } from "./registry";
export type { RegistryValueInfo } from "./registry";
export {
  assertCredSSPWritable,
  credSSPSettingName,
  getCredSSP,
  getCredSSPPolicy,
  getTrustedHosts,
  setCredSSP,
  setTrustedHosts,
  TRUSTED_HOSTS_SETTING,
} from "./wsman-config";
export type { WriteResult } from "./wsman-config";
export {
  parseTrustedHosts,
  formatTrustedHosts,
  hasTrustedHost,
  missingTrustedHosts,
  addToTrustedHostsRaw,
  removeFromTrustedHostsRaw,
} from "./trusted-hosts";
export {
  addSpns,
  credentialsDelegationKeyExists,
  DELEGATION_POLICIES,
  DELEGATION_POLICY_NAMES,
  nextEntryNumber,
  planAdditions,
  policyListKey,
  readPolicy,
  removeEntries,
  setSwitches,
  sortEntryNames,
} from "./delegation";
export type { DelegationPolicyName, PolicyEntry, PolicyState, SwitchChange, Switches } from "./delegation";
export {
  ENCRYPTION_ORACLE_LEVELS,
  encryptionOracleKeyExists,
  encryptionOracleLevelName,
  getEncryptionOracle,
  setEncryptionOracle,
} from "./oracle";
export type { EncryptionOracleLevel } from "./oracle";
export { deleteValues, getDwordValue, setDwordValue } from "./dword";
export { activeHostLocks, hostIdentity, hostLockKey, withHostLock } from "./lock";
export { withHostSession } from "./host-session";
export { OperationView } from "./operation-view";
export { formatCredSSPStatus, readHostState } from "./snapshot";
export type { HostStateSnapshot, PolicySnapshot } from "./snapshot";
export { toArray } from "./wsman-values";
export { decodeClixml, encodeCommand, parseErrorRecords, runPowerShell } from "./powershell";
export type { PowerShellErrorRecord, PowerShellHostApi, PowerShellResult } from "./powershell";
export { checkDoubleHop, classifyDoubleHop, DOUBLE_HOP_LINKS, doubleHopScript, PASSWORD_VARIABLE, psQuote } from "./double-hop";
export type { DoubleHopLink, DoubleHopOutcome, DoubleHopSpec } from "./double-hop";
