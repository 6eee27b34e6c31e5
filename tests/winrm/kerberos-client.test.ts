// Our WinRMClient over Kerberos against simulated hosts, with a real MIT KDC (a throwaway
// realm CORP.TEST started here): auth "kerberos" over HTTP (messages encrypted with the
// Kerberos context) and HTTPS (channel bindings), tickets from a password or a kinit'd
// credential cache, realm/KDC from krb5.conf or given explicitly, rc4-hmac, the Kerberos
// HTTP scheme, auth "negotiate" choosing Kerberos or falling back to NTLM as Windows'
// Negotiate does, Kerberos inside CredSSP, and each Kerberos failure as its typed error.

import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { WinRMClient } from "../../provider/src/winrm";
import type { WinRMClientOptions } from "../../provider/src/winrm";
import { startHost } from "../../simulator/src";
import type { SimHost } from "../../simulator/src";
import { mitKdcUnavailableReason, MitRealm, startMitRealm } from "../../testkit/mit-kdc";
import { caught } from "../support/caught";

const unavailable = mitKdcUnavailableReason();
const describeKdc = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`Kerberos client tests skipped: ${unavailable}`);

jest.setTimeout(60_000);

const SRV01 = "srv01.corp.test";
const LEGACY = "legacy01.corp.test";
const SRV02 = "srv02.corp.test"; // in the realm, but its simulated host has no keytab
const ALICE = { name: "alice", password: "Alice-Pass-1" };
const CONFIG_URI = "http://schemas.microsoft.com/wbem/wsman/1/config";
const SYSTEM_POLICIES = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System";

