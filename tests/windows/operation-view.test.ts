// The per-operation read memory: repeated reads answered once, every write forgetting
// exactly what it can change (so read-backs reach the host), the ledger never remembered.
import {
  HKLM,
  LEDGER_KEY,
  OperationView,
  STDREGPROV_URI,
  WSMAN_CLIENT_AUTH_URI,
  WSMAN_CLIENT_URI,
  WSMAN_CONFIG_URI,
  WSMAN_SERVICE_AUTH_URI,
} from "../../provider/src/windows";
import type { WsmanHostApi } from "../../provider/src/windows";

const CD = "SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation";

function fakeHost(): { api: WsmanHostApi; calls: string[] } {
  const calls: string[] = [];
  let n = 0;
  const api: WsmanHostApi = {
    get: async (uri) => (calls.push(`get ${uri}`), { n: String(++n) }),
    put: async (uri) => (calls.push(`put ${uri}`), { n: String(++n) }),
    invoke: async (_uri, method, input) => (calls.push(`${method} ${input.sSubKeyName} ${input.sValueName ?? ""}`.trim()), { ReturnValue: "0", n: String(++n) }),
  };
  return { api, calls };
}
const reg = (view: OperationView, method: string, key: string, value?: string) =>
  view.invoke(STDREGPROV_URI, method, value === undefined ? { hDefKey: HKLM, sSubKeyName: key } : { hDefKey: HKLM, sSubKeyName: key, sValueName: value });

test("a repeated read is answered once; a read-back after a write goes to the host", async () => {
  const { api, calls } = fakeHost();
  const view = new OperationView(api);
  const first = await reg(view, "GetDWORDValue", CD, "AllowFreshCredentials");
  expect(await reg(view, "GetDWORDValue", CD.toLowerCase(), "allowfreshcredentials")).toBe(first); // names are case-insensitive
  await reg(view, "GetDWORDValue", CD, "ConcatenateDefaults_AllowFresh");
  await reg(view, "EnumValues", CD);
  await reg(view, "SetDWORDValue", CD, "AllowFreshCredentials");
  expect(await reg(view, "GetDWORDValue", CD, "AllowFreshCredentials")).not.toBe(first); // the read-back is real
  await reg(view, "GetDWORDValue", CD, "ConcatenateDefaults_AllowFresh"); // another value of the key: still known
  await reg(view, "EnumValues", CD); // the key's value list changed: asked again
  expect(calls).toEqual([
    `GetDWORDValue ${CD} AllowFreshCredentials`,
    `GetDWORDValue ${CD} ConcatenateDefaults_AllowFresh`,
    `EnumValues ${CD}`,
    `SetDWORDValue ${CD} AllowFreshCredentials`,
    `GetDWORDValue ${CD} AllowFreshCredentials`,
    `EnumValues ${CD}`,
  ]);
  expect(view.saved).toBe(2);
});

test("creating or deleting a key forgets everything under it and its ancestors' subkey lists", async () => {
  const { api, calls } = fakeHost();
  const view = new OperationView(api);
  const list = `${CD}\\AllowFreshCredentials`;
  for (const k of ["SOFTWARE\\Policies\\Microsoft\\Windows", CD, list]) await reg(view, "EnumKey", k);
  await reg(view, "EnumValues", list);
  await reg(view, "EnumValues", "SOFTWARE\\Other");
  calls.length = 0;
  await reg(view, "CreateKey", list);
  for (const k of ["SOFTWARE\\Policies\\Microsoft\\Windows", CD, list]) await reg(view, "EnumKey", k);
  await reg(view, "EnumValues", list);
  await reg(view, "EnumValues", "SOFTWARE\\Other"); // unrelated: still known
  expect(calls).toEqual([`CreateKey ${list}`, "EnumKey SOFTWARE\\Policies\\Microsoft\\Windows", `EnumKey ${CD}`, `EnumKey ${list}`, `EnumValues ${list}`]);
});

test("the ledger is never remembered: its commit re-reads it to see other writers", async () => {
  const { api, calls } = fakeHost();
  const view = new OperationView(api);
  await reg(view, "GetStringValue", LEDGER_KEY, "Ledger");
  await reg(view, "GetStringValue", LEDGER_KEY, "Ledger");
  expect(calls).toHaveLength(2);
});

test("one Get of the whole WSMan config answers every config resource; a Put forgets what it can change", async () => {
  const calls: string[] = [];
  const config = { Client: { TrustedHosts: "a", Auth: { CredSSP: "false" } }, Service: { Auth: { CredSSP: "true" } } };
  const view = new OperationView({
    get: async (uri) => (calls.push(`get ${uri}`), uri === WSMAN_CONFIG_URI ? config : { direct: "1" }),
    put: async (uri) => (calls.push(`put ${uri}`), {}),
    invoke: async () => ({}),
  });
  expect(await view.get(WSMAN_CLIENT_AUTH_URI)).toEqual({ CredSSP: "false" });
  expect(await view.get(WSMAN_CLIENT_URI)).toEqual(config.Client);
  expect(await view.get(WSMAN_SERVICE_AUTH_URI)).toEqual({ CredSSP: "true" });
  expect(await view.get(`${WSMAN_CONFIG_URI}/winrs`)).toEqual({ direct: "1" }); // not in that Get: asked for itself
  await view.put(WSMAN_CLIENT_URI, "<x/>"); // changes Client, Client/Auth and the whole config's view
  await view.get(WSMAN_CLIENT_AUTH_URI);
  await view.get(WSMAN_SERVICE_AUTH_URI); // Service/Auth: still known
  expect(calls).toEqual([`get ${WSMAN_CONFIG_URI}`, `get ${WSMAN_CONFIG_URI}/winrs`, `put ${WSMAN_CLIENT_URI}`, `get ${WSMAN_CONFIG_URI}`]);
});

test("a failed read is not remembered", async () => {
  const { api, calls } = fakeHost();
  let fail = true;
  const view = new OperationView({
    ...api,
    get: async (uri) => {
      calls.push(`get ${uri}`);
      if (fail) throw new Error("connection reset");
      return {};
    },
  });
  const WMI_CLASS = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_OperatingSystem";
  await expect(view.get(WMI_CLASS)).rejects.toThrow("connection reset");
  fail = false;
  await expect(view.get(WMI_CLASS)).resolves.toEqual({});
  expect(calls).toHaveLength(2);
});
