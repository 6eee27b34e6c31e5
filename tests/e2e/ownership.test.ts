// Issue 17's scenarios through the real engine: two resources declaring the same
// setting — a rename, a replacement, two stacks (one after the other and in
// parallel), overlapping resources in one stack. While any resource still declares a
// setting it stays on the host; once the last is gone the host is exactly as it
// started, foreign entries included. Every host state is read out of band over WinRM
// (testkit: liveSnapshot walks the WSMan config and all of HKLM; oob reads single
// settings and the ledger), never from the resources' outputs.
import * as dns from "node:dns";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import * as credssp from "../../provider/src";
import type { ConnectionArgs } from "../../provider/src";
import { CREDENTIALS_DELEGATION_KEY } from "../../provider/src/windows";
import { EngineStack, openStack, REPO_ROOT } from "../../scripts/engine";
import { FleetHost, liveSnapshot, startFleet, stopFleet } from "../../testkit/fleet";
import { oob, ownersOf } from "../../testkit/out-of-band";
import { DoubleHopPart, doubleHopResources } from "../../testkit/programs";
import { expectEntryKept } from "./support/kept";

jest.setTimeout(420_000);

const WS01 = "ws01.corp.test";
const SRV01 = "srv01.corp.test";
const FRESH = `${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`;
const SPN_SUBJECT = `entry:AllowFreshCredentials/wsman/${SRV01}`;

/** The double hop's four resources as a program (testkit/programs.ts). */
function doubleHop(ws01: ConnectionArgs, srv01: ConnectionArgs, suffix = "", only?: DoubleHopPart[]): () => Promise<void> {
  return async () => doubleHopResources(ws01, srv01, SRV01, { suffix, only });
}

