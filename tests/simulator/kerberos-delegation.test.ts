// The double-hop decision with Kerberos in the picture: simulated hosts joined to a real
// MIT realm (each started with its keytab). A target reached by its FQDN, which has an
// HTTP/WSMAN principal, is Kerberos-authenticated: AllowFreshCredentials applies and
// TrustedHosts is not needed. By a name without a principal (the NetBIOS name), or from a
// client outside the realm, it is NTLM-only: TrustedHosts, then
// AllowFreshCredentialsWhenNTLMOnly. Driven as an admin would: Invoke-Command
// -Authentication CredSSP in PowerShell on ws01.

import { WinRMClient } from "../../provider/src/winrm";
import { startHosts } from "../../simulator/src";
import type { SimHost } from "../../simulator/src";
import { CREDENTIALS_DELEGATION } from "../../simulator/src/delegation-decision";
import { mitKdcUnavailableReason, MitRealm, startMitRealm } from "../../testkit/mit-kdc";

const unavailable = mitKdcUnavailableReason();
const describeKdc = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`Kerberos delegation tests skipped: ${unavailable}`);

jest.setTimeout(90_000);

const ADMIN = { name: "admin", password: "Adm1n!sim-P4ss", admin: true };
/** ERROR_WSMAN_CLIENT_ALLOWFRESHCREDENTIALS and its _NTLMONLY sibling, as PowerShell prints them (signed). */
const ALLOW_FRESH = "-2144108125";
const ALLOW_FRESH_NTLM_ONLY = "-2144108124";

const unwrap = (s: string) => s.replace(/\r\n/g, "\n").replace(/ \n/g, " ");

describeKdc("Kerberos in the delegation decision", () => {
  let realm: MitRealm;
  let hosts: SimHost[];
  let ws01: SimHost; // in the realm
  let ws02: SimHost; // a workgroup machine

  beforeAll(async () => {
    realm = await startMitRealm({ users: [{ name: "admin", password: ADMIN.password }], hosts: [{ fqdn: "ws01.corp.test" }, { fqdn: "srv01.corp.test" }] });
    hosts = await startHosts([
      { hostname: "ws01.corp.test", users: [ADMIN], keytab: realm.keytabFor("ws01.corp.test") },
      { hostname: "srv01.corp.test", users: [ADMIN], keytab: realm.keytabFor("srv01.corp.test") },
      { hostname: "ws02.corp.test", users: [ADMIN] },
    ]);
    [ws01, , ws02] = hosts;
    for (const ws of [ws01, ws02]) {
      ws.state.setConfig("Client/Auth/CredSSP", "true");
      // Only the NTLM-only list allows srv01.
      ws.state.registry.set("HKLM", CREDENTIALS_DELEGATION, "AllowFreshCredentialsWhenNTLMOnly", "REG_DWORD", 1);
      ws.state.registry.set("HKLM", `${CREDENTIALS_DELEGATION}\\AllowFreshCredentialsWhenNTLMOnly`, "1", "REG_SZ", "WSMAN/*.corp.test");
    }
  });
  afterAll(async () => {
    await Promise.all((hosts ?? []).map((h) => h.stop()));
    await realm?.stop();
  });

  async function invoke(from: SimHost, target: string): Promise<{ stdout: string; stderr: string }> {
    const c = new WinRMClient({ host: "127.0.0.1", port: Number(new URL(from.httpUrl!).port), auth: "ntlm", username: ADMIN.name, password: ADMIN.password, timeoutMs: 90_000 });
    try {
      const r = await c.runCommand("powershell.exe", [
        "-NoProfile",
        "-NonInteractive",
        "-Command",
        `$c = [pscredential]::new('admin', (ConvertTo-SecureString '${ADMIN.password}' -AsPlainText -Force)); ` +
          `Invoke-Command -ComputerName ${target} -Authentication CredSSP -Credential $c -ScriptBlock { hostname }`,
      ]);
      return { stdout: r.stdout, stderr: unwrap(r.stderr) };
    } finally {
      await c.close();
    }
  }

  it("by FQDN from a realm member: Kerberos-authenticated, so AllowFreshCredentials decides (TrustedHosts is not consulted)", async () => {
    expect(ws01.state.getConfig("Client/TrustedHosts")).toBe("");
    const text = (await invoke(ws01, "srv01.corp.test")).stderr;
    expect(text).toContain("A computer policy does not allow the delegation of the user credentials to the target computer. Use gpedit.msc");
    expect(text).toContain("Allow Delegating Fresh Credentials.");
    expect(text).toContain(`FullyQualifiedErrorId : ${ALLOW_FRESH},PSSessionStateBroken`);
  });

  it("by FQDN with WSMAN/<fqdn> in AllowFreshCredentials: delegated without any TrustedHosts entry, and the hop runs", async () => {
    const srv01 = hosts[1];
    srv01.state.setConfig("Service/Auth/CredSSP", "true");
    const fresh = `${CREDENTIALS_DELEGATION}\\AllowFreshCredentials`;
    ws01.state.registry.set("HKLM", CREDENTIALS_DELEGATION, "AllowFreshCredentials", "REG_DWORD", 1);
    ws01.state.registry.set("HKLM", fresh, "1", "REG_SZ", "WSMAN/srv01.corp.test");
    try {
      expect(ws01.state.getConfig("Client/TrustedHosts")).toBe("");
      const r = await invoke(ws01, "srv01.corp.test");
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("srv01\r\n");
    } finally {
      ws01.state.registry.deleteValue("HKLM", CREDENTIALS_DELEGATION, "AllowFreshCredentials");
      ws01.state.registry.deleteKey("HKLM", fresh);
      srv01.state.setConfig("Service/Auth/CredSSP", "false");
    }
  });

  it("by the NetBIOS name (no principal for it): NTLM-only, so TrustedHosts first, then the NTLM-only list", async () => {
    expect((await invoke(ws01, "srv01")).stderr).toContain("FullyQualifiedErrorId : ServerNotTrusted,PSSessionStateBroken");
    ws01.state.setConfig("Client/TrustedHosts", "srv01");
    try {
      // The NTLM-only list names WSMAN/*.corp.test, not WSMAN/srv01.
      const text = (await invoke(ws01, "srv01")).stderr;
      expect(text).toContain("because the computer is not trusted");
      expect(text).toContain(`FullyQualifiedErrorId : ${ALLOW_FRESH_NTLM_ONLY},PSSessionStateBroken`);
    } finally {
      ws01.state.setConfig("Client/TrustedHosts", "");
    }
  });

  it("from a workgroup client, even by FQDN: NTLM-only", async () => {
    expect((await invoke(ws02, "srv01.corp.test")).stderr).toContain("FullyQualifiedErrorId : ServerNotTrusted,PSSessionStateBroken");
  });
});
