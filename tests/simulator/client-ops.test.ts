// Our own client (contract C) against the simulator, every operation, over
// HTTP + NTLM with message encryption and over HTTPS + Basic.

import { WinRMClient } from "../../provider/src/winrm";
import { startHost, SimHost } from "../../simulator/src/index";
import { CREDENTIALS_DELEGATION_KEY, HKLM, STDREGPROV_URI as REG, WSMAN_CONFIG_URI as CONFIG } from "../../provider/src/windows";

const SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd";
const LISTENER = "http://schemas.microsoft.com/wbem/wsman/1/config/listener";
const ADMIN = { name: "Administrator", password: "Client-0ps!pw", admin: true };
const USER = { name: "viewer", password: "Viewer-pw-2", admin: false };

const toArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

type Variant = { name: string; client: (h: SimHost, user?: typeof ADMIN) => WinRMClient; transport: "HTTP" | "HTTPS" };

const variants: Variant[] = [
  {
    name: "HTTP + NTLM + message encryption",
    transport: "HTTP",
    client: (h, u = ADMIN) =>
      new WinRMClient({ host: "127.0.0.1", port: Number(new URL(h.httpUrl!).port), auth: "ntlm", username: u.name, password: u.password }),
  },
  {
    name: "HTTPS + Basic (certificate pinned by SHA-256)",
    transport: "HTTPS",
    client: (h, u = ADMIN) =>
      new WinRMClient({
        host: "127.0.0.1",
        port: Number(new URL(h.httpsUrl!).port),
        https: true,
        auth: "basic",
        username: u.name,
        password: u.password,
        certFingerprint: h.certSha256,
      }),
  },
];