/** Everything the double hop needs, read live: the assertion of "the host is still configured". */
async function expectConfigured(ws01: FleetHost, srv01: FleetHost): Promise<void> {
  const ws = oob(ws01);
  expect({
    service: await oob(srv01).config("service/auth", "CredSSP"),
    client: await ws.config("client/auth", "CredSSP"),
    trusted: (await ws.config("client", "TrustedHosts")).split(",").includes(SRV01),
    fresh: Object.values(await ws.entries(FRESH)).map((s) => s.toLowerCase()),
    freshSwitch: await ws.dword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials"),
    concat: await ws.dword(CREDENTIALS_DELEGATION_KEY, "ConcatenateDefaults_AllowFresh"),
    ntlmOnly: Object.values(await ws.entries(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentialsWhenNTLMOnly`)),
  }).toEqual({
    service: "true",
    client: "true",
    trusted: true,
    fresh: expect.arrayContaining([`wsman/${SRV01}`]),
    freshSwitch: 1,
    concat: 1,
    ntlmOnly: [`WSMAN/${SRV01}`],
  });
}

/** Foreign settings an admin made before any of us came: they must survive byte for byte. */
async function seedForeign(ws01: FleetHost): Promise<void> {
  const ws = oob(ws01);
  await ws.setConfig("client", "TrustedHosts", "legacy01, LEGACY02");
  await ws.setString(FRESH, "2", "TERMSRV/*");
}

/** Entries by name, SPNs lower-cased (which resource wrote an SPN, and so its case, depends on timing). */
const lowerValues = (entries: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, v.toLowerCase()]));

/** Another name for this machine's loopback address (what `connection.host` changes to). */
async function loopbackAlias(): Promise<string> {
  const { address } = await dns.promises.lookup("localhost");
  return address === "127.0.0.1" ? "localhost" : "127.1";
}

/**
 * The README's minimal program, as written, run inline against two simulated hosts:
 * its host names point at the simulators' ports, its config keys come from the stack's
 * config, and the DoubleHopCheck at its end (which owns nothing, and needs a file
 * server) is left out. `removed` takes resources out of the program, as a user deleting
 * their lines would.
 */
function readmeMinimalProgram(ws01: FleetHost, srv01: FleetHost, removed: () => Set<string>): () => Promise<void> {
  const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const source = /<!-- minimal-program -->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (source === undefined) throw new Error("README has no minimal program");
  const check = /\n\/\/ Proves it[\s\S]*?\.works;\n/;
  if (!check.test(source)) throw new Error("the minimal program's DoubleHopCheck is not where this test expects it");
  const edited = source
    .replace(check, "\n")
    .replace('host: "ws01.corp.example.com"', `host: "127.0.0.1", port: ${ws01.port}`)
    .replace('host: "srv01.corp.example.com"', `host: "127.0.0.1", port: ${srv01.port}`);
  const js = ts.transpileModule(edited, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
  return async () => {
    const gone = removed();
    // Each class, or nothing when the user deleted that resource's lines.
    const pkg = Object.fromEntries(
      Object.entries(credssp).map(([k, v]) => [k, gone.has(k) ? function Deleted() {} : v]),
    );
    const req = (id: string): unknown => (id === "pulumi-credssp" ? pkg : require(id));
    new Function("require", "exports", js)(req, {});
  };
}

describe("ownership through the real engine: nothing is removed while a resource still declares it", () => {
  let hosts: FleetHost[] = [];
  let stacks: EngineStack[] = [];

  const open = async (projectName: string, program: () => Promise<void>, stackName?: string): Promise<EngineStack> => {
    const engine = await openStack({ projectName, stackName, program });
    stacks.push(engine);
    return engine;
  };

  afterEach(async () => {
    for (const engine of stacks) {
      await engine.stack.destroy().catch(() => undefined);
      await engine.dispose();
    }
    stacks = [];
    await stopFleet(hosts);
    hosts = [];
  });

  it("1. rename without aliases: the new resources keep everything the old ones leave; destroy restores exactly", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    await seedForeign(ws01);
    const before = [await liveSnapshot(ws01), await liveSnapshot(srv01)];
    let suffix = "";
    const engine = await open("e2e-rename", () => doubleHop(ws01.connection, srv01.connection, suffix)());
    expect((await engine.stack.up()).summary.result).toBe("succeeded");

    suffix = "-renamed"; // a refactor: every resource gets a new name, no aliases
    const up = await engine.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ create: 4, delete: 4 });
    await expectConfigured(ws01, srv01);
    expect(await oob(ws01).config("client", "TrustedHosts")).toBe(`legacy01, LEGACY02,${SRV01}`);
    // The ledger lists only the new names now.
    expect(ownersOf(await oob(ws01).ledger(), SPN_SUBJECT).every((o) => o.includes("-renamed#"))).toBe(true);
    expect((await engine.stack.preview()).changeSummary).toEqual({ same: 5 });

    expect((await engine.stack.destroy()).summary.result).toBe("succeeded");
    expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
  });

  it("2. connection.host changed to another name of the same machine: the replacement keeps everything", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    await seedForeign(ws01);
    const before = [await liveSnapshot(ws01), await liveSnapshot(srv01)];
    let address = "127.0.0.1";
    const engine = await open("e2e-rehost", () => doubleHop({ ...ws01.connection, host: address }, { ...srv01.connection, host: address })());
    expect((await engine.stack.up()).summary.result).toBe("succeeded");

    address = await loopbackAlias();
    const up = await engine.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ replace: 4 });
    await expectConfigured(ws01, srv01);
    expect((await engine.stack.preview()).changeSummary).toEqual({ same: 5 });

    expect((await engine.stack.destroy()).summary.result).toBe("succeeded");
    expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
  });

  it("3. two stacks declaring the same settings: destroying the first leaves them to the second, the second restores exactly", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    await seedForeign(ws01);
    const before = [await liveSnapshot(ws01), await liveSnapshot(srv01)];
    const teamA = await open("e2e-team-a", doubleHop(ws01.connection, srv01.connection));
    const teamB = await open("e2e-team-b", doubleHop(ws01.connection, srv01.connection, "", ["server", "client", "trusted"]));
    expect((await teamA.stack.up()).summary.result).toBe("succeeded");
    expect((await teamB.stack.up()).summary.result).toBe("succeeded");
    expect(ownersOf(await oob(ws01).ledger(), SPN_SUBJECT)).toHaveLength(3); // A's client and policy, B's client

    expect((await teamA.stack.destroy()).summary.result).toBe("succeeded");
    const ws = oob(ws01);
    expect(await oob(srv01).config("service/auth", "CredSSP")).toBe("true");
    expect(await ws.config("client/auth", "CredSSP")).toBe("true");
    expect(await ws.config("client", "TrustedHosts")).toBe(`legacy01, LEGACY02,${SRV01}`);
    expect(lowerValues(await ws.entries(FRESH))).toEqual({ "2": "termsrv/*", "3": `wsman/${SRV01}` });
    expect(await ws.dword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials")).toBe(1);
    // Only team A declared the NTLM-only list: it is gone, switches and all.
    expect(await ws.dword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentialsWhenNTLMOnly")).toBeUndefined();
    expect((await teamB.stack.preview()).changeSummary).toEqual({ same: 4 });

    expect((await teamB.stack.destroy()).summary.result).toBe("succeeded");
    expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
  });

  it("4. one stack, overlapping resources: removing the one that added wsman/srv01 first leaves the SPN, switches and key", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    await seedForeign(ws01);
    const before = [await liveSnapshot(ws01), await liveSnapshot(srv01)];
    let only: DoubleHopPart[] | undefined;
    const engine = await open("e2e-overlap", () => doubleHop(ws01.connection, srv01.connection, "", only)());
    expect((await engine.stack.up()).summary.result).toBe("succeeded");
    // Which of CredSSPClient and DelegationPolicy added the entry first (they run in parallel)?
    const ledger = await oob(ws01).ledger();
    const first = ownersOf(ledger, SPN_SUBJECT)[0];
    expect(ledger?.subjects[SPN_SUBJECT]).toMatchObject({ before: null });
    const gone = first.includes("CredSSPClient") ? "client" : "policy";

    only = (["server", "client", "policy", "trusted"] as const).filter((r) => r !== gone);
    const up = await engine.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ delete: 1 });
    await expectEntryKept(ws01, `wsman/${SRV01}`);
    expect((await engine.stack.preview()).changeSummary).toEqual({ same: 4 });

    expect((await engine.stack.destroy()).summary.result).toBe("succeeded");
    expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
  });

  it("4b. the README's minimal program: removing whichever of CredSSPClient and DelegationPolicy added WSMAN/srv01 first keeps it", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    await seedForeign(ws01);
    const before = [await liveSnapshot(ws01), await liveSnapshot(srv01)];
    const spn = "entry:AllowFreshCredentials/wsman/srv01.corp.example.com";
    let removed = new Set<string>();
    const engine = await open("e2e-readme-minimal", readmeMinimalProgram(ws01, srv01, () => removed));
    await engine.stack.setAllConfig({ user: { value: ws01.connection.user }, password: { value: ws01.connection.password, secret: true } });
    const up = await engine.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ create: 5 }); // the stack and the four
    const ledger = await oob(ws01).ledger();
    const owners = ownersOf(ledger, spn);
    expect(owners).toHaveLength(2);
    expect(ledger?.subjects[spn]).toMatchObject({ before: null });
    const first = owners[0].includes("CredSSPClient") ? "CredSSPClient" : "DelegationPolicy";

    removed = new Set([first]);
    expect((await engine.stack.up()).summary.resourceChanges).toMatchObject({ delete: 1 });
    expect(await expectEntryKept(ws01, "WSMAN/srv01.corp.example.com")).toEqual([owners[1]]);
    expect((await engine.stack.preview()).changeSummary).toEqual({ same: 4 });

    expect((await engine.stack.destroy()).summary.result).toBe("succeeded");
    expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
  });

  it("two stacks at once, in two engine processes: both end up owners, and both destroyed at once restore exactly", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    await seedForeign(ws01);
    // Slow every answer down so the two processes' operations overlap on the hosts.
    for (const h of hosts) h.sim.faults.latencyMs = 15;
    const before = [await liveSnapshot(ws01), await liveSnapshot(srv01)];
    const teamA = await open("e2e-parallel-a", doubleHop(ws01.connection, srv01.connection));
    const teamB = await open("e2e-parallel-b", doubleHop(ws01.connection, srv01.connection));
    const ups = await Promise.all([teamA.stack.up(), teamB.stack.up()]);
    expect(ups.map((u) => u.summary.result)).toEqual(["succeeded", "succeeded"]);
    await expectConfigured(ws01, srv01);
    const ledger = await oob(ws01).ledger();
    // Every shared subject lists one owner per stack's resource declaring it.
    expect(ownersOf(ledger, SPN_SUBJECT)).toHaveLength(4);
    expect(ownersOf(ledger, `wsman:Client/TrustedHosts/${SRV01}`)).toHaveLength(2);
    expect(ownersOf(ledger, "wsman:Client/Auth/CredSSP")).toHaveLength(2);
    expect(ownersOf(await oob(srv01).ledger(), "wsman:Service/Auth/CredSSP")).toHaveLength(2);
    expect(lowerValues(await oob(ws01).entries(FRESH))).toEqual({ "2": "termsrv/*", "3": `wsman/${SRV01}` }); // one entry, never two

    const downs = await Promise.all([teamA.stack.destroy(), teamB.stack.destroy()]);
    expect(downs.map((d) => d.summary.result)).toEqual(["succeeded", "succeeded"]);
    for (const h of hosts) h.sim.faults.latencyMs = 0;
    expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
  });
});