describeKdc("WinRMClient over Kerberos, against the simulator and a real KDC", () => {
  let realm: MitRealm;
  let srv01: SimHost;
  let legacy: SimHost;
  let srv02: SimHost;
  const users = [{ ...ALICE, admin: true }, { name: "localadmin", password: "L0cal!pw", admin: true }, { name: "bob", password: "Bob-Pass-1", admin: true }];

  beforeAll(async () => {
    realm = await startMitRealm({
      users: [ALICE, { name: "zoe", password: "Zoe-Pass-1" }, { name: "bob", password: "Bob-Pass-1" }],
      hosts: [{ fqdn: SRV01 }, { fqdn: LEGACY, enctypes: ["arcfour-hmac:normal"] }, { fqdn: SRV02 }],
    });
    srv01 = await startHost({ hostname: SRV01, https: "127.0.0.1:0", users, keytab: realm.keytabFor(SRV01), set: { "Service/Auth/CredSSP": "true" } });
    legacy = await startHost({ hostname: LEGACY, users, keytab: realm.keytabFor(LEGACY) });
    srv02 = await startHost({ hostname: SRV02, users });
  });
  afterAll(async () => {
    await Promise.all([srv01, legacy, srv02].map((h) => h?.stop()));
    await realm?.stop();
  });

  const portOf = (url: string) => Number(new URL(url).port);
  /** A client for `host` reached on loopback; Kerberos names it by its FQDN (kerberosHostname). */
  function client(host: SimHost, extra: Partial<WinRMClientOptions> = {}): WinRMClient {
    const https = extra.https === true;
    return new WinRMClient({
      host: "127.0.0.1",
      port: portOf(https ? host.httpsUrl! : host.httpUrl!),
      kerberosHostname: host.hostname,
      auth: "kerberos",
      username: ALICE.name,
      password: ALICE.password,
      kerberosEnv: realm.env,
      retries: 0,
      ...(https ? { caCert: host.certPem, serverName: host.hostname } : {}),
      ...extra,
    });
  }
  async function whoami(c: WinRMClient): Promise<string> {
    try {
      return (await c.runCommand("whoami")).stdout.trim();
    } finally {
      await c.close();
    }
  }

  it("auth kerberos over HTTP: mutual authentication, the principal mapped to the local account, one handshake for many requests", async () => {
    const c = client(srv01);
    try {
      expect((await c.runCommand("hostname")).stdout).toBe("srv01\r\n");
      expect((await c.runCommand("whoami")).stdout).toBe("srv01\\alice\r\n");
      await c.get(CONFIG_URI);
      expect(c.authMechanism).toBe("kerberos");
      expect(srv01.sessions()).toEqual([expect.objectContaining({ scheme: "Negotiate", mechanism: "kerberos", principal: "alice@CORP.TEST" })]);
      // The KDC saw our AS-REQ and TGS-REQ for HTTP/srv01 once: the ticket is reused.
      expect(realm.log().match(/TGS_REQ .* alice@CORP\.TEST for HTTP\/srv01\.corp\.test@CORP\.TEST/g)?.length).toBe(1);
    } finally {
      await c.close();
    }
  });

  it("over HTTP, a host that refuses plaintext still answers: the messages are Kerberos-encrypted", async () => {
    expect(srv01.state.getConfig("Service/AllowUnencrypted")).toBe("false");
    const c = client(srv01);
    try {
      const big = "k".repeat(20_000);
      expect((await c.runCommand("cmd", ["/c", "echo", big])).stdout).toBe(`${big}\r\n`);
    } finally {
      await c.close();
    }
  });

  it("over HTTPS with CbtHardeningLevel=Strict: the AP-REQ carries the channel bindings of the listener's certificate", async () => {
    srv01.state.setConfig("Service/Auth/CbtHardeningLevel", "Strict");
    try {
      expect(await whoami(client(srv01, { https: true }))).toBe("srv01\\alice");
    } finally {
      srv01.state.setConfig("Service/Auth/CbtHardeningLevel", "Relaxed");
    }
  });

  it("without a password: the ticket comes from the credential cache kinit filled (KRB5CCNAME)", async () => {
    const ccache = realm.kinit("alice", ALICE.password);
    const env = { ...realm.env, KRB5CCNAME: `FILE:${ccache}` };
    expect(await whoami(client(srv01, { password: undefined, kerberosEnv: env }))).toBe("srv01\\alice");
    // A cache that holds someone else's tickets is not used for alice.
    const zoeCache = realm.kinit("zoe", "Zoe-Pass-1");
    const err = await caught(whoami(client(srv01, { password: undefined, kerberosEnv: { ...realm.env, KRB5CCNAME: `FILE:${zoeCache}` } })));
    expect(err).toMatchObject({ code: "WINRM_KRB_NO_CREDENTIALS" });
    expect(String(err)).toMatch(/holds tickets for zoe@CORP\.TEST, not alice@CORP\.TEST: run kinit alice@CORP\.TEST/);
  });

  it("without any krb5.conf: the connection's realm and kdc are enough", async () => {
    const env = { KRB5_CONFIG: path.join(realm.dir, "no-such-krb5.conf") };
    expect(await whoami(client(srv01, { kerberosEnv: env, realm: "CORP.TEST", kdc: `127.0.0.1:${realm.kdcPort}` }))).toBe("srv01\\alice");
    const err = await caught(whoami(client(srv01, { kerberosEnv: env })));
    expect(err).toMatchObject({ code: "WINRM_KRB_CONFIG" });
    expect(String(err)).toMatch(/no KDC known for realm CORP\.TEST/);
  });

  it("an explicit realm wins over an unrelated krb5.conf (Debian's default names ATHENA.MIT.EDU): the host is asked for in the user's realm", async () => {
    const conf = path.join(realm.dir, "unrelated-krb5.conf");
    fs.writeFileSync(conf, "[libdefaults]\n    default_realm = ATHENA.MIT.EDU\n[realms]\n    ATHENA.MIT.EDU = {\n        kdc = 127.0.0.1:1\n    }\n");
    const env = { KRB5_CONFIG: conf };
    expect(await whoami(client(srv01, { kerberosEnv: env, realm: "CORP.TEST", kdc: `127.0.0.1:${realm.kdcPort}` }))).toBe("srv01\\alice");
  });

  it("an rc4-hmac-only host (RFC 4757 tokens for the messages)", async () => {
    expect(await whoami(client(legacy))).toBe("legacy01\\alice");
  });

  it("a host offering Kerberos but not Negotiate gets the raw AP-REQ under the Kerberos scheme", async () => {
    srv01.state.setConfig("Service/Auth/Negotiate", "false");
    try {
      for (const https of [false, true]) {
        const c = client(srv01, { https });
        try {
          // Over HTTP the host takes only application/HTTP-Kerberos-session-encrypted on such a connection.
          expect((await c.runCommand("whoami")).stdout).toBe("srv01\\alice\r\n");
          expect(srv01.sessions().at(-1)).toMatchObject({ scheme: "Kerberos", mechanism: "kerberos" });
        } finally {
          await c.close();
        }
      }
    } finally {
      srv01.state.setConfig("Service/Auth/Negotiate", "true");
    }
  });

  describe('auth "negotiate"', () => {
    async function negotiate(host: SimHost, extra: Partial<WinRMClientOptions> = {}) {
      const c = client(host, { auth: "negotiate", ...extra });
      try {
        await c.get(CONFIG_URI);
        return { mechanism: c.authMechanism, session: host.sessions().at(-1) };
      } finally {
        await c.close();
      }
    }

    it("uses Kerberos when a ticket can be had for the host", async () => {
      expect(await negotiate(srv01)).toMatchObject({ mechanism: "kerberos", session: { mechanism: "kerberos", principal: "alice@CORP.TEST" } });
    });

    it("falls back to NTLM for an address, for a name without an SPN, and for a user the realm does not know", async () => {
      expect(await negotiate(srv01, { kerberosHostname: undefined })).toMatchObject({ mechanism: "ntlm", session: { mechanism: "ntlm" } });
      expect(await negotiate(srv01, { kerberosHostname: "alias.corp.test" })).toMatchObject({ mechanism: "ntlm" });
      // A local account of the host, unknown to the KDC: NTLM, as for any workgroup login
      // (remote UAC would filter this second administrator's token: allowed for the test).
      srv01.state.registry.set("HKLM", SYSTEM_POLICIES, "LocalAccountTokenFilterPolicy", "REG_DWORD", 1);
      try {
        expect(await negotiate(srv01, { username: "localadmin", password: "L0cal!pw" })).toMatchObject({ mechanism: "ntlm", session: { account: { name: "localadmin" } } });
      } finally {
        srv01.state.registry.deleteValue("HKLM", SYSTEM_POLICIES, "LocalAccountTokenFilterPolicy");
      }
    });

    it("with a ticket for a host that has no keytab, SPNEGO settles on NTLM in the same exchange", async () => {
      expect(await negotiate(srv02)).toMatchObject({ mechanism: "ntlm", session: { scheme: "Negotiate", mechanism: "ntlm" } });
    });

    it("a wrong password is reported, not papered over with NTLM", async () => {
      expect(await caught(negotiate(srv01, { password: "wrong" }))).toMatchObject({ code: "WINRM_KRB_BAD_PASSWORD" });
    });
  });

  describe("typed errors through WinRMClient", () => {
    it("a wrong password: KDC_ERR_PREAUTH_FAILED", async () => {
      const err = await caught(whoami(client(srv01, { password: "not-her-password" })));
      expect(err).toMatchObject({ name: "KerberosBadPasswordError", code: "WINRM_KRB_BAD_PASSWORD", krbErrorName: "KDC_ERR_PREAUTH_FAILED" });
      expect(String(err)).not.toContain("not-her-password");
    });

    it("an unknown principal: KDC_ERR_C_PRINCIPAL_UNKNOWN", async () => {
      const err = await caught(whoami(client(srv01, { username: "mallory" })));
      expect(err).toMatchObject({ name: "KerberosPrincipalUnknownError", code: "WINRM_KRB_PRINCIPAL_UNKNOWN", krbErrorCode: 6 });
      expect(String(err)).toMatch(/no user mallory@CORP\.TEST/);
    });

    it("a skewed clock: the host answers KRB_AP_ERR_SKEW, which names the difference", async () => {
      srv01.faults.clockSkewSeconds = 900;
      try {
        const err = await caught(whoami(client(srv01)));
        expect(err).toMatchObject({ name: "KerberosClockSkewError", code: "WINRM_KRB_CLOCK_SKEW", krbErrorCode: 37, exchange: "AP" });
        expect((err as unknown as { skewSeconds: number }).skewSeconds).toBeGreaterThanOrEqual(895);
        expect(String(err)).toMatch(/its clock is 9\d\d s ahead of ours/);
      } finally {
        srv01.faults.clockSkewSeconds = 0;
      }
    });

    it("a missing SPN: KDC_ERR_S_PRINCIPAL_UNKNOWN with the setspn hint", async () => {
      const err = await caught(whoami(client(srv01, { kerberosHostname: "alias.corp.test" })));
      expect(err).toMatchObject({ name: "KerberosNoSpnError", code: "WINRM_KRB_NO_SPN", krbErrorCode: 7 });
      expect(String(err)).toMatch(/setspn -S HTTP\/alias\.corp\.test <computer account>/);
    });

    it("remote UAC filters local accounts, not a domain (Kerberos) logon: bob, a second administrator, gets in with Kerberos but not with NTLM", async () => {
      expect(await whoami(client(srv01, { username: "bob", password: "Bob-Pass-1" }))).toBe("srv01\\bob");
      const err = await caught(whoami(client(srv01, { auth: "ntlm", username: "bob", password: "Bob-Pass-1", kerberosHostname: undefined })));
      expect(err).toMatchObject({ code: "WINRM_AUTH", reason: "bad-credentials" });
      expect(String(err)).toMatch(/LocalAccountTokenFilterPolicy/);
    });

    it("a realm user with no account on the host: refused like a failed logon", async () => {
      const err = await caught(whoami(client(srv01, { username: "zoe", password: "Zoe-Pass-1" })));
      expect(err).toMatchObject({ code: "WINRM_AUTH", reason: "bad-credentials" });
    });

    it("an address without kerberosHostname is refused before any request", () => {
      expect(() => client(srv01, { kerberosHostname: undefined })).toThrow(/needs the host's name, not the address 127\.0\.0\.1/);
    });

    it("a server that answers 200 without an AP-REP fails mutual authentication", async () => {
      const impostor = http.createServer((req, res) => {
        req.resume();
        req.on("end", () => {
          res.statusCode = req.headers.authorization ? 200 : 401;
          if (!req.headers.authorization) res.setHeader("WWW-Authenticate", "Negotiate");
          res.end();
        });
      });
      await new Promise<void>((r) => impostor.listen(0, "127.0.0.1", () => r()));
      try {
        const c = new WinRMClient({
          host: "127.0.0.1",
          port: (impostor.address() as AddressInfo).port,
          kerberosHostname: SRV01,
          auth: "kerberos",
          username: ALICE.name,
          password: ALICE.password,
          kerberosEnv: realm.env,
          retries: 0,
        });
        const err = await caught(whoami(c));
        expect(err).toMatchObject({ code: "WINRM_PROTOCOL" });
        expect(String(err)).toMatch(/without proving its identity \(no Kerberos AP-REP\)/);
      } finally {
        impostor.close();
      }
    });
  });

  describe("CredSSP with Kerberos inside", () => {
    it("the inner SPNEGO picks Kerberos when a ticket can be had, and the password is delegated", async () => {
      const c = client(srv01, { auth: "credssp" });
      try {
        expect((await c.runCommand("whoami")).stdout).toBe("srv01\\alice\r\n");
        expect(c.authMechanism).toBe("credssp/kerberos");
        const session = srv01.sessions().at(-1)!;
        expect(session).toMatchObject({ scheme: "CredSSP", mechanism: "kerberos", principal: "alice@CORP.TEST" });
        expect(session.delegatedCredentials?.user).toBe("alice");
      } finally {
        await c.close();
      }
    });

    it("and NTLM when none can (an address)", async () => {
      const c = client(srv01, { auth: "credssp", kerberosHostname: undefined });
      try {
        await c.get(CONFIG_URI);
        expect(c.authMechanism).toBe("credssp/ntlm");
      } finally {
        await c.close();
      }
    });
  });
});
