// The delegation decision, rule by rule, on a real SimState (the client's live state).

import { SimState } from "../../simulator/src/state";
import {
  CREDENTIALS_DELEGATION,
  CREDSSP_PARAMETERS,
  decideDelegation,
  DelegationRequest,
  spnMatches,
  trustedHostsMatch,
  WINRM_ERRORS,
} from "../../simulator/src/delegation-decision";

/** ws01 set up the way Enable-WSManCredSSP -Role Client + the NTLM-only policy leave it. */
function readyClient(entries: string[] = ["wsman/*.corp.test"]): SimState {
  const s = new SimState();
  s.setConfig("Client/Auth/CredSSP", "true");
  s.setConfig("Client/TrustedHosts", "*.corp.test");
  s.registry.set("HKLM", CREDENTIALS_DELEGATION, "AllowFreshCredentialsWhenNTLMOnly", "REG_DWORD", 1);
  s.registry.set("HKLM", CREDENTIALS_DELEGATION, "ConcatenateDefaults_AllowFreshNTLMOnly", "REG_DWORD", 1);
  entries.forEach((e, i) => s.registry.set("HKLM", `${CREDENTIALS_DELEGATION}\\AllowFreshCredentialsWhenNTLMOnly`, String(i + 1), "REG_SZ", e));
  return s;
}

const server = { credsspEnabled: true, offeredSchemes: ["Negotiate", "Kerberos", "CredSSP"], credsspVersion: 6 };
const req = (client: SimState, over: Partial<DelegationRequest> = {}): DelegationRequest => ({
  client,
  target: "srv01.corp.test",
  https: false,
  serverAuthentication: "ntlm",
  server,
  ...over,
});

test("a fully configured client delegates to WSMAN/<name as typed> through the NTLM-only list", () => {
  expect(decideDelegation(req(readyClient()))).toEqual({
    allowed: true,
    policy: "AllowFreshCredentialsWhenNTLMOnly",
    matched: "wsman/*.corp.test",
    spn: "WSMAN/srv01.corp.test",
  });
});

describe("1. Client/Auth/CredSSP", () => {
  test("false: the client-disabled error, before anything else is looked at", () => {
    const c = new SimState();
    const out = decideDelegation(req(c));
    expect(out).toMatchObject({ allowed: false, link: "client-credssp-disabled", winrmCode: WINRM_ERRORS.ERROR_WSMAN_CLIENT_CREDSSP_AUTHENTICATION_DISABLED });
    expect(out.allowed || out.message).toMatch(/^The WinRM client cannot process the request\. CredSSP authentication is currently disabled in the client configuration\./);
  });
  test("a GPO AllowCredSSP=1 under WinRM\\Client enables it even when the WSMan setting is false", () => {
    const c = readyClient();
    c.setConfig("Client/Auth/CredSSP", "false");
    c.registry.set("HKLM", "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Client", "AllowCredSSP", "REG_DWORD", 1);
    expect(decideDelegation(req(c)).allowed).toBe(true);
  });
});

describe("2. TrustedHosts", () => {
  test("a target not listed gets the TrustedHosts error", () => {
    const c = readyClient();
    c.setConfig("Client/TrustedHosts", "fs01.corp.test");
    expect(decideDelegation(req(c))).toMatchObject({ allowed: false, link: "trusted-hosts", winrmCode: WINRM_ERRORS.ERROR_WSMAN_SERVER_NOTTRUSTED });
  });
  test("HTTPS or a Kerberos-authenticated server does not need TrustedHosts", () => {
    const c = readyClient();
    c.setConfig("Client/TrustedHosts", "");
    expect(decideDelegation(req(c, { https: true })).allowed).toBe(true);
    c.registry.set("HKLM", CREDENTIALS_DELEGATION, "AllowFreshCredentials", "REG_DWORD", 1);
    c.registry.set("HKLM", `${CREDENTIALS_DELEGATION}\\AllowFreshCredentials`, "1", "REG_SZ", "WSMAN/srv01.corp.test");
    expect(decideDelegation(req(c, { serverAuthentication: "kerberos" })).allowed).toBe(true);
  });
  test.each([
    ["*", "srv01.corp.test", true],
    ["*.corp.test", "srv01.corp.test", true],
    ["*.corp.test", "SRV01.CORP.TEST", true],
    ["*.corp.test", "srv01", false],
    ["srv01", "srv01.corp.test", false],
    ["fs01, srv01.corp.test", "srv01.corp.test", true],
    ["srv*", "srv01", true],
    ["192.168.1.*", "192.168.1.20", true],
    ["<local>", "srv01", true],
    ["<local>", "srv01.corp.test", false],
    ["", "srv01", false],
  ])("TrustedHosts %j matches %j: %s", (list, target, expected) => {
    expect(trustedHostsMatch(list, target)).toBe(expected);
  });
});

