// Our KDC client against a real MIT KDC (krb5kdc in a throwaway realm, started here):
// AS with PREAUTH_REQUIRED and the KDC's ETYPE-INFO2 salt, TGS for HTTP/<fqdn>, the
// KDC's log as witness, key versions as MIT's klist/kvno see them, tickets from a
// kinit'd credential cache, UDP/TCP and the RESPONSE_TOO_BIG fallback, and each KDC
// error as its typed error.

import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { loadCcache } from "../../provider/src/winrm/kerberos/ccache";
import { getServiceTicket } from "../../provider/src/winrm/kerberos/credentials";
import {
  KdcUnreachableError,
  ApReqRejectedError,
  KerberosBadPasswordError,
  KerberosClockSkewError,
  KerberosNoCredentialsError,
  KerberosNoSpnError,
  KerberosPrincipalUnknownError,
} from "../../provider/src/winrm/kerberos/errors";
import { KerberosAcceptor, KerberosInitiator } from "../../provider/src/winrm/kerberos/gss";
import { KdcClient } from "../../provider/src/winrm/kerberos/kdc-client";
import { loadKeytab } from "../../provider/src/winrm/kerberos/keytab";
import { loadKrb5Config } from "../../provider/src/winrm/kerberos/krb5-conf";
import { parsePrincipal, servicePrincipal } from "../../provider/src/winrm/kerberos/principal";
import { mitKdcUnavailableReason, MitRealm, startMitRealm } from "../../testkit/mit-kdc";

const unavailable = mitKdcUnavailableReason();
const describeKdc = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`MIT KDC tests skipped: ${unavailable}`);

const SRV = "srv01.corp.test";

