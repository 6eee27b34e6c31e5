// Hosts managed by pulumi-credssp 0.1 — state without a ledger — keep working: each
// resource registers in its host's ledger on its next update or delete, from the
// `owned` record in its state. The fixture (tests/e2e/fixtures/v0.1-double-hop, made
// by its generate.ts inside a checkout of 0.1) is what 0.1 itself left: the stack's
// exported state and the two simulated hosts' state files, before and after its up.
// The hosts are observed out of band (testkit), never through the resources' outputs.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { CREDENTIALS_DELEGATION_KEY } from "../../provider/src/windows";
import { EngineStack, openStack, plannedChanges } from "../../scripts/engine";
import { FleetHost, liveSnapshot, startFleetHost, stopFleet } from "../../testkit/fleet";
import { oob, ownersOf } from "../../testkit/out-of-band";
import { DoubleHopPart, doubleHopResources } from "../../testkit/programs";
import { expectEntryKept } from "./support/kept";
import { tearDown } from "./support/teardown";

jest.setTimeout(300_000);

const FIXTURE = path.join(__dirname, "fixtures", "v0.1-double-hop");
const WS01 = "ws01.corp.test";
const SRV01 = "srv01.corp.test";
const FRESH = `${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`;
const SPN_SUBJECT = `entry:AllowFreshCredentials/wsman/${SRV01}`;

type Json = Record<string, unknown>;
const fixture = (name: string): Json => JSON.parse(fs.readFileSync(path.join(FIXTURE, name), "utf8")) as Json;

/** The exported state with each host's old port replaced by the port its simulator has now. */
function deploymentFor(ports: Record<string, number>): Json {
  const old = fixture("ports.json") as Record<string, number>;
  const map = new Map(Object.entries(old).map(([host, port]) => [port, ports[host]]));
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === "port" && typeof x === "number" && map.has(x) ? map.get(x) : walk(x)]));
    }
    return v;
  };
  return walk(fixture("deployment.json")) as Json;
}

/** Which 0.1 resource added wsman/srv01 to AllowFreshCredentials (the other adopted it). */
function firstAdder(): "client" | "policy" {
  const resources = (fixture("deployment.json").deployment as { resources: Array<{ type: string; outputs?: any }> }).resources;
  const policy = resources.find((r) => r.type.endsWith(":DelegationPolicy"));
  const added = policy?.outputs?.owned?.lists?.allowFreshCredentials?.added ?? [];
  return added.some((e: { spn: string }) => e.spn.toLowerCase() === `wsman/${SRV01}`) ? "policy" : "client";
}

describe("state written by 0.1 (no ledger), through the real engine", () => {
  let hosts: FleetHost[] = [];
  let engine: EngineStack | undefined;
  let dir: string;
  let before: unknown[];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "credssp-migrate-"));
    // The hosts as they were before 0.1's up, for the final comparison.
    for (const h of ["ws01", "srv01"]) fs.copyFileSync(path.join(FIXTURE, `before-${h}.json`), path.join(dir, `before-${h}.json`));
    const was = [
      await startFleetHost(WS01, { stateFile: path.join(dir, "before-ws01.json") }),
      await startFleetHost(SRV01, { stateFile: path.join(dir, "before-srv01.json") }),
    ];
    before = [await liveSnapshot(was[0]), await liveSnapshot(was[1])];
    await stopFleet(was);
    // The hosts as 0.1 left them.
    for (const h of ["ws01", "srv01"]) fs.copyFileSync(path.join(FIXTURE, `after-${h}.json`), path.join(dir, `${h}.json`));
    hosts = [await startFleetHost(WS01, { stateFile: path.join(dir, "ws01.json") }), await startFleetHost(SRV01, { stateFile: path.join(dir, "srv01.json") })];
    expect(await oob(hosts[0]).ledger()).toBeUndefined();
  });

  afterEach(async () => {
    await tearDown(engine, hosts, dir);
    engine = undefined;
    hosts = [];
  });

  async function openImported(only?: DoubleHopPart[]): Promise<EngineStack> {
    const [ws01, srv01] = hosts;
    const stack = await openStack({
      projectName: "e2e-migrate",
      program: async () => doubleHopResources(ws01.connection, srv01.connection, SRV01, { only }),
    });
    await stack.stack.importStack(deploymentFor({ ws01: ws01.port, srv01: srv01.port }) as never);
    return stack;
  }

  it("the first plain up registers each resource once (an update showing no property), and destroy restores exactly", async () => {
    const [ws01, srv01] = hosts;
    engine = await openImported();
    const events: EngineEvent[] = [];
    const pv = await engine.stack.preview({ diff: true, onEvent: (e) => events.push(e) });
    expect(pv.changeSummary).toMatchObject({ update: 4 });
    expect(plannedChanges(events).map((c) => c.properties)).toEqual([[], [], [], []]);
    expect(pv.stdout).not.toMatch(/owned|priorNames|switches|__owner/);

    expect((await engine.stack.up()).summary.resourceChanges).toMatchObject({ update: 4 });
    const ledger = await oob(ws01).ledger();
    expect(ownersOf(ledger, SPN_SUBJECT)).toHaveLength(2);
    expect(ledger?.subjects[SPN_SUBJECT]).toMatchObject({ before: null }); // the adder's real prior, not the adoption
    expect(ownersOf(await oob(srv01).ledger(), "wsman:Service/Auth/CredSSP")).toHaveLength(1);
    expect((await engine.stack.preview()).changeSummary).toEqual({ same: 5 });

    expect((await engine.stack.destroy()).summary.result).toBe("succeeded");
    expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
  });

  it("removing the 0.1 resource that added wsman/srv01 first no longer takes it from the other", async () => {
    const [ws01, srv01] = hosts;
    const gone = firstAdder();
    engine = await openImported(gone === "policy" ? ["server", "client", "trusted"] : ["server", "policy", "trusted"]);
    const up = await engine.stack.up();
    // The others update first (registering), the removed one is deleted last.
    expect(up.summary.resourceChanges).toMatchObject({ update: 3, delete: 1 });
    expect(Object.values(await oob(ws01).entries(FRESH)).map((s) => s.toLowerCase())).toEqual(["termsrv/*", `wsman/${SRV01}`]);
    await expectEntryKept(ws01, `wsman/${SRV01}`);
    expect((await engine.stack.preview()).changeSummary).toEqual({ same: 4 });

    expect((await engine.stack.destroy()).summary.result).toBe("succeeded");
    expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
  });
});
