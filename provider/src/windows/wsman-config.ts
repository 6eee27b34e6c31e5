// The two WSMan settings this project manages, read and written over WS-Transfer
// Get/Put on the host's own config resources (never by parsing cmdlet output):
//   Client/Auth/CredSSP and Service/Auth/CredSSP  — the CredSSP role flags;
//   Client/TrustedHosts                          — the comma-separated trust list.
// Writes send what PowerShell sends — Enable-WSManCredSSP a partial Auth body,
// Set-Item WSMan:\localhost\Client\TrustedHosts a Get of the Client resource and a Put
// of that whole Client element with the new value (ConfigProvider.cs, PutResourceValue;
// MS-WSMV 4.2.3 shows a whole-element config Put too) — and are read back afterwards,
// because a Put that "succeeds" is not proof of the new value: from the PutResponse,
// which carries the resource as the host holds it after the Put, or a Get when empty.

import { PolicyControlledError, VerifyError, WSMAN_POLICY_CONTROLLED_FAULT } from "./errors";
import { Registry, REG_DWORD, REG_EXPAND_SZ, REG_SZ } from "./registry";
import type { WsmanHostApi, WsmanObject } from "./host-api";
import {
  ALLOW_CREDSSP_POLICY_VALUE,
  authUriFor,
  CredSSPRole,
  hklmPath,
  TRUSTED_HOSTS_POLICY_LIST_VALUE,
  WINRM_CLIENT_POLICY_SETTINGS,
  WINRM_POLICY_KEYS,
  WSMAN_CLIENT_URI,
} from "./uris";
import { at, bool, configElementXml, text } from "./wsman-values";

/** The WSMan path of the CredSSP flag for a role, as WSMan:\ and winrm.cmd show it. */
export function credSSPSettingName(role: CredSSPRole): string {
  return role === "client" ? "Client/Auth/CredSSP" : "Service/Auth/CredSSP";
}

export const TRUSTED_HOSTS_SETTING = "Client/TrustedHosts";

/** Current value of the CredSSP flag for a role. */
export async function getCredSSP(api: WsmanHostApi, role: CredSSPRole): Promise<boolean> {
  const auth = await api.get(authUriFor(role));
  const value = bool(at(auth, "CredSSP"));
  if (value === undefined) {
    throw new VerifyError(credSSPSettingName(role), "true or false", at(auth, "CredSSP"));
  }
  return value;
}

/**
 * The AllowCredSSP policy value for a role, when Group Policy sets one.
 * Any type counts: Windows treats the setting as policy-controlled while the value exists.
 */
export async function getCredSSPPolicy(api: WsmanHostApi, role: CredSSPRole): Promise<number | string | undefined> {
  const reg = new Registry(api);
  const key = WINRM_POLICY_KEYS[role];
  const values = await reg.enumValues(key);
  const found = values?.find((v) => v.name.toLowerCase() === ALLOW_CREDSSP_POLICY_VALUE.toLowerCase());
  if (!found) return undefined;
  const dword = found.type === REG_DWORD ? await reg.getDword(key, found.name) : undefined;
  if (dword !== undefined) return dword;
  const isString = found.type === REG_SZ || found.type === REG_EXPAND_SZ;
  return (isString ? await reg.getText(key, found.name, found.type) : undefined) ?? `type ${found.type}`;
}

function policyError(role: CredSSPRole, host: string | undefined, cause?: unknown): PolicyControlledError {
  return new PolicyControlledError(
    credSSPSettingName(role),
    hklmPath(WINRM_POLICY_KEYS[role]),
    ALLOW_CREDSSP_POLICY_VALUE,
    { host, cause },
  );
}

function isPolicyFault(err: unknown): boolean {
  if (err === null || typeof err !== "object") return false;
  const e = err as { code?: unknown; wsmanCode?: unknown };
  return e.code === "WINRM_FAULT" && Number(e.wsmanCode) === WSMAN_POLICY_CONTROLLED_FAULT;
}

/** Throw PolicyControlledError (naming the policy key) when Group Policy owns the role's CredSSP flag. */
export async function assertCredSSPWritable(api: WsmanHostApi, role: CredSSPRole, opts: { host?: string } = {}): Promise<void> {
  if ((await getCredSSPPolicy(api, role)) !== undefined) throw policyError(role, opts.host);
}