describeKdc("our KDC client against MIT krb5kdc", () => {
  let realm: MitRealm;
  beforeAll(async () => {
    realm = await startMitRealm({
      users: [
        { name: "alice", password: "Alice-Pass-1" },
        { name: "bob", password: "Bob-Pass-1", enctypes: ["arcfour-hmac:normal"] },
        // A random ("special") salt: only usable by reading the KDC's ETYPE-INFO2.
        { name: "carol", password: "Carol-Pass-1", enctypes: ["aes256-cts-hmac-sha1-96:special"] },
      ],
      hosts: [{ fqdn: SRV }, { fqdn: "srv02.corp.test" }],
    });
  });
  afterAll(async () => realm?.stop());

  const kdcAddr = () => ({ host: "127.0.0.1", port: realm.kdcPort });
  const client = (extra: Partial<ConstructorParameters<typeof KdcClient>[0]> = {}) => new KdcClient({ realm: "CORP.TEST", kdcs: [kdcAddr()], ...extra });
  const logSince = (mark: number) => realm.log().slice(mark);
  const mit = (cmd: string, args: string[], env = realm.env) => {
    const r = spawnSync(cmd, args, { env, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };

  it("gets a TGT by AS-REQ with PA-ENC-TIMESTAMP after PREAUTH_REQUIRED, then a service ticket by TGS-REQ; the KDC log shows both", async () => {
    const mark = realm.log().length;
    const kdc = client();
    const tgt = await kdc.getInitialCredential(parsePrincipal("alice@CORP.TEST"), "Alice-Pass-1");
    expect(tgt.server.name.components).toEqual(["krbtgt", "CORP.TEST"]);
    expect(tgt.sessionKey.keytype).toBe(18);
    const st = await kdc.getServiceCredential(tgt, servicePrincipal("HTTP", SRV, "CORP.TEST"));
    expect(st.server.name.components).toEqual(["HTTP", SRV]);
    expect(st.endtime).toBeGreaterThan(Date.now());

    const log = logSince(mark);
    expect(log).toMatch(/AS_REQ \(3 etypes \{aes256-cts-hmac-sha1-96\(18\), aes128-cts-hmac-sha1-96\(17\), [^)]*arcfour-hmac\(23\)\}\) 127\.0\.0\.1: NEEDED_PREAUTH: alice@CORP\.TEST for krbtgt\/CORP\.TEST@CORP\.TEST/);
    expect(log).toMatch(/AS_REQ .* ISSUE: .*etypes \{rep=aes256-cts-hmac-sha1-96\(18\).*\}, alice@CORP\.TEST for krbtgt\/CORP\.TEST@CORP\.TEST/);
    expect(log).toMatch(/TGS_REQ .* ISSUE: .* alice@CORP\.TEST for HTTP\/srv01\.corp\.test@CORP\.TEST/);
  });

  it("uses the reply key etype and salt the KDC names in ETYPE-INFO2 (an rc4-only user; a user with a random salt)", async () => {
    const mark = realm.log().length;
    const bob = await client().getInitialCredential(parsePrincipal("bob@CORP.TEST"), "Bob-Pass-1");
    expect(bob.client.name.components).toEqual(["bob"]);
    expect(logSince(mark)).toMatch(/ISSUE: .*etypes \{rep=[A-Z:]*arcfour-hmac\(23\).*bob@CORP\.TEST/);
    const carol = await client().getInitialCredential(parsePrincipal("carol@CORP.TEST"), "Carol-Pass-1");
    expect(carol.client.name.components).toEqual(["carol"]);
  });

  it("finds realm and KDC in krb5.conf (KRB5_CONFIG, [domain_realm], [realms]) and asks for HTTP/<fqdn>", async () => {
    const cfg = loadKrb5Config(realm.env);
    expect(cfg.files).toEqual([realm.krb5Conf]);
    expect(cfg.defaultRealm).toBe("CORP.TEST");
    expect(cfg.realms.get("CORP.TEST")!.kdcs).toEqual([{ host: "127.0.0.1", port: realm.kdcPort, transport: undefined }]);
    const t = await getServiceTicket(SRV, { username: "alice", password: "Alice-Pass-1", env: realm.env });
    expect(t.source).toBe("password");
    expect(t.spn.name.components).toEqual(["HTTP", SRV]);
    expect(t.credential.client.realm).toBe("CORP.TEST");
    // The same with the user written as a UPN and as DOMAIN\user.
    for (const username of ["alice@corp.test", "CORP\\alice"]) {
      const u = await getServiceTicket(SRV, { username, password: "Alice-Pass-1", env: realm.env });
      expect(u.credential.client.name.components).toEqual(["alice"]);
    }
  });

  it("agrees with MIT's klist -k and kvno on key versions, also after the service key changes", async () => {
    const keytab = realm.keytabFor(SRV);
    const klist = mit("klist", ["-k", keytab]);
    expect(klist).toMatch(/^\s+1 HTTP\/srv01\.corp\.test@CORP\.TEST$/m);
    expect(loadKeytab(keytab).filter((e) => e.principal.name.components[0] === "HTTP").map((e) => [e.kvno, e.enctype])).toEqual([
      [1, 18],
      [1, 17],
    ]);
    const ours = await getServiceTicket(SRV, { username: "alice", password: "Alice-Pass-1", env: realm.env });
    expect(ours.credential.ticket.encPart.kvno).toBe(1);
    const ccache = realm.kinit("alice", "Alice-Pass-1");
    expect(mit("kvno", ["-c", `FILE:${ccache}`, `HTTP/${SRV}`])).toMatch(/HTTP\/srv01\.corp\.test@CORP\.TEST: kvno = 1/);

    // New random key (kvno 2) for srv02: our ticket, MIT's kvno and the new keytab move together;
    // the old keytab no longer opens tickets.
    const oldKeytab = loadKeytab(realm.keytabFor("srv02.corp.test"));
    realm.kadmin("cpw -randkey HTTP/srv02.corp.test");
    const newKeytabFile = path.join(realm.dir, "srv02-v2.keytab");
    realm.kadmin(`ktadd -norandkey -k ${newKeytabFile} HTTP/srv02.corp.test`);
    expect(mit("klist", ["-k", newKeytabFile])).toMatch(/^\s+2 HTTP\/srv02\.corp\.test@CORP\.TEST$/m);
    expect(mit("kvno", ["-c", `FILE:${ccache}`, "HTTP/srv02.corp.test"])).toMatch(/kvno = 2/);
    const fresh = await getServiceTicket("srv02.corp.test", { username: "alice", password: "Alice-Pass-1", env: realm.env });
    expect(fresh.credential.ticket.encPart.kvno).toBe(2);
    const token = () => new KerberosInitiator({ credential: fresh.credential }).initialToken();
    let rejected: unknown;
    try {
      new KerberosAcceptor({ keytab: oldKeytab }).accept(token());
    } catch (err) {
      rejected = err;
    }
    expect(rejected).toBeInstanceOf(ApReqRejectedError);
    expect(rejected).toMatchObject({ krbErrorName: "KRB_AP_ERR_BADKEYVER", krbErrorCode: 44 });
    expect(new KerberosAcceptor({ keytab: loadKeytab(newKeytabFile) }).accept(token()).client.name.components).toEqual(["alice"]);
  });

  it("uses a kinit'd credential cache (KRB5CCNAME, MIT's FILE format v4) when no password is given", async () => {
    const ccache = realm.kinit("alice", "Alice-Pass-1");
    const env = { ...realm.env, KRB5CCNAME: `FILE:${ccache}` };
    const cache = loadCcache(env);
    expect(cache.version).toBe(0x0504);
    expect(cache.defaultPrincipal.name.components).toEqual(["alice"]);
    expect(cache.credentials.map((c) => c.server.name.components.join("/"))).toContain("krbtgt/CORP.TEST");

    // The TGT from the cache buys a service ticket (a TGS_REQ of ours in the log).
    let mark = realm.log().length;
    const viaTgt = await getServiceTicket(SRV, { env });
    expect(viaTgt.source).toBe("ccache");
    expect(viaTgt.credential.client.name.components).toEqual(["alice"]);
    expect(logSince(mark)).toMatch(/TGS_REQ .* ISSUE: .* alice@CORP\.TEST for HTTP\/srv01\.corp\.test@CORP\.TEST/);

    // After MIT's kvno put the service ticket in the cache, we use it without asking the KDC.
    mit("kvno", ["-c", `FILE:${ccache}`, `HTTP/${SRV}`]);
    mark = realm.log().length;
    const cached = await getServiceTicket(SRV, { env, username: "alice" });
    expect(cached.credential.server.name.components).toEqual(["HTTP", SRV]);
    expect(logSince(mark)).toBe("");

    await expect(getServiceTicket(SRV, { env, username: "bob" })).rejects.toThrow(/holds tickets for alice@CORP\.TEST, not bob@CORP\.TEST/);
    await expect(getServiceTicket(SRV, { env: { ...realm.env, KRB5CCNAME: `FILE:${realm.dir}/none` } })).rejects.toThrow(KerberosNoCredentialsError);
    await expect(getServiceTicket(SRV, { env: { ...realm.env, KRB5CCNAME: "KEYRING:persistent:0" } })).rejects.toThrow(/type KEYRING.*KRB5CCNAME=FILE:/);
  });

  it("a wrong password is WINRM_KRB_BAD_PASSWORD naming KDC_ERR_PREAUTH_FAILED (24)", async () => {
    const err = await client().getInitialCredential(parsePrincipal("alice@CORP.TEST"), "Wr0ng-Secret-9").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KerberosBadPasswordError);
    expect(err).toMatchObject({ code: "WINRM_KRB_BAD_PASSWORD", krbErrorCode: 24, krbErrorName: "KDC_ERR_PREAUTH_FAILED" });
    expect((err as Error).message).toMatch(/KDC_ERR_PREAUTH_FAILED \(24\).*password for alice@CORP\.TEST is wrong/);
    expect(`${(err as Error).message} ${(err as Error).stack}`).not.toContain("Wr0ng-Secret-9");
  });

  it("an unknown user is WINRM_KRB_PRINCIPAL_UNKNOWN naming KDC_ERR_C_PRINCIPAL_UNKNOWN (6)", async () => {
    const err = await client().getInitialCredential(parsePrincipal("mallory@CORP.TEST"), "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KerberosPrincipalUnknownError);
    expect(err).toMatchObject({ code: "WINRM_KRB_PRINCIPAL_UNKNOWN", krbErrorCode: 6 });
    expect((err as Error).message).toMatch(/KDC_ERR_C_PRINCIPAL_UNKNOWN \(6\).*no user mallory@CORP\.TEST.*realm/);
  });

  it("a host without an SPN is WINRM_KRB_NO_SPN naming KDC_ERR_S_PRINCIPAL_UNKNOWN (7) and the SPN to register", async () => {
    const err = await getServiceTicket("10.0.0.5", { username: "alice", password: "Alice-Pass-1", env: realm.env, realm: "CORP.TEST" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KerberosNoSpnError);
    expect(err).toMatchObject({ code: "WINRM_KRB_NO_SPN", krbErrorCode: 7 });
    expect((err as Error).message).toMatch(/KDC_ERR_S_PRINCIPAL_UNKNOWN \(7\).*HTTP\/10\.0\.0\.5@CORP\.TEST.*fully qualified name.*setspn -S HTTP\/10\.0\.0\.5/);
  });

  it("a client clock 20 minutes fast is WINRM_KRB_CLOCK_SKEW naming KRB_AP_ERR_SKEW (37) and the offset", async () => {
    const err = await client({ now: () => Date.now() + 20 * 60_000 }).getInitialCredential(parsePrincipal("alice@CORP.TEST"), "Alice-Pass-1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KerberosClockSkewError);
    expect(err).toMatchObject({ code: "WINRM_KRB_CLOCK_SKEW", krbErrorCode: 37 });
    expect(Math.abs((err as KerberosClockSkewError).skewSeconds! + 1200)).toBeLessThan(10);
    expect((err as Error).message).toMatch(/KRB_AP_ERR_SKEW \(37\).*its clock is 1[12]\d\d s behind ours.*synchronise/);
  });

  it("talks TCP when UDP is not preferred, and says which KDCs it tried when none answers", async () => {
    const attempts: string[] = [];
    const tcpOnly = client({ transport: { udpPreferenceLimit: 1, onAttempt: (_k, t) => attempts.push(t) } });
    await tcpOnly.getInitialCredential(parsePrincipal("alice@CORP.TEST"), "Alice-Pass-1");
    expect(new Set(attempts)).toEqual(new Set(["tcp"]));

    const dead = new KdcClient({ realm: "CORP.TEST", kdcs: [{ host: "127.0.0.1", port: 9 }], transport: { timeoutMs: 300 } });
    const err = await dead.getInitialCredential(parsePrincipal("alice@CORP.TEST"), "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KdcUnreachableError);
    expect((err as Error).message).toMatch(/no KDC for realm CORP\.TEST answered \(127\.0\.0\.1:9\).*\/udp.*\/tcp/);
  });
});

describeKdc("a KDC whose UDP replies are capped", () => {
  let realm: MitRealm;
  beforeAll(async () => {
    realm = await startMitRealm({ users: [{ name: "alice", password: "Alice-Pass-1" }], hosts: [{ fqdn: SRV }], maxDgramReplySize: 400 });
  });
  afterAll(async () => realm?.stop());

  it("answers KRB_ERR_RESPONSE_TOO_BIG over UDP, and we retry the same request over TCP", async () => {
    const attempts: string[] = [];
    const kdc = new KdcClient({ realm: "CORP.TEST", kdcs: [{ host: "127.0.0.1", port: realm.kdcPort }], transport: { onAttempt: (_k, t) => attempts.push(t) } });
    const tgt = await kdc.getInitialCredential(parsePrincipal("alice@CORP.TEST"), "Alice-Pass-1");
    await kdc.getServiceCredential(tgt, servicePrincipal("HTTP", SRV, "CORP.TEST"));
    // The PREAUTH_REQUIRED error fits a datagram; the AS-REP and TGS-REP (tickets inside) do not.
    expect(attempts).toEqual(["udp", "udp", "tcp", "udp", "tcp"]);
  });
});
