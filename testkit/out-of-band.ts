// Out-of-band reads and changes on a simulated host, made the way an admin, a GPO
// refresh or another tool would: over WinRM (WS-Transfer and StdRegProv), not
// through this project's resources or the simulator's internals.
import { HKLM, LEDGER_KEY, LEDGER_VALUE, STDREGPROV_URI, WSMAN_CONFIG_URI } from "../provider/src/windows";
import { WinRMClient } from "../provider/src/winrm";
import { asArray } from "./fleet";
import type { FleetHost } from "./fleet";

const rootName = (path: string): string => {
  const last = path.split("/").pop()!;
  return last.charAt(0).toUpperCase() + last.slice(1);
};

async function using<T>(host: FleetHost, fn: (c: WinRMClient) => Promise<T>): Promise<T> {
  const c = host.client();
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

async function call(c: WinRMClient, method: string, input: Record<string, string | number>): Promise<Record<string, unknown>> {
  const out = (await c.invoke(STDREGPROV_URI, method, { hDefKey: HKLM, ...input })) as Record<string, unknown>;
  const rv = Number(out.ReturnValue);
  // Absent: 2 (no such key) from every method; 1 (no such value in an existing key)
  // from the Get*Value methods and DeleteValue (docs/windows-facts.md).
  const absent = rv === 2 || (rv === 1 && /^(Get\w+Value|DeleteValue)$/.test(method));
  if (rv !== 0 && !absent) throw new Error(`${method} ${JSON.stringify(input)} returned ${rv}`);
  return out;
}

/** The ledger's stored shape, as an outside reader sees it (resources/ledger.ts). */
export interface OobLedger {
  format: number;
  subjects: Record<string, { before: unknown; adopted?: boolean; name?: string; owners: Record<string, unknown> }>;
}

/** The owners a ledger lists for one subject (none when the ledger or the subject is absent). */
export function ownersOf(ledger: OobLedger | undefined, subject: string): string[] {
  return Object.keys(ledger?.subjects[subject]?.owners ?? {});
}

export function oob(host: FleetHost) {
  return {
    /** A WSMan config value, e.g. config("client/auth", "CredSSP"). */
    config: (path: string, element: string) =>
      using(host, async (c) => String(((await c.get(`${WSMAN_CONFIG_URI}/${path}`)) as Record<string, unknown>)[element] ?? "")),
    setConfig: (path: string, element: string, value: string) =>
      using(host, async (c) => {
        const uri = `${WSMAN_CONFIG_URI}/${path}`;
        await c.put(uri, `<cfg:${rootName(path)} xmlns:cfg="${uri}"><cfg:${element}>${value}</cfg:${element}></cfg:${rootName(path)}>`);
      }),
    dword: (key: string, name: string) =>
      using(host, async (c) => {
        const out = await call(c, "GetDWORDValue", { sSubKeyName: key, sValueName: name });
        return Number(out.ReturnValue) === 0 ? Number(out.uValue) : undefined;
      }),
    /** REG_SZ values of a key by name, in numeric name order. */
    entries: (key: string) =>
      using(host, async (c) => {
        const out = await call(c, "EnumValues", { sSubKeyName: key });
        const names = asArray(out.sNames).map(String).sort((a, b) => Number(a) - Number(b));
        const result: Record<string, string> = {};
        for (const name of names) {
          const v = await call(c, "GetStringValue", { sSubKeyName: key, sValueName: name });
          result[name] = String(v.sValue);
        }
        return result;
      }),
    setString: (key: string, name: string, value: string) =>
      using(host, async (c) => {
        await call(c, "CreateKey", { sSubKeyName: key });
        await call(c, "SetStringValue", { sSubKeyName: key, sValueName: name, sValue: value });
      }),
    setDword: (key: string, name: string, value: number) =>
      using(host, async (c) => {
        await call(c, "CreateKey", { sSubKeyName: key });
        await call(c, "SetDWORDValue", { sSubKeyName: key, sValueName: name, uValue: value });
      }),
    deleteValue: (key: string, name: string) =>
      using(host, async (c) => {
        await call(c, "DeleteValue", { sSubKeyName: key, sValueName: name });
      }),
    /** The ownership ledger as stored (parsed JSON), or undefined when the host has none. */
    ledger: () =>
      using(host, async (c) => {
        const out = await call(c, "GetStringValue", { sSubKeyName: LEDGER_KEY, sValueName: LEDGER_VALUE });
        return Number(out.ReturnValue) === 0 ? (JSON.parse(String(out.sValue)) as OobLedger) : undefined;
      }),
  };
}
