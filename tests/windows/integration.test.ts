// The Windows layer against the simulated Windows host through the real WinRMClient
// (contracts C and D): every change made here is observed out-of-band through the
// simulator's own state, never through this layer's return values.
import { startHost } from "../../simulator/src";
import type { SimHost } from "../../simulator/src";
import { WinRMClient } from "../../provider/src/winrm";
import {
  addSpns,
  addToTrustedHostsRaw,
  CREDENTIALS_DELEGATION_KEY,
  describeFault,
  ENCRYPTION_ORACLE_KEY,
  formatCredSSPStatus,
  getTrustedHosts,
  PolicyControlledError,
  policyListKey,
  readHostState,
  readPolicy,
  Registry,
  removeEntries,
  removeFromTrustedHostsRaw,
  setCredSSP,
  setEncryptionOracle,
  setSwitches,
  setTrustedHosts,
  withHostLock,
  WINRM_POLICY_KEYS,
  WSMAN_SERVICE_AUTH_URI,
} from "../../provider/src/windows";
import type { WsmanHostApi } from "../../provider/src/windows";

const ADMIN_PASSWORD = "Adm1n-Pa55word!";
const USER_PASSWORD = "Us3r-Pa55word!";

// Compile-time check that the real client satisfies the slice this layer uses.
const asHostApi = (c: WinRMClient): WsmanHostApi => c;

let sim: SimHost;
const clients: WinRMClient[] = [];

function connect(user = "admin", password = ADMIN_PASSWORD, url = sim.httpUrl!): WinRMClient {
  const u = new URL(url);
  const c = new WinRMClient({ host: u.hostname, port: Number(u.port), https: false, auth: "ntlm", username: user, password });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  sim = await startHost({
    hostname: "srv01.corp.test",
    http: "127.0.0.1:0",
    users: [
      { name: "admin", password: ADMIN_PASSWORD, admin: true },
      { name: "user", password: USER_PASSWORD, admin: false },
    ],
  });
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => undefined);
  await sim.stop();
});

const reg = () => sim.state.registry;

test("a fresh host reads as Windows defaults", async () => {
  const state = await readHostState(asHostApi(connect()));
  expect(state.wsman).toEqual({ clientCredSSP: false, serviceCredSSP: false, trustedHosts: "" });
  for (const policy of Object.values(state.delegation)) {
    expect(policy).toEqual({ enabled: null, concatenateDefaults: null, listKeyExists: false, entries: [], registryOrder: [] });
  }
  expect(state.encryptionOracle).toBeNull();
  expect(state.winrmPolicy).toEqual({ clientAllowCredSSP: null, serviceAllowCredSSP: null });
  expect(formatCredSSPStatus(state)).toEqual([
    "The machine is not configured to allow delegating fresh credentials.",
    "This computer is not configured to receive credentials from a remote client computer.",
  ]);
});

