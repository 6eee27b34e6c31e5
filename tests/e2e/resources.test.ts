// The four resources end to end: the real Pulumi engine (Automation API, the
// project's CLI) drives the dynamic providers, which talk WinRM (NTLM, encrypted)
// to simulated Windows hosts on loopback. Windows state is observed only through
// WinRMClient reads (testkit/fleet.ts), never through the resources' outputs.
import * as fs from "node:fs";
import * as path from "node:path";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { doubleHop, settingsFromConfig } from "../../examples/double-hop/program";
import { CredSSPClient, CredSSPServer, DelegationPolicy, TrustedHosts } from "../../provider/src";
import { EngineStack, openStack, plannedChanges } from "../../scripts/engine";
import { FleetHost, liveSnapshot, startFleet, stopFleet } from "../../testkit/fleet";
import { oob } from "../../testkit/out-of-band";
import { CREDENTIALS_DELEGATION_KEY } from "../../provider/src/windows";

jest.setTimeout(300_000);

const WS01 = "ws01.corp.test";
const SRV01 = "srv01.corp.test";

function doubleHopProgram(ws01: FleetHost, srv01: FleetHost) {
  return async () => doubleHop({ ws01: { fqdn: ws01.fqdn, connection: ws01.connection }, srv01: { fqdn: srv01.fqdn, connection: srv01.connection } });
}

