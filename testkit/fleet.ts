// Simulated Windows hosts for the e2e tests and the demo, and live snapshots of their
// state taken the way an outside observer would: through WinRMClient reads (full WSMan
// config Get, and a recursive StdRegProv walk of HKLM), never through resource outputs.
import { HKLM, REG_DWORD, REG_EXPAND_SZ, REG_MULTI_SZ, STDREGPROV_URI, WSMAN_CONFIG_URI } from "../provider/src/windows";
import { WinRMClient } from "../provider/src/winrm";
import { HostDirectory, SimHost, startHost } from "../simulator/src";

export const ADMIN = { name: "admin", password: "Adm1n!sim-P4ss" };

export interface FleetHost {
  sim: SimHost;
  fqdn: string;
  port: number;
  /** The resources' `connection` input for this host (NTLM over HTTP, encrypted). */
  connection: { host: string; port: number; user: string; password: string };
  client(): WinRMClient;
}

export interface FleetHostOptions {
  set?: Record<string, string>;
  stateFile?: string;
  /** The hosts that can reach each other by name (one LAN); startFleet gives its hosts one. */
  directory?: HostDirectory;
  /** Shares served by a real smbd (name → absolute folder). */
  shares?: Record<string, string>;
  /** Accounts besides admin (an Administrator) and operator (not one). */
  extraUsers?: Array<{ name: string; password: string; admin?: boolean }>;
  /** The MS-CSSP version the host's CredSSP speaks (default 6; 2-4 = without the CVE-2018-0886 fix). */
  credsspVersion?: number;
  /** The host's keys in a realm (testkit/mit-kdc.ts), for Kerberos. */
  keytab?: string;
}

/** Hosts on one simulated LAN: they resolve each other by FQDN and NetBIOS name. */
export async function startFleet(fqdns: string[], opts: Omit<FleetHostOptions, "stateFile"> = {}): Promise<FleetHost[]> {
  const directory = opts.directory ?? new HostDirectory();
  return Promise.all(fqdns.map((fqdn) => startFleetHost(fqdn, { ...opts, directory })));
}

export async function startFleetHost(fqdn: string, opts: FleetHostOptions = {}): Promise<FleetHost> {
  const sim = await startHost({
    hostname: fqdn,
    http: "127.0.0.1:0",
    users: [{ ...ADMIN, admin: true }, { name: "operator", password: "0perator!sim", admin: false }, ...(opts.extraUsers ?? [])],
    set: opts.set,
    stateFile: opts.stateFile,
    directory: opts.directory,
    shares: opts.shares,
    credsspVersion: opts.credsspVersion,
    keytab: opts.keytab,
  });
  const port = Number(new URL(sim.httpUrl!).port);
  const connection = { host: "127.0.0.1", port, user: ADMIN.name, password: ADMIN.password };
  return {
    sim,
    fqdn,
    port,
    connection,
    client: () => new WinRMClient({ host: "127.0.0.1", port, auth: "ntlm", username: ADMIN.name, password: ADMIN.password }),
  };
}

export async function stopFleet(hosts: FleetHost[] | undefined): Promise<void> {
  await Promise.all((hosts ?? []).map((h) => h.sim.stop()));
}

/** A possibly repeated element as an array; absent, nil and empty ("") give []. */
export const asArray = (v: unknown): unknown[] => (v === undefined || v === null || v === "" ? [] : Array.isArray(v) ? v : [v]);

/** The full WSMan config tree and HKLM, read live over WinRM. */
export async function liveSnapshot(host: FleetHost): Promise<{ config: unknown; registry: Record<string, Record<string, unknown>> }> {
  const client = host.client();
  try {
    const config = await client.get(WSMAN_CONFIG_URI);
    const registry: Record<string, Record<string, unknown>> = {};
    const walk = async (key: string): Promise<void> => {
      const values = (await client.invoke(STDREGPROV_URI, "EnumValues", { hDefKey: HKLM, sSubKeyName: key })) as Record<string, unknown>;
      const names = asArray(values.sNames).map(String);
      const types = asArray(values.Types).map(Number);
      const entry: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) entry[names[i]] = await readValue(client, key, names[i], types[i]);
      registry[key] = entry;
      const subkeys = (await client.invoke(STDREGPROV_URI, "EnumKey", { hDefKey: HKLM, sSubKeyName: key })) as Record<string, unknown>;
      for (const sub of asArray(subkeys.sNames).map(String).sort()) await walk(key === "" ? sub : `${key}\\${sub}`);
    };
    await walk("");
    return { config, registry };
  } finally {
    await client.close();
  }
}

async function readValue(client: WinRMClient, key: string, name: string, type: number): Promise<unknown> {
  const method =
    type === REG_DWORD ? "GetDWORDValue" : type === REG_MULTI_SZ ? "GetMultiStringValue" : type === REG_EXPAND_SZ ? "GetExpandedStringValue" : "GetStringValue";
  const out = (await client.invoke(STDREGPROV_URI, method, { hDefKey: HKLM, sSubKeyName: key, sValueName: name })) as Record<string, unknown>;
  return { type, value: type === REG_DWORD ? out.uValue : out.sValue };
}