test("items 10, 11: on a host whose CredentialsDelegation key exists without switches, with an REG_EXPAND_SZ entry, reads and the first write work", async () => {
  // StdRegProv answers 1 for the still-absent switch DWORD in an existing key, and a type
  // mismatch for GetStringValue on REG_EXPAND_SZ, as Windows does.
  reg().createKey("HKLM", CREDENTIALS_DELEGATION_KEY);
  reg().set("HKLM", policyListKey("AllowFreshCredentials"), "1", "REG_EXPAND_SZ", "wsman/%COMPUTERNAME%.corp.test");
  const api = asHostApi(connect());
  expect(await readPolicy(api, "AllowFreshCredentials")).toEqual({
    entries: [{ name: "1", spn: "wsman/SRV01.corp.test" }],
    registryOrder: ["1"],
    listKeyExists: true,
  });
  expect(await setSwitches(api, "AllowFreshCredentials", { enabled: 1, concatenateDefaults: 1 })).toEqual({ previous: {}, changed: true });
  expect(await addSpns(api, "AllowFreshCredentials", ["wsman/srv02.corp.test"])).toEqual(["2"]);
  expect(reg().get("HKLM", CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials")).toEqual({ type: "REG_DWORD", value: 1 });
});

test("CredSSP role flags are written to the host's WSMan config and restored", async () => {
  const before = sim.state.snapshot();
  const t = connect();
  expect(await setCredSSP(t, "service", true)).toEqual({ previous: false, changed: true });
  expect(sim.state.getConfig("Service/Auth/CredSSP")).toBe("true");
  await setCredSSP(t, "client", true);
  expect(sim.state.getConfig("Client/Auth/CredSSP")).toBe("true");
  await setCredSSP(t, "service", false);
  await setCredSSP(t, "client", false);
  expect(sim.state.snapshot()).toEqual(before);
});

test("TrustedHosts: foreign entries keep their exact text through add and remove", async () => {
  sim.state.setConfig("Client/TrustedHosts", "legacy01,LEGACY02");
  const before = sim.state.snapshot();
  const t = connect();
  const raw = await getTrustedHosts(t);
  await setTrustedHosts(t, addToTrustedHostsRaw(raw, ["srv02.corp.test", "Legacy01"]));
  expect(sim.state.getConfig("Client/TrustedHosts")).toBe("legacy01,LEGACY02,srv02.corp.test");
  await setTrustedHosts(t, removeFromTrustedHostsRaw(await getTrustedHosts(t), ["SRV02.corp.test"]));
  expect(sim.state.snapshot()).toEqual(before);
});

test("item 13: TrustedHosts is written the way Set-Item does, also while a GPO controls Client/Auth/CredSSP", async () => {
  reg().set("HKLM", WINRM_POLICY_KEYS.client, "AllowCredSSP", "REG_DWORD", 1);
  const api = asHostApi(connect());
  expect(await setTrustedHosts(api, "srv02.corp.test")).toEqual({ previous: "", changed: true });
  expect(sim.state.getConfig("Client/TrustedHosts")).toBe("srv02.corp.test");
  expect(sim.state.getConfig("Client/Auth/CredSSP")).toBe("false"); // the policy's value was not written over it
});

test("delegation list: a gap is kept, the new entry takes highest+1, removal restores exactly", async () => {
  const key = policyListKey("AllowFreshCredentials");
  reg().set("HKLM", key, "1", "REG_SZ", "TERMSRV/*");
  reg().set("HKLM", key, "3", "REG_SZ", "wsman/old.corp.test");
  const before = sim.state.snapshot();
  const t = connect();

  expect(await addSpns(t, "AllowFreshCredentials", ["WSMAN/OLD.corp.test", "wsman/srv02.corp.test"])).toEqual(["4"]);
  expect(reg().get("HKLM", key, "4")).toMatchObject({ type: "REG_SZ", value: "wsman/srv02.corp.test" });
  expect(reg().get("HKLM", key, "1")).toMatchObject({ value: "TERMSRV/*" });
  expect(reg().get("HKLM", key, "3")).toMatchObject({ value: "wsman/old.corp.test" });
  expect(reg().get("HKLM", key, "2")).toBeUndefined();

  await setSwitches(t, "AllowFreshCredentials", { enabled: 1, concatenateDefaults: 1 });
  expect(reg().get("HKLM", CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials")).toMatchObject({ type: "REG_DWORD" });
  expect(Number(reg().get("HKLM", CREDENTIALS_DELEGATION_KEY, "ConcatenateDefaults_AllowFresh")?.value)).toBe(1);

  const state = await readHostState(t);
  expect(formatCredSSPStatus(state)[0]).toBe(
    "The machine is configured to allow delegating fresh credentials to the following target(s):wsman/srv02.corp.test,wsman/old.corp.test",
  );

  expect(await removeEntries(t, "AllowFreshCredentials", ["4"])).toEqual(["4"]);
  await setSwitches(t, "AllowFreshCredentials", { enabled: null, concatenateDefaults: null });
  expect(sim.state.snapshot()).toEqual(before);
});

test("delegation list on a clean host: keys created, then removed once empty", async () => {
  const before = sim.state.snapshot();
  const t = connect();
  const key = policyListKey("AllowFreshCredentialsWhenNTLMOnly");
  expect(await addSpns(t, "AllowFreshCredentialsWhenNTLMOnly", ["wsman/10.0.0.5", "wsman/srv03"])).toEqual(["1", "2"]);
  expect((await readPolicy(t, "AllowFreshCredentialsWhenNTLMOnly")).entries.map((e) => e.spn)).toEqual(["wsman/10.0.0.5", "wsman/srv03"]);
  expect((await readHostState(t)).keys.credentialsDelegation).toBe(true);
  await removeEntries(t, "AllowFreshCredentialsWhenNTLMOnly", ["1", "2"]);
  expect((await readPolicy(t, "AllowFreshCredentialsWhenNTLMOnly")).listKeyExists).toBe(true);
  const registry = new Registry(t);
  expect(await registry.deleteKeyIfEmpty(CREDENTIALS_DELEGATION_KEY)).toBe(false); // still holds the list key
  expect(await registry.deleteKeyIfEmpty(key)).toBe(true);
  expect(await registry.deleteKeyIfEmpty(CREDENTIALS_DELEGATION_KEY)).toBe(true);
  expect(sim.state.snapshot()).toEqual(before);
});

test("encryption oracle: set (creating its keys), delete, keys deleted back to the default host", async () => {
  const before = sim.state.snapshot();
  const t = connect();
  await setEncryptionOracle(t, 2);
  expect(Number(reg().get("HKLM", ENCRYPTION_ORACLE_KEY, "AllowEncryptionOracle")?.value)).toBe(2);
  await setEncryptionOracle(t, null);
  expect(reg().get("HKLM", ENCRYPTION_ORACLE_KEY, "AllowEncryptionOracle")).toBeUndefined();
  const registry = new Registry(t);
  expect(await registry.deleteKeyIfEmpty(ENCRYPTION_ORACLE_KEY)).toBe(true);
  expect(await registry.deleteKeyIfEmpty(ENCRYPTION_ORACLE_KEY.replace(/\\Parameters$/, ""))).toBe(true);
  expect(sim.state.snapshot()).toEqual(before);
});

test("a policy-controlled CredSSP flag: clear error naming the key, nothing written", async () => {
  reg().set("HKLM", WINRM_POLICY_KEYS.service, "AllowCredSSP", "REG_DWORD", 0);
  const before = sim.state.snapshot();
  const t = connect();
  const err = await setCredSSP(t, "service", true, { host: "srv01.corp.test" }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PolicyControlledError);
  expect((err as Error).message).toContain("HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service\\AllowCredSSP");
  expect(sim.state.snapshot()).toEqual(before);
  expect((await readHostState(t)).winrmPolicy.serviceAllowCredSSP).toBe(0);

  // The host itself also refuses a direct Put with fault 2150858890.
  const body = `<cfg:Auth xmlns:cfg="${WSMAN_SERVICE_AUTH_URI}"><cfg:CredSSP>true</cfg:CredSSP></cfg:Auth>`;
  const fault = await t.put(WSMAN_SERVICE_AUTH_URI, body).catch((e: unknown) => e);
  expect(fault).toMatchObject({ code: "WINRM_FAULT", wsmanCode: 2150858890 });
  expect(describeFault(fault, { host: "srv01.corp.test", setting: "Service/Auth/CredSSP" })).toMatch(/Group Policy/);
});

test("a non-administrator gets a message naming the Administrator requirement, without the password", async () => {
  const t = connect("user", USER_PASSWORD);
  const err = await setCredSSP(t, "service", true).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: "WINRM_FAULT", wsmanCode: 5 });
  expect(sim.state.getConfig("Service/Auth/CredSSP")).toBe("false");
  const msg = describeFault(err, { host: "srv01.corp.test", setting: "Service/Auth/CredSSP", redact: [USER_PASSWORD] });
  expect(msg).toContain("the account must be a local Administrator on srv01.corp.test");
  expect(msg).not.toContain(USER_PASSWORD);
  expect(String((err as Error).message)).not.toContain(USER_PASSWORD);
});

test("bad password: described as rejected credentials, password absent", async () => {
  const t = connect("admin", "wrong-" + ADMIN_PASSWORD);
  const err = await readHostState(t).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: "WINRM_AUTH" });
  const msg = describeFault(err, { host: "srv01.corp.test", setting: "Client/Auth/CredSSP", auth: "ntlm" });
  expect(msg).toMatch(/rejected the credentials/);
  expect(msg).not.toContain(ADMIN_PASSWORD);
});