export interface WriteResult<T> {
  /** The value before this call. */
  previous: T;
  /** False when the value was already as requested and nothing was written. */
  changed: boolean;
}

/**
 * Set the CredSSP flag for a role. Refuses up front (PolicyControlledError naming
 * the policy key) when Group Policy owns it, rather than relying on the host's fault.
 */
export async function setCredSSP(
  api: WsmanHostApi,
  role: CredSSPRole,
  enabled: boolean,
  opts: { host?: string } = {},
): Promise<WriteResult<boolean>> {
  const previous = await getCredSSP(api, role);
  if (previous === enabled) return { previous, changed: false };
  await assertCredSSPWritable(api, role, opts);
  const uri = authUriFor(role);
  const body = `<cfg:Auth xmlns:cfg="${uri}"><cfg:CredSSP>${enabled ? "true" : "false"}</cfg:CredSSP></cfg:Auth>`;
  let reply: WsmanObject;
  try {
    reply = await api.put(uri, body);
  } catch (err) {
    if (isPolicyFault(err)) throw policyError(role, opts.host, err);
    throw err;
  }
  // The PutResponse carries the resource as the host now holds it (what `winrm set`
  // prints): that is the read-back. A host that answers with an empty body gets a Get.
  const after = bool(at(reply, "CredSSP")) ?? (await getCredSSP(api, role));
  if (after !== enabled) throw new VerifyError(credSSPSettingName(role), enabled, after);
  return { previous, changed: true };
}

/** Client/TrustedHosts exactly as stored (an absent element reads as ""). */
export async function getTrustedHosts(api: WsmanHostApi): Promise<string> {
  const client = await api.get(WSMAN_CLIENT_URI);
  return text(at(client, "TrustedHosts")) ?? "";
}

/**
 * The Client settings a WinRM Client policy controls (the ones Windows' Get marks
 * Source="GPO"), read from the policy key's values: a whole-Client Put echoes those marks.
 */
async function policyControlledClientSettings(api: WsmanHostApi): Promise<Set<string>> {
  const values = (await new Registry(api).enumValues(WINRM_POLICY_KEYS.client)) ?? [];
  const controlled = new Set<string>();
  for (const { name } of values) {
    const policy = Object.keys(WINRM_CLIENT_POLICY_SETTINGS).find((p) => p.toLowerCase() === name.toLowerCase());
    if (policy) controlled.add(WINRM_CLIENT_POLICY_SETTINGS[policy]);
  }
  return controlled;
}

/**
 * Replace Client/TrustedHosts with `raw` (Set-Item semantics: the whole string), the way
 * Set-Item does it: the Client resource as read, with TrustedHosts replaced, Put whole.
 */
export async function setTrustedHosts(
  api: WsmanHostApi,
  raw: string,
  opts: { host?: string } = {},
): Promise<WriteResult<string>> {
  const client = await api.get(WSMAN_CLIENT_URI);
  const previous = text(at(client, "TrustedHosts")) ?? "";
  if (previous === raw) return { previous, changed: false };
  const body = configElementXml("Client", WSMAN_CLIENT_URI, client, { TrustedHosts: raw }, await policyControlledClientSettings(api));
  let reply: WsmanObject;
  try {
    reply = await api.put(WSMAN_CLIENT_URI, body);
  } catch (err) {
    // The "Trusted Hosts" WinRM client policy lives under the same key as AllowCredSSP
    // (WindowsRemoteManagement.admx: switch value TrustedHosts, list value TrustedHostsList).
    if (isPolicyFault(err)) {
      throw new PolicyControlledError(TRUSTED_HOSTS_SETTING, hklmPath(WINRM_POLICY_KEYS.client), TRUSTED_HOSTS_POLICY_LIST_VALUE, {
        host: opts.host,
        cause: err,
      });
    }
    throw err;
  }
  // Read back from the PutResponse (the Client element after the change), else a Get.
  const after = Object.keys(reply).length > 0 ? text(at(reply, "TrustedHosts")) ?? "" : await getTrustedHosts(api);
  if (after !== raw) throw new VerifyError(TRUSTED_HOSTS_SETTING, raw, after);
  return { previous, changed: true };
}