describe.each(variants)("$name", ({ client: makeClient, transport }) => {
  let host: SimHost;
  let c: WinRMClient;
  beforeAll(async () => {
    host = await startHost({
      hostname: "srv01.corp.test",
      https: "127.0.0.1:0",
      users: [ADMIN, USER],
      set: { "Service/Auth/Basic": "true" },
    });
  });
  beforeEach(() => {
    c = makeClient(host);
  });
  afterEach(async () => c.close());
  afterAll(async () => host.stop());

  test("runCommand: output, exit codes, stderr", async () => {
    expect(await c.runCommand("hostname")).toEqual({ stdout: "srv01\r\n", stderr: "", exitCode: 0 });
    expect(await c.runCommand("whoami")).toEqual({ stdout: "srv01\\administrator\r\n", stderr: "", exitCode: 0 });
    expect(await c.runCommand("cmd", ["/c", "echo", "hi"])).toMatchObject({ stdout: "hi\r\n", exitCode: 0 });
    expect((await c.runCommand("exit 3")).exitCode).toBe(3);
    const bad = await c.runCommand("nope");
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain("'nope' is not recognized as an internal or external command");
  });

  test("get: whole config and sub-resources", async () => {
    const cfg = await c.get(CONFIG);
    expect((cfg.Client as Record<string, any>).Auth.CredSSP).toBe("false");
    expect((cfg.Service as Record<string, any>).Auth.Basic).toBe("true");
    expect((cfg.Client as Record<string, any>).TrustedHosts).toBe("");
    const auth = await c.get(`${CONFIG}/service/auth`);
    expect(auth.Negotiate).toBe("true");
  });

  test("put: partial body, then the change is visible in state and Get", async () => {
    const ns = `${CONFIG}/client`;
    const out = await c.put(ns, `<cfg:Client xmlns:cfg="${ns}"><cfg:TrustedHosts>${transport}.corp.test</cfg:TrustedHosts></cfg:Client>`);
    expect(out.TrustedHosts).toBe(`${transport}.corp.test`);
    expect(host.state.getConfig("Client/TrustedHosts")).toBe(`${transport}.corp.test`);
    expect(((await c.get(CONFIG)).Client as Record<string, any>).TrustedHosts).toBe(`${transport}.corp.test`);
  });

  test("put faults: invalid value and GPO-controlled CredSSP", async () => {
    const ns = `${CONFIG}/service/auth`;
    await expect(c.put(ns, `<cfg:Auth xmlns:cfg="${ns}"><cfg:CredSSP>yes</cfg:CredSSP></cfg:Auth>`)).rejects.toMatchObject({
      code: "WINRM_FAULT",
      wsmanCode: 2150858819,
      machine: "127.0.0.1",
    });
    host.state.registry.set("HKLM", "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service", "AllowCredSSP", "REG_DWORD", 1);
    try {
      await expect(c.put(ns, `<cfg:Auth xmlns:cfg="${ns}"><cfg:CredSSP>true</cfg:CredSSP></cfg:Auth>`)).rejects.toMatchObject({
        code: "WINRM_FAULT",
        wsmanCode: 2150858890,
        faultMessage: expect.stringContaining("cannot be changed because is controlled by policies"),
      });
    } finally {
      host.state.registry.deleteValue("HKLM", "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service", "AllowCredSSP");
    }
  });

  test("invoke: StdRegProv methods and return codes", async () => {
    const key = `${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials${transport}`;
    expect((await c.invoke(REG, "CreateKey", { hDefKey: HKLM, sSubKeyName: key })).ReturnValue).toBe("0");
    expect((await c.invoke(REG, "SetStringValue", { hDefKey: HKLM, sSubKeyName: key, sValueName: "1", sValue: "wsman/a.corp.test" })).ReturnValue).toBe("0");
    expect(await c.invoke(REG, "GetStringValue", { hDefKey: HKLM, sSubKeyName: key, sValueName: "1" })).toEqual({ sValue: "wsman/a.corp.test", ReturnValue: "0" });
    expect((await c.invoke(REG, "SetDWORDValue", { hDefKey: HKLM, sSubKeyName: key, sValueName: "D", uValue: 1 })).ReturnValue).toBe("0");
    expect((await c.invoke(REG, "GetDWORDValue", { hDefKey: HKLM, sSubKeyName: key, sValueName: "D" })).uValue).toBe("1");
    expect((await c.invoke(REG, "SetMultiStringValue", { hDefKey: HKLM, sSubKeyName: key, sValueName: "M", sValue: ["x", "y"] })).ReturnValue).toBe("0");
    expect(toArray((await c.invoke(REG, "GetMultiStringValue", { hDefKey: HKLM, sSubKeyName: key, sValueName: "M" })).sValue)).toEqual(["x", "y"]);
    const values = await c.invoke(REG, "EnumValues", { hDefKey: HKLM, sSubKeyName: key });
    expect(toArray(values.sNames)).toEqual(["1", "D", "M"]);
    expect(toArray(values.Types)).toEqual(["1", "4", "7"]);
    expect(toArray((await c.invoke(REG, "EnumKey", { hDefKey: HKLM, sSubKeyName: CREDENTIALS_DELEGATION_KEY })).sNames)).toContain(`AllowFreshCredentials${transport}`);
    // A value missing from an existing key: 1, as Windows answers (a missing key is 2).
    expect((await c.invoke(REG, "GetStringValue", { hDefKey: HKLM, sSubKeyName: key, sValueName: "missing" })).ReturnValue).toBe("1");
    expect((await c.invoke(REG, "GetStringValue", { hDefKey: HKLM, sSubKeyName: `${key}\\none`, sValueName: "missing" })).ReturnValue).toBe("2");
    expect((await c.invoke(REG, "DeleteValue", { hDefKey: HKLM, sSubKeyName: key, sValueName: "1" })).ReturnValue).toBe("0");
    expect((await c.invoke(REG, "DeleteKey", { hDefKey: HKLM, sSubKeyName: key })).ReturnValue).toBe("0");
    expect(host.state.registry.hasKey("HKLM", key)).toBe(false);
  });

  test("create and delete: a shell resource", async () => {
    const created = await c.create(SHELL, `<rsp:Shell xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>`);
    const shellId = ((created.ReferenceParameters as Record<string, any>).SelectorSet as Record<string, any>).Selector as string;
    expect(shellId).toMatch(/^[0-9A-F-]{36}$/);
    const listed = await c.enumerate("http://schemas.microsoft.com/wbem/wsman/1/windows/shell");
    expect(listed.map((s) => s.ShellId)).toContain(shellId);
    await c.delete(SHELL, { ShellId: shellId });
    await expect(c.delete(SHELL, { ShellId: shellId })).rejects.toMatchObject({ code: "WINRM_FAULT", wsmanCode: 2150858843 });
  });

  test("enumerate: the listeners", async () => {
    const listeners = await c.enumerate(LISTENER);
    expect(listeners.map((l) => l.Transport).sort()).toEqual(["HTTP", "HTTPS"]);
    expect(listeners.find((l) => l.Transport === "HTTPS")!.Port).toBe(new URL(host.httpsUrl!).port);
  });

  test("non-administrator: access-denied fault", async () => {
    const v = makeClient(host, USER);
    try {
      await expect(v.get(CONFIG)).rejects.toMatchObject({ code: "WINRM_FAULT", wsmanCode: 5 });
    } finally {
      await v.close();
    }
  });

  test("wrong password: authentication error without the password in it", async () => {
    const v = makeClient(host, { ...ADMIN, password: "Wrong-pw-77" });
    try {
      const err = await v.get(CONFIG).catch((e: Error) => e);
      expect(err).toMatchObject({ code: "WINRM_AUTH", reason: "bad-credentials" });
      expect(String((err as Error).message)).not.toContain("Wrong-pw-77");
    } finally {
      await v.close();
    }
  });

  test("a dropped connection on an idempotent request is retried", async () => {
    await c.get(CONFIG); // connection and security context established
    host.faults.dropAfter = 0;
    const cfg = await c.get(`${CONFIG}/client/auth`);
    expect(cfg.CredSSP).toBe("false");
  });

  test("service restart drops the NTLM context; the client re-authenticates", async () => {
    expect((await c.runCommand("hostname")).exitCode).toBe(0);
    host.faults.restart();
    await new Promise((r) => setTimeout(r, 50));
    expect((await c.get(`${CONFIG}/winrs`)).AllowRemoteShellAccess).toBe("true");
  });
});
