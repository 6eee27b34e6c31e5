// The four resources end to end over Kerberos: the real Pulumi engine drives the dynamic
// providers, which get tickets from a real MIT KDC (a throwaway realm CORP.TEST started
// here) and talk WinRM to simulated hosts that hold their keytabs — over HTTP, every
// message encrypted with the Kerberos context. The realm password differs from the
// hosts' local one, so NTLM could not have authenticated any of it. Windows state is
// observed out of band (NTLM reads, testkit/fleet.ts), never through resource outputs.
import * as fs from "node:fs";
import * as path from "node:path";
import { doubleHop, settingsFromConfig } from "../../examples/double-hop/program";
import { CREDENTIALS_DELEGATION_KEY } from "../../provider/src/windows";
import { EngineStack, openStack } from "../../scripts/engine";
import { FleetHost, liveSnapshot, startFleetHost } from "../../testkit/fleet";
import { mitKdcUnavailableReason, MitRealm, startMitRealm } from "../../testkit/mit-kdc";
import { oob } from "../../testkit/out-of-band";
import { tearDown } from "./support/teardown";

const unavailable = mitKdcUnavailableReason();
const describeKdc = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`Kerberos e2e tests skipped: ${unavailable}`);

jest.setTimeout(300_000);

const WS01 = "ws01.corp.test";
const SRV01 = "srv01.corp.test";
/** admin@CORP.TEST's password: not the hosts' local admin password. */
const REALM_PASSWORD = "Realm-Adm1n-Pass";

describeKdc("the resources over Kerberos, through the real engine", () => {
  let realm: MitRealm;
  let hosts: FleetHost[] = [];
  let engine: EngineStack | undefined;

  beforeAll(async () => {
    realm = await startMitRealm({ users: [{ name: "admin", password: REALM_PASSWORD }], hosts: [{ fqdn: WS01 }, { fqdn: SRV01 }] });
  });
  afterAll(async () => realm?.stop());
  afterEach(async () => {
    await tearDown(engine, hosts);
    engine = undefined;
    hosts = [];
  });

  /** The resources' connection: Kerberos to the host's FQDN (reached on loopback), realm and KDC given, no krb5.conf needed. */
  const kerberos = (h: FleetHost) => ({
    host: "127.0.0.1",
    port: h.port,
    auth: "kerberos" as const,
    kerberosHostname: h.fqdn,
    realm: "CORP.TEST",
    kdc: `127.0.0.1:${realm.kdcPort}`,
    user: "admin",
    password: REALM_PASSWORD,
  });
  const program = (ws01: FleetHost, srv01: FleetHost) => async () =>
    doubleHop({ ws01: { fqdn: ws01.fqdn, connection: kerberos(ws01) }, srv01: { fqdn: srv01.fqdn, connection: kerberos(srv01) } });
  const startHosts = async () => {
    hosts = [await startFleetHost(WS01, { keytab: realm.keytabFor(WS01) }), await startFleetHost(SRV01, { keytab: realm.keytabFor(SRV01) })];
    return hosts;
  };

  it("up sets exactly the documented values, preview is clean, destroy restores both hosts; the KDC issued the tickets", async () => {
    const [ws01, srv01] = await startHosts();
    const before = [await liveSnapshot(ws01), await liveSnapshot(srv01)];
    const mark = realm.log().length;
    engine = await openStack({ projectName: "e2e-kerberos", program: program(ws01, srv01) });

    const up = await engine.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges?.create).toBe(5);
    const ws = oob(ws01);
    expect(await oob(srv01).config("service/auth", "CredSSP")).toBe("true");
    expect(await ws.config("client/auth", "CredSSP")).toBe("true");
    expect(await ws.config("client", "TrustedHosts")).toBe(SRV01);
    // Which resource writes the shared entry first (CredSSPClient: Enable-WSManCredSSP's
    // "wsman/"; DelegationPolicy: the program's "WSMAN/") depends on the engine's parallel
    // creates; SPN service classes compare case-insensitively.
    const spnEntries = async (key: string) => Object.fromEntries(Object.entries(await ws.entries(key)).map(([k, v]) => [k, String(v).toLowerCase()]));
    expect(await spnEntries(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`)).toEqual({ "1": `wsman/${SRV01}`.toLowerCase() });
    expect(await spnEntries(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentialsWhenNTLMOnly`)).toEqual({ "1": `wsman/${SRV01}`.toLowerCase() });
    const log = realm.log().slice(mark);
    expect(log).toMatch(/AS_REQ .* ISSUE: .* admin@CORP\.TEST for krbtgt\/CORP\.TEST@CORP\.TEST/);
    expect(log).toMatch(/TGS_REQ .* ISSUE: .* admin@CORP\.TEST for HTTP\/ws01\.corp\.test@CORP\.TEST/);
    expect(log).toMatch(/TGS_REQ .* ISSUE: .* admin@CORP\.TEST for HTTP\/srv01\.corp\.test@CORP\.TEST/);

    // The realm password is a secret in state, like any connection password.
    const stored = fs.readFileSync(path.join(engine.backendDir, ".pulumi", "stacks", "e2e-kerberos", "dev.json"), "utf8");
    expect(stored.includes(REALM_PASSWORD)).toBe(false);
    expect(stored.includes('"auth":"kerberos"')).toBe(true);

    expect((await engine.stack.preview()).changeSummary).toEqual({ same: 5 });
    expect((await engine.stack.destroy()).summary.result).toBe("succeeded");
    expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
  });

  it("the example program configured for Kerberos: a wrong realm password fails the up with the KDC's error code and what to do, nothing applied, no password shown", async () => {
    const [ws01, srv01] = await startHosts();
    const before = [await liveSnapshot(ws01), await liveSnapshot(srv01)];
    engine = await openStack({
      projectName: "credssp-double-hop",
      program: async () => doubleHop(settingsFromConfig()),
      config: {
        "credssp-double-hop:auth": { value: "kerberos" },
        "credssp-double-hop:realm": { value: "CORP.TEST" },
        "credssp-double-hop:kdc": { value: `127.0.0.1:${realm.kdcPort}` },
        "credssp-double-hop:ws01Fqdn": { value: WS01 },
        "credssp-double-hop:ws01Address": { value: "127.0.0.1" },
        "credssp-double-hop:ws01Port": { value: String(ws01.port) },
        "credssp-double-hop:srv01Fqdn": { value: SRV01 },
        "credssp-double-hop:srv01Address": { value: "127.0.0.1" },
        "credssp-double-hop:srv01Port": { value: String(srv01.port) },
        "credssp-double-hop:user": { value: "admin" },
        "credssp-double-hop:password": { value: "Wrong-Realm-Pass", secret: true },
      },
    });
    const err = await engine.stack.up().then(
      () => undefined,
      (e: Error) => e,
    );
    const text = String(err?.message);
    expect(text).toMatch(/Kerberos authentication failed: .*KDC_ERR_PREAUTH_FAILED \(24\)/);
    expect(text).toMatch(/the password for admin@CORP\.TEST is wrong/);
    expect(text).not.toContain("Wrong-Realm-Pass");
    expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
  });
});
