// The round trip every language's program does through the provider plugin: up sets
// the double-hop topology, preview is clean, a refresh after out-of-band changes names
// exactly the drifted properties (from the provider's detailed diff), up converges, and
// destroy restores both hosts byte for byte. Each language supplies a runner that
// performs one engine operation on its program and reports what happened.
import { CREDENTIALS_DELEGATION_KEY } from "../../../provider/src/windows";
import { ADMIN, FleetHost, liveSnapshot, startFleet, stopFleet } from "../../../testkit/fleet";
import { oob } from "../../../testkit/out-of-band";
import { PluginEngine, pluginEngine, storedState } from "../../../testkit/plugin";

export const WS01 = "ws01.corp.test";
export const SRV01 = "srv01.corp.test";
export const RESOURCE_NAMES = ["srv01-accepts-credssp", "ws01-may-delegate", "ws01-offers-credssp", "ws01-trusts-srv01"];

export type Op = "up" | "preview" | "preview-refresh" | "destroy";

export interface Step {
  /** The resource's name (last URN segment). */
  name: string;
  op: string;
  /** The property paths of the provider's detailed diff. */
  properties: string[];
}

/** One operation's outcome, as each language's runner reports it. */
export interface Summary {
  result?: string;
  /** Resource count per operation (create, update, same, …). */
  changes: Record<string, number>;
  /** Steps other than same/refresh/read, for our resources only, sorted by name. */
  steps: Step[];
  outputs?: Record<string, unknown>;
}

export type Runner = (op: Op) => Promise<Summary>;

interface HostSettings {
  fqdn: string;
  /** What to connect to (the simulator's loopback address) and its port. */
  host: string;
  port: number;
}

/** What the programs read (the Python and Go ones as CREDSSP_ROUNDTRIP, in JSON). */
export interface ProgramSettings {
  project: string;
  stack: string;
  workDir: string;
  /** The CLI's install root, for the Automation APIs' PulumiCommand. */
  pulumiRoot: string;
  user: string;
  password: string;
  ws01: HostSettings;
  srv01: HostSettings;
}

export interface LanguageRun {
  engine: PluginEngine;
  settings: ProgramSettings;
}

async function expectTopology(ws01: FleetHost, srv01: FleetHost): Promise<void> {
  const ws = oob(ws01);
  expect(await oob(srv01).config("service/auth", "CredSSP")).toBe("true");
  expect(await ws.config("client/auth", "CredSSP")).toBe("true");
  expect(await ws.config("client", "TrustedHosts")).toBe(SRV01);
  expect(await ws.dword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials")).toBe(1);
  expect(await ws.dword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentialsWhenNTLMOnly")).toBe(1);
  // CredSSPClient and DelegationPolicy both want WSMAN/srv01 there: one entry.
  const fresh = await ws.entries(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`);
  expect(Object.values(fresh).map((v) => v.toLowerCase())).toEqual([`wsman/${SRV01}`]);
  expect(await ws.entries(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentialsWhenNTLMOnly`)).toEqual({ "1": `WSMAN/${SRV01}` });
}

const clean = (s: Summary) => {
  expect(s.steps).toEqual([]);
  expect(Object.keys(s.changes).filter((op) => op !== "same")).toEqual([]);
};

async function roundTrip(run: Runner, ws01: FleetHost, srv01: FleetHost, afterUp: () => void): Promise<void> {
  const before = [await liveSnapshot(ws01), await liveSnapshot(srv01)];

  const up = await run("up");
  expect(up.result).toBe("succeeded");
  expect(up.steps.filter((s) => s.op === "create").map((s) => s.name)).toEqual(RESOURCE_NAMES);
  expect(up.outputs).toMatchObject({ srv01CredSSP: true, ws01CredSSP: true, ws01TrustedHosts: SRV01 });
  await expectTopology(ws01, srv01);
  afterUp();

  clean(await run("preview"));

  // An admin undoes part of it by hand.
  const ws = oob(ws01);
  await ws.deleteValue(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentialsWhenNTLMOnly`, "1");
  await ws.setConfig("client/auth", "CredSSP", "false");
  await oob(srv01).setConfig("service/auth", "CredSSP", "false");

  const drift = await run("preview-refresh");
  expect(drift.steps).toEqual([
    { name: "srv01-accepts-credssp", op: "update", properties: ["enabled"] },
    { name: "ws01-may-delegate", op: "update", properties: ["allowFreshCredentialsWhenNTLMOnly"] },
    { name: "ws01-offers-credssp", op: "update", properties: ["enabled"] },
  ]);

  const converge = await run("up");
  expect(converge.result).toBe("succeeded");
  await expectTopology(ws01, srv01);
  clean(await run("preview"));

  const down = await run("destroy");
  expect(down.result).toBe("succeeded");
  expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
}

const SECRET_PASSWORD = /"password":\s*\{\s*"4dabf18193072939515e22adb298388d":\s*"1b47061264138c4ac30d75fd1eb44270",\s*"ciphertext"/g;

/**
 * The round trip as one test of the calling suite: two simulated hosts, a fresh engine
 * with the plugin installed, `prepare` (e.g. stack config), then the ops through `run`.
 * After up, the stored state holds the password only encrypted, `secretsAtRest` times.
 */
export function itRoundTrips(opts: {
  project: string;
  run: (op: Op, ctx: LanguageRun) => Promise<Summary>;
  prepare?: (ctx: LanguageRun) => Promise<void>;
  secretsAtRest: number;
}): void {
  let hosts: FleetHost[] = [];
  let ctx: LanguageRun | undefined;

  afterEach(async () => {
    if (ctx) {
      await opts.run("destroy", ctx).catch(() => undefined);
      ctx.engine.dispose();
    }
    ctx = undefined;
    await stopFleet(hosts);
    hosts = [];
  });

  it("round trip: up, clean preview, drift named by the provider's diff, converge, destroy restores both hosts", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    const engine = await pluginEngine();
    const host = (h: FleetHost) => ({ fqdn: h.fqdn, host: h.connection.host, port: h.connection.port });
    const settings: ProgramSettings = {
      project: opts.project,
      stack: "dev",
      workDir: engine.workDir,
      pulumiRoot: engine.pulumiRoot,
      user: ADMIN.name,
      password: ADMIN.password,
      ws01: host(ws01),
      srv01: host(srv01),
    };
    const run = (ctx = { engine, settings });
    await opts.prepare?.(run);
    await roundTrip((op) => opts.run(op, run), ws01, srv01, () => {
      const stored = storedState(engine.backendDir, opts.project);
      expect(stored).not.toContain(settings.password);
      expect(stored.match(SECRET_PASSWORD)).toHaveLength(opts.secretsAtRest);
    });
  });
}