test("nothing listening: described with host, port, scheme and the quickconfig fix", async () => {
  const url = new URL(sim.httpUrl!);
  await sim.stop();
  const t = connect("admin", ADMIN_PASSWORD, url.toString());
  const err = await readHostState(t).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: "WINRM_TRANSPORT", kind: "refused" });
  const msg = describeFault(err, { host: url.hostname, setting: "Client/TrustedHosts", port: Number(url.port), scheme: "http" });
  expect(msg).toContain(`WinRM is not listening on ${url.hostname}:${url.port} (http)`);
  sim = await startHost({ hostname: "srv01.corp.test", users: [{ name: "admin", password: ADMIN_PASSWORD, admin: true }] });
});

test("parallel read-modify-write under the host lock keeps every entry", async () => {
  const a = connect();
  const b = connect();
  const lockKey = "srv01.corp.test";
  await Promise.all([
    withHostLock(lockKey, () => addSpns(a, "AllowFreshCredentials", ["wsman/a1.corp.test", "wsman/a2.corp.test"])),
    withHostLock(lockKey, () => addSpns(b, "AllowFreshCredentials", ["wsman/b1.corp.test"])),
  ]);
  const entries = (await readPolicy(a, "AllowFreshCredentials")).entries;
  expect(entries.map((e) => e.name)).toEqual(["1", "2", "3"]);
  expect(entries.map((e) => e.spn).sort()).toEqual(["wsman/a1.corp.test", "wsman/a2.corp.test", "wsman/b1.corp.test"]);
});

