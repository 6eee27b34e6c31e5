import {
  assertCredSSPWritable,
  getCredSSP,
  getTrustedHosts,
  PolicyControlledError,
  setCredSSP,
  setTrustedHosts,
  VerifyError,
} from "../../provider/src/windows";
import { FakeHost } from "./support/fake-host";

const POLICY_SERVICE = "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service";

describe("WSMan CredSSP flags", () => {
  test("reads Client/Auth/CredSSP and Service/Auth/CredSSP", async () => {
    const host = new FakeHost();
    host.serviceCredSSP = "true";
    expect(await getCredSSP(host, "client")).toBe(false);
    expect(await getCredSSP(host, "service")).toBe(true);
    expect(host.calls.map((c) => c.uri)).toEqual([
      "http://schemas.microsoft.com/wbem/wsman/1/config/client/auth",
      "http://schemas.microsoft.com/wbem/wsman/1/config/service/auth",
    ]);
  });

  test("enable puts exactly Enable-WSManCredSSP's partial Auth body, then reads back", async () => {
    const host = new FakeHost();
    expect(await setCredSSP(host, "service", true)).toEqual({ previous: false, changed: true });
    const put = host.calls.find((c) => c.op === "put");
    expect(put?.uri).toBe("http://schemas.microsoft.com/wbem/wsman/1/config/service/auth");
    expect(put?.body).toBe(
      '<cfg:Auth xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config/service/auth"><cfg:CredSSP>true</cfg:CredSSP></cfg:Auth>',
    );
    expect(host.calls[host.calls.length - 1]).toMatchObject({ op: "get" });
    expect(host.serviceCredSSP).toBe("true");
  });

  test("disable on the client role uses the client auth URI", async () => {
    const host = new FakeHost();
    host.clientCredSSP = "true";
    await setCredSSP(host, "client", false);
    expect(host.calls.find((c) => c.op === "put")?.body).toBe(
      '<cfg:Auth xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config/client/auth"><cfg:CredSSP>false</cfg:CredSSP></cfg:Auth>',
    );
  });

  test("no write when already as requested", async () => {
    const host = new FakeHost();
    expect(await setCredSSP(host, "client", false)).toEqual({ previous: false, changed: false });
    expect(host.writes()).toHaveLength(0);
  });

  test("policy-controlled: refuses before any Put and names the full policy key", async () => {
    const host = new FakeHost();
    host.setValue(POLICY_SERVICE, "AllowCredSSP", 4, 0);
    const err = await setCredSSP(host, "service", true, { host: "srv01.corp.test" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyControlledError);
    expect(err).toMatchObject({ code: "WINDOWS_POLICY_CONTROLLED", setting: "Service/Auth/CredSSP" });
    expect((err as Error).message).toContain("HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service\\AllowCredSSP");
    expect((err as Error).message).toContain('"Not Configured"');
    expect((err as Error).message).toContain("srv01.corp.test");
    expect(host.writes()).toHaveLength(0);
    // the client role is not affected by the service policy
    await expect(assertCredSSPWritable(host, "client")).resolves.toBeUndefined();
  });

  test("a Put refused with fault 2150858890 becomes PolicyControlledError", async () => {
    const host = new FakeHost();
    host.putError = Object.assign(new Error("fault"), { code: "WINRM_FAULT", wsmanCode: 2150858890, faultMessage: "controlled by policies" });
    await expect(setCredSSP(host, "client", true)).rejects.toMatchObject({
      code: "WINDOWS_POLICY_CONTROLLED",
      policyKey: "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Client",
    });
  });

  test("other Put faults pass through unchanged", async () => {
    const host = new FakeHost();
    const fault = Object.assign(new Error("fault"), { code: "WINRM_FAULT", wsmanCode: 5 });
    host.putError = fault;
    await expect(setCredSSP(host, "client", true)).rejects.toBe(fault);
  });

  test("a Put the host ignores is caught by the read-back", async () => {
    const host = new FakeHost();
    host.dropWrites = true;
    const err = await setCredSSP(host, "service", true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerifyError);
    expect(err).toMatchObject({ code: "WINDOWS_VERIFY", setting: "Service/Auth/CredSSP", expected: true, actual: false });
  });
});

describe("WSMan Client/TrustedHosts", () => {
  test("reads the raw string", async () => {
    const host = new FakeHost();
    host.trustedHosts = "legacy01, LEGACY02";
    expect(await getTrustedHosts(host)).toBe("legacy01, LEGACY02");
  });

  test("item 13: writes as Set-Item WSMan:\\localhost\\Client\\TrustedHosts does: Get the Client resource, Put the whole Client element with the new value", async () => {
    const host = new FakeHost();
    host.clientCredSSP = "true";
    await setTrustedHosts(host, "a&b,srv01");
    const CLIENT = "http://schemas.microsoft.com/wbem/wsman/1/config/client";
    // (the policy key is read in between, to mark what a GPO controls)
    expect(host.calls.filter((c) => c.op !== "invoke").map((c) => `${c.op} ${c.uri}`).slice(0, 2)).toEqual([`get ${CLIENT}`, `put ${CLIENT}`]);
    expect(host.calls.find((c) => c.op === "put")).toMatchObject({
      uri: CLIENT,
      body:
        `<cfg:Client xmlns:cfg="${CLIENT}">` +
        "<cfg:NetworkDelayms>5000</cfg:NetworkDelayms><cfg:URLPrefix>wsman</cfg:URLPrefix><cfg:AllowUnencrypted>false</cfg:AllowUnencrypted>" +
        "<cfg:Auth><cfg:Basic>true</cfg:Basic><cfg:Digest>true</cfg:Digest><cfg:Kerberos>true</cfg:Kerberos><cfg:Negotiate>true</cfg:Negotiate>" +
        "<cfg:Certificate>true</cfg:Certificate><cfg:CredSSP>true</cfg:CredSSP></cfg:Auth>" +
        "<cfg:DefaultPorts><cfg:HTTP>5985</cfg:HTTP><cfg:HTTPS>5986</cfg:HTTPS></cfg:DefaultPorts>" +
        "<cfg:TrustedHosts>a&amp;b,srv01</cfg:TrustedHosts></cfg:Client>",
    });
    expect(host.trustedHosts).toBe("a&b,srv01");
  });

  test("item 13: settings a WinRM Client policy controls are sent back marked Source=\"GPO\", as Windows' Get marks them", async () => {
    const host = new FakeHost();
    host.setValue("SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Client", "AllowCredSSP", 4, 1);
    host.setValue("SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Client", "AllowUnencryptedTraffic", 4, 0);
    await setTrustedHosts(host, "srv01");
    const body = host.calls.find((c) => c.op === "put")!.body!;
    expect(body).toContain('<cfg:AllowUnencrypted Source="GPO">false</cfg:AllowUnencrypted>');
    expect(body).toContain('<cfg:CredSSP Source="GPO">false</cfg:CredSSP>');
    expect(body).toContain("<cfg:Basic>true</cfg:Basic>");
    expect(body).toContain("<cfg:TrustedHosts>srv01</cfg:TrustedHosts>");
  });

  test("verifies the read-back", async () => {
    const host = new FakeHost();
    host.dropWrites = true;
    await expect(setTrustedHosts(host, "srv01")).rejects.toMatchObject({ code: "WINDOWS_VERIFY", expected: "srv01", actual: "" });
  });
});
