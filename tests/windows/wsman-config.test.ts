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

  test("writes the whole string in a Client element on config/client, XML-escaped", async () => {
    const host = new FakeHost();
    await setTrustedHosts(host, "a&b,srv01");
    expect(host.calls.find((c) => c.op === "put")).toMatchObject({
      uri: "http://schemas.microsoft.com/wbem/wsman/1/config/client",
      body:
        '<cfg:Client xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config/client"><cfg:TrustedHosts>a&amp;b,srv01</cfg:TrustedHosts></cfg:Client>',
    });
    expect(host.trustedHosts).toBe("a&b,srv01");
  });

  test("verifies the read-back", async () => {
    const host = new FakeHost();
    host.dropWrites = true;
    await expect(setTrustedHosts(host, "srv01")).rejects.toMatchObject({ code: "WINDOWS_VERIFY", expected: "srv01", actual: "" });
  });
});