describe("3. Credentials Delegation policy", () => {
  test("no entry for WSMAN/<target>: the NTLM-only policy error, naming the NTLM-only policy", () => {
    const out = decideDelegation(req(readyClient(["wsman/fs01.corp.test"])));
    expect(out).toMatchObject({ allowed: false, link: "delegation-policy", winrmCode: WINRM_ERRORS.ERROR_WSMAN_CLIENT_ALLOWFRESHCREDENTIALS_NTLMONLY });
    expect(out.allowed || out.message).toMatch(
      /^The WinRM client cannot process the request\. A computer policy does not allow the delegation of the user credentials to the target computer because the computer is not trusted\./,
    );
    expect(out.allowed || out.message).toContain("Allow Fresh Credentials with NTLM-only Server Authentication");
  });
  test("the name as typed counts: WSMAN/srv01.corp.test does not cover -ComputerName srv01", () => {
    const c = readyClient(["WSMAN/srv01.corp.test"]);
    c.setConfig("Client/TrustedHosts", "*");
    expect(decideDelegation(req(c)).allowed).toBe(true);
    expect(decideDelegation(req(c, { target: "srv01" })).allowed).toBe(false);
  });
  test("only the NTLM-only list applies to an NTLM-authenticated server", () => {
    const c = readyClient([]);
    c.registry.set("HKLM", CREDENTIALS_DELEGATION, "AllowFreshCredentials", "REG_DWORD", 1);
    c.registry.set("HKLM", `${CREDENTIALS_DELEGATION}\\AllowFreshCredentials`, "1", "REG_SZ", "wsman/*");
    expect(decideDelegation(req(c))).toMatchObject({ allowed: false, link: "delegation-policy" });
    // ... and the plain list to a Kerberos-authenticated one, with its own text.
    expect(decideDelegation(req(c, { serverAuthentication: "kerberos" })).allowed).toBe(true);
    c.registry.set("HKLM", `${CREDENTIALS_DELEGATION}\\AllowFreshCredentials`, "1", "REG_SZ", "wsman/other.test");
    const k = decideDelegation(req(c, { serverAuthentication: "kerberos" }));
    expect(k).toMatchObject({ allowed: false, winrmCode: WINRM_ERRORS.ERROR_WSMAN_CLIENT_ALLOWFRESHCREDENTIALS });
    expect(k.allowed || k.message).toContain("-> Allow Delegating Fresh Credentials.");
  });
  test("the switch DWORD must be 1: entries under a disabled (0) or missing switch do not count", () => {
    const c = readyClient();
    c.registry.set("HKLM", CREDENTIALS_DELEGATION, "AllowFreshCredentialsWhenNTLMOnly", "REG_DWORD", 0);
    expect(decideDelegation(req(c)).allowed).toBe(false);
    c.registry.deleteValue("HKLM", CREDENTIALS_DELEGATION, "AllowFreshCredentialsWhenNTLMOnly");
    expect(decideDelegation(req(c)).allowed).toBe(false);
  });
  test("ConcatenateDefaults adds only Windows' TERMSRV/* default, which never covers WSMAN", () => {
    const c = readyClient(["TERMSRV/*"]);
    expect(decideDelegation(req(c)).allowed).toBe(false);
    c.registry.set("HKLM", CREDENTIALS_DELEGATION, "ConcatenateDefaults_AllowFreshNTLMOnly", "REG_DWORD", 0);
    expect(decideDelegation(req(c)).allowed).toBe(false);
  });
  test("DenyFreshCredentials carves an exception out of a wildcard", () => {
    const c = readyClient(["wsman/*"]);
    c.registry.set("HKLM", CREDENTIALS_DELEGATION, "DenyFreshCredentials", "REG_DWORD", 1);
    c.registry.set("HKLM", `${CREDENTIALS_DELEGATION}\\DenyFreshCredentials`, "1", "REG_SZ", "wsman/srv01.corp.test");
    expect(decideDelegation(req(c))).toMatchObject({ allowed: false, link: "delegation-policy" });
    expect(decideDelegation(req(c, { target: "srv02.corp.test" })).allowed).toBe(true);
  });
  test.each([
    ["WSMAN/*.corp.test", "WSMAN/srv01.corp.test", true],
    ["wsman/*.corp.test", "WSMAN/SRV01.corp.test", true],
    ["WSMAN/*", "WSMAN/anything", true],
    ["WSMAN/srv01.corp.test", "WSMAN/srv01.corp.test", true],
    ["WSMAN/srv01", "WSMAN/srv01.corp.test", false],
    ["TERMSRV/*", "WSMAN/srv01.corp.test", false],
    ["WSMAN/*.*.test", "WSMAN/srv01.corp.test", false],
    ["*", "WSMAN/srv01", false],
  ])("SPN entry %j against %j: %s", (entry, spn, expected) => {
    expect(spnMatches(entry, spn)).toBe(expected);
  });
});

describe("4. AllowEncryptionOracle (CVE-2018-0886)", () => {
  const old = { ...server, credsspVersion: 3 };
  test.each([
    [undefined, false],
    [0, false],
    [1, false],
    [2, true],
  ])("AllowEncryptionOracle=%s against an unpatched server: allowed=%s", (level, allowed) => {
    const c = readyClient();
    if (level !== undefined) c.registry.set("HKLM", CREDSSP_PARAMETERS, "AllowEncryptionOracle", "REG_DWORD", level);
    const out = decideDelegation(req(c, { server: old }));
    expect(out.allowed).toBe(allowed);
    if (!out.allowed) expect(out).toMatchObject({ link: "encryption-oracle", winrmCode: 50, message: "The request is not supported" });
  });
  test("a patched server is fine at every level", () => {
    const c = readyClient();
    c.registry.set("HKLM", CREDSSP_PARAMETERS, "AllowEncryptionOracle", "REG_DWORD", 0);
    expect(decideDelegation(req(c)).allowed).toBe(true);
  });
});

describe("5. the server's Service/Auth/CredSSP", () => {
  test("a server that does not offer CredSSP: its refusal, listing what it offers", () => {
    const out = decideDelegation(req(readyClient(), { server: { credsspEnabled: false, offeredSchemes: ["Negotiate", "Kerberos"], credsspVersion: 6 } }));
    expect(out).toMatchObject({ allowed: false, link: "server-credssp-disabled", winrmCode: 5 });
    expect(out.allowed || out.message).toMatch(/not supported by the server .* Possible authentication mechanisms reported by server:     Negotiate     Kerberos$/);
  });
});