test("Basic not enabled on the service: the message says how to enable it", async () => {
  const u = new URL(sim.httpUrl!);
  const c = new WinRMClient({
    host: u.hostname, port: Number(u.port), https: false, auth: "basic", allowUnencrypted: true, username: "admin", password: ADMIN_PASSWORD,
  });
  clients.push(c);
  const err = await readHostState(c).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: "WINRM_AUTH", reason: "scheme-not-offered" });
  const msg = describeFault(err, { host: "srv01.corp.test", setting: "Client/Auth/CredSSP" });
  expect(msg).toContain("Service/Auth/Basic=true");
  expect(msg).not.toContain(ADMIN_PASSWORD);
});

test("an untrusted HTTPS certificate: the message names its fingerprint and the options", async () => {
  const tlsHost = await startHost({
    hostname: "srv01.corp.test",
    http: false,
    https: "127.0.0.1:0",
    users: [{ name: "admin", password: ADMIN_PASSWORD, admin: true }],
  });
  try {
    const u = new URL(tlsHost.httpsUrl!);
    const c = new WinRMClient({ host: u.hostname, port: Number(u.port), https: true, auth: "ntlm", username: "admin", password: ADMIN_PASSWORD });
    clients.push(c);
    const err = await readHostState(c).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "WINRM_TRANSPORT", kind: "tls" });
    const msg = describeFault(err, { host: u.hostname, setting: "Client/Auth/CredSSP" });
    const fp = String((err as { certSha256?: string }).certSha256);
    expect(fp.replace(/:/g, "").toLowerCase()).toBe(String(tlsHost.certSha256).replace(/:/g, "").toLowerCase());
    expect(msg).toContain(fp);
    expect(msg).toContain("connection.caCert");
    expect(msg).toContain("connection.certFingerprint");
    expect(msg).toContain(`${u.hostname}:${u.port} (https)`);
  } finally {
    await tlsHost.stop();
  }
});