describe("resources through the real engine", () => {
  let hosts: FleetHost[] = [];
  let engine: EngineStack | undefined;

  afterEach(async () => {
    if (engine) {
      await engine.stack.destroy().catch(() => undefined);
      await engine.dispose();
    }
    engine = undefined;
    await stopFleet(hosts);
    hosts = [];
  });

  it("round trip: up sets exactly the documented values, preview is clean, destroy restores both hosts", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    const before = [await liveSnapshot(ws01), await liveSnapshot(srv01)];
    engine = await openStack({ projectName: "e2e-roundtrip", program: doubleHopProgram(ws01, srv01) });

    const up = await engine.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges?.create).toBe(5); // 4 resources + the stack

    const ws = oob(ws01);
    const srv = oob(srv01);
    expect(await srv.config("service/auth", "CredSSP")).toBe("true");
    expect(await ws.config("client/auth", "CredSSP")).toBe("true");
    expect(await ws.config("client", "TrustedHosts")).toBe(SRV01);
    expect(await ws.dword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials")).toBe(1);
    expect(await ws.dword(CREDENTIALS_DELEGATION_KEY, "ConcatenateDefaults_AllowFresh")).toBe(1);
    expect(await ws.dword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentialsWhenNTLMOnly")).toBe(1);
    expect(await ws.dword(CREDENTIALS_DELEGATION_KEY, "ConcatenateDefaults_AllowFreshNTLMOnly")).toBe(1);
    // CredSSPClient and DelegationPolicy both want WSMAN/srv01 in AllowFreshCredentials: one entry, not two.
    const fresh = await ws.entries(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`);
    expect(Object.keys(fresh)).toEqual(["1"]);
    expect(fresh["1"].toLowerCase()).toBe(`wsman/${SRV01}`);
    expect(await ws.entries(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentialsWhenNTLMOnly`)).toEqual({ "1": `WSMAN/${SRV01}` });

    const pv = await engine.stack.preview();
    expect(pv.changeSummary).toEqual({ same: 5 });

    const down = await engine.stack.destroy();
    expect(down.summary.result).toBe("succeeded");
    expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
  });

  it("the example program, configured through Pulumi config with a secret password, applies and destroys", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    const before = [await liveSnapshot(ws01), await liveSnapshot(srv01)];
    engine = await openStack({
      projectName: "credssp-double-hop",
      program: async () => doubleHop(settingsFromConfig()),
      config: {
        "credssp-double-hop:ws01Fqdn": { value: WS01 },
        "credssp-double-hop:ws01Address": { value: "127.0.0.1" },
        "credssp-double-hop:ws01Port": { value: String(ws01.port) },
        "credssp-double-hop:srv01Fqdn": { value: SRV01 },
        "credssp-double-hop:srv01Address": { value: "127.0.0.1" },
        "credssp-double-hop:srv01Port": { value: String(srv01.port) },
        "credssp-double-hop:user": { value: ws01.connection.user },
        "credssp-double-hop:password": { value: ws01.connection.password, secret: true },
      },
    });
    const up = await engine.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(up.outputs.summary.value).toContain(`WSMAN/${SRV01}`);
    expect(await oob(srv01).config("service/auth", "CredSSP")).toBe("true");
    expect((await engine.stack.destroy()).summary.result).toBe("succeeded");
    expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
  });

  it("an IP address as a delegation target gets a warning explaining the NTLM-only route, not an error", async () => {
    hosts = await startFleet([WS01]);
    const [ws01] = hosts;
    engine = await openStack({
      projectName: "e2e-ip-warning",
      program: async () => {
        new CredSSPClient("by-ip", { connection: ws01.connection, delegateComputers: ["10.20.30.40"] });
        new DelegationPolicy("spn-by-ip", { connection: ws01.connection, allowFreshCredentials: ["WSMAN/10.20.30.41"] });
      },
    });
    const pv = await engine.stack.preview();
    expect(pv.changeSummary.create).toBe(3);
    const text = pv.stdout + pv.stderr;
    expect(text).toMatch(/delegateComputers: "10\.20\.30\.40" is an IP address/);
    expect(text).toMatch(/allowFreshCredentials: "WSMAN\/10\.20\.30\.41" is an IP address/);
    expect(text).toMatch(/AllowFreshCredentialsWhenNTLMOnly/);
    expect(text).toMatch(/TrustedHosts/);
  });

  it("foreign entries survive: values, names, order and numbering gaps", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    const ws = oob(ws01);
    await ws.setConfig("client", "TrustedHosts", "legacy01,LEGACY02");
    await ws.setString(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`, "1", "TERMSRV/*");
    await ws.setString(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`, "3", "wsman/old.corp.test");
    await oob(srv01).setConfig("service/auth", "CredSSP", "true");
    const before = [await liveSnapshot(ws01), await liveSnapshot(srv01)];

    engine = await openStack({ projectName: "e2e-foreign", program: doubleHopProgram(ws01, srv01) });
    expect((await engine.stack.up()).summary.result).toBe("succeeded");
    expect(await ws.config("client", "TrustedHosts")).toBe(`legacy01,LEGACY02,${SRV01}`);
    const fresh = await ws.entries(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`);
    expect(fresh["1"]).toBe("TERMSRV/*");
    expect(fresh["3"]).toBe("wsman/old.corp.test");
    expect(Object.keys(fresh)).toEqual(["1", "3", "4"]); // after the highest, never count+1 (which would overwrite "3")
    expect(fresh["4"].toLowerCase()).toBe(`wsman/${SRV01}`);

    expect((await engine.stack.destroy()).summary.result).toBe("succeeded");
    expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
  });

  it("drift: preview --refresh names exactly the three drifted properties, and up converges", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    engine = await openStack({ projectName: "e2e-drift", program: doubleHopProgram(ws01, srv01) });
    expect((await engine.stack.up()).summary.result).toBe("succeeded");

    const ws = oob(ws01);
    await ws.deleteValue(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentialsWhenNTLMOnly`, "1");
    await ws.setConfig("client/auth", "CredSSP", "false");
    await ws.setConfig("client", "TrustedHosts", "intruder01");

    const events: EngineEvent[] = [];
    const pv = await engine.stack.preview({ refresh: true, diff: true, onEvent: (e) => events.push(e) });
    const drift = plannedChanges(events).map((c) => ({ name: c.name, op: c.op, properties: c.properties }));
    expect(drift.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: "ws01-may-delegate", op: "update", properties: ["allowFreshCredentialsWhenNTLMOnly"] },
      { name: "ws01-offers-credssp", op: "update", properties: ["enabled"] },
      { name: "ws01-trusts-srv01", op: "update", properties: ["hosts"] },
    ]);
    expect(pv.stdout).toMatch(/allowFreshCredentialsWhenNTLMOnly/);

    const up = await engine.stack.up({ refresh: true });
    expect(up.summary.result).toBe("succeeded");
    expect(await ws.config("client/auth", "CredSSP")).toBe("true");
    expect(await ws.config("client", "TrustedHosts")).toBe(`intruder01,${SRV01}`);
    expect(Object.values(await ws.entries(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentialsWhenNTLMOnly`))).toEqual([`WSMAN/${SRV01}`]);
    const again = await engine.stack.preview({ refresh: true });
    expect(again.changeSummary.update ?? 0).toBe(0);
  });

  it("bad input fails in check, naming the field, before any request is sent", async () => {
    hosts = await startFleet([WS01]);
    const [ws01] = hosts;
    const conn = ws01.connection;
    const cases: Array<[string, () => void, RegExp]> = [
      ["malformed host", () => new CredSSPServer("s", { connection: { ...conn, host: "bad host!" } }), /connection\.host/],
      ["port out of range", () => new CredSSPServer("s", { connection: { ...conn, port: 70000 } }), /connection\.port/],
      ["basic over http", () => new CredSSPServer("s", { connection: { ...conn, auth: "basic" } }), /connection\.auth/],
      ["empty list", () => new CredSSPClient("c", { connection: conn, delegateComputers: [] }), /delegateComputers/],
      ["duplicates", () => new TrustedHosts("t", { connection: conn, hosts: ["a.corp.test", "A.corp.test"] }), /hosts\[1\].*duplicate/],
      ["bad wildcard", () => new TrustedHosts("t", { connection: conn, hosts: ["srv*.corp.test"] }), /hosts\[0\].*wildcard/],
      ["malformed SPN", () => new DelegationPolicy("d", { connection: conn, allowFreshCredentials: ["srv01"] }), /allowFreshCredentials\[0\]/],
      ["bad SPN wildcard", () => new DelegationPolicy("d", { connection: conn, allowFreshCredentials: ["WSMAN/a.*.corp"] }), /allowFreshCredentials\[0\].*wildcard/],
    ];
    for (const [label, build, expected] of cases) {
      engine = await openStack({ projectName: "e2e-check", program: async () => void build() });
      const sent = ws01.sim.requestCount;
      const err = await engine.stack.preview().then(
        () => undefined,
        (e: Error) => e,
      );
      expect({ label, failed: err !== undefined }).toEqual({ label, failed: true });
      expect({ label, message: String(err?.message) }).toEqual({ label, message: expect.stringMatching(expected) });
      expect({ label, requests: ws01.sim.requestCount - sent }).toEqual({ label, requests: 0 });
      await engine.dispose();
      engine = undefined;
    }
  });

  it("secrets: the password appears nowhere in state, engine output or error text", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    engine = await openStack({ projectName: "e2e-secrets", program: doubleHopProgram(ws01, srv01) });
    const up = await engine.stack.up({ diff: true });
    const password = ws01.connection.password;
    // The state as the backend stores it at rest (the Automation API's exportStack
    // shows secrets decrypted, so read the backend's own file).
    const storedState = () => fs.readFileSync(path.join(engine!.backendDir, ".pulumi", "stacks", "e2e-secrets", "dev.json"), "utf8");
    const SECRET_PASSWORD = /"password":\s*\{\s*"4dabf18193072939515e22adb298388d":\s*"1b47061264138c4ac30d75fd1eb44270",\s*"ciphertext"/g;
    let stored = storedState();
    expect(stored).not.toContain(password);
    // inputs and outputs of each of the 4 resources hold it, each time encrypted
    expect(stored.match(SECRET_PASSWORD)).toHaveLength(8);
    // A refresh writes what `read` returned (outputs and inputs): still encrypted.
    const refresh = await engine.stack.refresh();
    stored = storedState();
    expect(stored).not.toContain(password);
    expect(stored.match(SECRET_PASSWORD)).toHaveLength(8);
    expect(refresh.stdout + refresh.stderr).not.toContain(password);
    // Nothing else leaks it either: the exported deployment marks it secret everywhere it appears.
    const exported = JSON.stringify(await engine.stack.exportStack());
    expect(exported.split(password).length - 1).toBe(exported.split('"plaintext":"\\"' + password).length - 1);
    expect(up.stdout + up.stderr).not.toContain(password);

    // A failure that carries the connection (wrong port) must not leak it either.
    const failing = await openStack({
      projectName: "e2e-secrets-fail",
      program: async () => void new CredSSPServer("s", { connection: { ...srv01.connection, port: 1 } }),
    });
    const err = await failing.stack.up().then(
      () => undefined,
      (e: Error) => e,
    );
    await failing.dispose();
    expect(err).toBeInstanceOf(Error);
    expect(String(err?.message)).toMatch(/127\.0\.0\.1:1/);
    expect(String(err?.message)).not.toContain(password);
  });

  it("a GPO-controlled setting fails with the policy named, and nothing is half-applied", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    await oob(srv01).setDword("SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service", "AllowCredSSP", 0);
    const before = [await liveSnapshot(ws01), await liveSnapshot(srv01)];
    engine = await openStack({ projectName: "e2e-gpo", program: doubleHopProgram(ws01, srv01) });
    const err = await engine.stack.up().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(String(err?.message)).toMatch(/HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service/);
    expect(String(err?.message)).toMatch(/Not Configured/);
    expect(await liveSnapshot(srv01)).toEqual(before[1]);
    // What did apply on ws01 is in state, so destroy takes it back.
    expect((await engine.stack.destroy()).summary.result).toBe("succeeded");
    expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
  });

  it("parallel: CredSSPClient and DelegationPolicy on one host both end up with all their entries", async () => {
    hosts = await startFleet([WS01]);
    const [ws01] = hosts;
    engine = await openStack({
      projectName: "e2e-parallel",
      program: async () => {
        new CredSSPClient("client", { connection: ws01.connection, delegateComputers: ["srv01.corp.test", "srv02.corp.test"] });
        new DelegationPolicy("policy", { connection: ws01.connection, allowFreshCredentials: ["WSMAN/app01.corp.test", "WSMAN/app02.corp.test"] });
      },
    });
    expect((await engine.stack.up()).summary.result).toBe("succeeded");
    const fresh = await oob(ws01).entries(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`);
    expect(Object.values(fresh).map((s) => s.toLowerCase()).sort()).toEqual([
      "wsman/app01.corp.test",
      "wsman/app02.corp.test",
      "wsman/srv01.corp.test",
      "wsman/srv02.corp.test",
    ]);
    expect(Object.keys(fresh).sort()).toEqual(["1", "2", "3", "4"]);
  });

  it("a connection dropped during the k-th write: up fails cleanly, a second up converges, nothing foreign is lost", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    const ws = oob(ws01);
    await ws.setConfig("client", "TrustedHosts", "legacy01");
    await ws.setString(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`, "2", "TERMSRV/*");
    const before = [await liveSnapshot(ws01), await liveSnapshot(srv01)];

    engine = await openStack({ projectName: "e2e-faults", program: doubleHopProgram(ws01, srv01) });
    // Cut the connection after k more requests, for several k, so the cut lands at
    // different points of the apply. A cut that hits a read is retried by the client
    // and the up succeeds; then destroy (which must restore the host) and go again.
    let failures = 0;
    for (const k of [6, 9, 12, 15, 18, 21, 24]) {
      ws01.sim.faults.dropAfter = k;
      const outcome = await engine.stack.up().then(
        () => "ok",
        (e: Error) => e.message,
      );
      ws01.sim.faults.dropAfter = undefined;
      const fresh = await ws.entries(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`);
      expect(fresh["2"]).toBe("TERMSRV/*"); // the foreign entry never moves or goes
      if (outcome === "ok") {
        expect((await engine.stack.destroy()).summary.result).toBe("succeeded");
        expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
        continue;
      }
      failures += 1;
      expect(outcome).toMatch(/ws01|127\.0\.0\.1/); // names the host
      expect(outcome).not.toContain(ws01.connection.password);
      if (failures === 3) break;
    }
    expect(failures).toBeGreaterThan(0);

    const second = await engine.stack.up();
    expect(second.summary.result).toBe("succeeded");
    expect(await ws.config("client", "TrustedHosts")).toBe(`legacy01,${SRV01}`);
    const fresh = await ws.entries(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`);
    expect(fresh["2"]).toBe("TERMSRV/*");
    expect(Object.values(fresh).filter((s) => s.toLowerCase() === `wsman/${SRV01}`)).toHaveLength(1);

    expect((await engine.stack.destroy()).summary.result).toBe("succeeded");
    expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
  });
});
