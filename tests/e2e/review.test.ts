// The smaller findings of issue 17's review, each through the real engine as a user
// meets it: a failed update with a mistyped password, check messages for nested
// values, advice on short names and HTTP SPNs, errors printed once, bookkeeping kept
// out of `preview --diff`, and the import option. Host state is read out of band.
import { spawn } from "node:child_process";
import * as path from "node:path";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { CredSSPClient, DelegationPolicy, TrustedHosts } from "../../provider/src";
import { EngineStack, openStack, plannedChanges, REPO_ROOT } from "../../scripts/engine";
import { FleetHost, liveSnapshot, startFleet } from "../../testkit/fleet";
import { tearDown } from "./support/teardown";
import { oob } from "../../testkit/out-of-band";

jest.setTimeout(300_000);

const WS01 = "ws01.corp.test";

const failureOf = (p: Promise<unknown>): Promise<Error | undefined> =>
  p.then(
    () => undefined,
    (e: Error) => e,
  );

describe("review items through the real engine", () => {
  let hosts: FleetHost[] = [];
  let engine: EngineStack | undefined;

  afterEach(async () => {
    await tearDown(engine, hosts);
    engine = undefined;
    hosts = [];
  });

  it("a mistyped password in an update is not stored: refresh and destroy keep working with the last good one", async () => {
    hosts = await startFleet([WS01]);
    const [ws01] = hosts;
    const before = await liveSnapshot(ws01);
    let password = ws01.connection.password;
    engine = await openStack({
      projectName: "e2e-typo",
      program: async () => void new TrustedHosts("t", { connection: { ...ws01.connection, password }, hosts: ["srv01.corp.test"] }),
    });
    expect((await engine.stack.up()).summary.result).toBe("succeeded");
    password = "typo";
    // refresh: always reads with the stored (good) password; the update then tries the typo.
    const err = await failureOf(engine.stack.up());
    expect(String(err?.message)).toMatch(/rejected the credentials/);
    expect((await engine.stack.refresh()).summary.result).toBe("succeeded");
    expect((await engine.stack.destroy()).summary.result).toBe("succeeded");
    expect(await liveSnapshot(ws01)).toEqual(before);
  });

  it("check names the nested property and the value typed, never '{<nil>}'", async () => {
    hosts = await startFleet([WS01]);
    const [ws01] = hosts;
    engine = await openStack({
      projectName: "e2e-check-text",
      program: async () => void new DelegationPolicy("d", { connection: { ...ws01.connection, port: 70000 }, allowFreshCredentials: ["WSMAN/ok.corp.test", "srv01"] }),
    });
    const err = await failureOf(engine.stack.preview());
    const text = String(err?.message);
    expect(text).toMatch(/allowFreshCredentials\[1\]: "srv01" is not an SPN/);
    expect(text).toMatch(/connection\.port: port must be 1-65535 \(got 70000\)/);
    expect(text).not.toMatch(/<nil>/);
  });

  it("short names and HTTP/ SPNs get a warning saying which name the client must use", async () => {
    hosts = await startFleet([WS01]);
    const [ws01] = hosts;
    engine = await openStack({
      projectName: "e2e-advice",
      program: async () => {
        new CredSSPClient("short", { connection: ws01.connection, delegateComputers: ["srv01"] });
        new DelegationPolicy("http", { connection: ws01.connection, allowFreshCredentials: ["HTTP/web01.corp.test", "WSMAN/srv02"] });
      },
    });
    const pv = await engine.stack.preview();
    const text = pv.stdout + pv.stderr;
    expect(text).toMatch(/delegateComputers: "srv01" names the server by its short name.*connects to exactly "srv01"/);
    expect(text).toMatch(/allowFreshCredentials: "HTTP\/web01\.corp\.test" is an HTTP SPN.*use "WSMAN\/web01\.corp\.test"/);
    expect(text).toMatch(/allowFreshCredentials: "WSMAN\/srv02" names the server by its short name/);
  });

  it("a failure on refresh and on delete is printed once per resource, without a stack frame", async () => {
    hosts = await startFleet([WS01]);
    const [ws01] = hosts;
    engine = await openStack({
      projectName: "e2e-error-once",
      program: async () => void new TrustedHosts("t", { connection: ws01.connection, hosts: ["srv01.corp.test"] }),
    });
    expect((await engine.stack.up()).summary.result).toBe("succeeded");
    await ws01.sim.stop(); // WinRM goes away: every read and delete fails
    for (const run of [() => engine!.stack.refresh(), () => engine!.stack.destroy()]) {
      const err = await failureOf(run());
      // The CLI's own output (the error's message repeats it once more).
      const text = String((err as { commandResult?: { stderr?: string } } | undefined)?.commandResult?.stderr);
      expect(text).toMatch(/WinRM is not listening on 127\.0\.0\.1:\d+/);
      const diagnostics = text.slice(text.indexOf("Diagnostics:"), text.indexOf("Resources:"));
      expect(diagnostics.match(/WinRM is not listening/g)).toHaveLength(1);
      expect(text).not.toMatch(/^\s+at /m); // no stack frame
      expect(text).not.toMatch(/HostFaultError/);
    }
    hosts = [];
    await engine.dispose();
    engine = undefined; // nothing left to destroy: the host is gone
  });

  it("preview --diff of a replacement shows the user's properties, not the ownership bookkeeping", async () => {
    hosts = await startFleet([WS01]);
    const [ws01] = hosts;
    let host = "127.0.0.1";
    engine = await openStack({
      projectName: "e2e-replace-diff",
      program: async () => {
        const connection = { ...ws01.connection, host };
        new CredSSPClient("c", { connection, delegateComputers: ["srv01.corp.test"] });
        new DelegationPolicy("d", { connection, allowFreshCredentials: ["WSMAN/srv01.corp.test"], exclusive: true });
      },
    });
    expect((await engine.stack.up()).summary.result).toBe("succeeded");
    host = "localhost";
    const events: EngineEvent[] = [];
    const pv = await engine.stack.preview({ diff: true, onEvent: (e) => events.push(e) });
    expect(pv.changeSummary).toMatchObject({ replace: 2 });
    expect(pv.stdout).not.toMatch(/owned|claims|priorNames|switches|__owner|adopted/);
    // Both replace steps are for connection (an SPN's case may differ too: the live
    // entry keeps the case of whichever resource wrote it first).
    const replaced = plannedChanges(events).filter((c) => c.op === "replace");
    expect(replaced.map((c) => c.properties.includes("connection"))).toEqual([true, true]);
    expect(await oob(ws01).ledger()).toBeDefined();
  });

  it("the import option fails at once with our own message", async () => {
    hosts = await startFleet([WS01]);
    const [ws01] = hosts;
    // The Pulumi Node SDK reports any exception a program throws as an unhandled
    // rejection in the process running it, which jest would count against this suite:
    // so this program runs inline in its own Node process (the compiled sources).
    const dist = path.join(REPO_ROOT, "dist");
    const script = `
      const { openStack } = require(${JSON.stringify(path.join(dist, "scripts", "engine.js"))});
      const { TrustedHosts } = require(${JSON.stringify(path.join(dist, "provider", "src", "index.js"))});
      process.on("unhandledRejection", () => undefined);
      (async () => {
        const engine = await openStack({ projectName: "e2e-import", program: async () =>
          void new TrustedHosts("t", { connection: ${JSON.stringify(ws01.connection)}, hosts: ["srv01.corp.test"] }, { import: "127.0.0.1/TrustedHosts/x" }) });
        try { await engine.stack.preview(); process.stdout.write("PREVIEW SUCCEEDED"); } catch (err) { process.stdout.write(String(err.message)); }
        await engine.dispose();
      })();`;
    const sent = ws01.sim.requestCount;
    const run = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ["-e", script], { cwd: REPO_ROOT, env: process.env });
      let stdout = "";
      child.stdout.on("data", (d) => (stdout += String(d)));
      child.on("close", (status) => resolve({ status, stdout }));
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/error: TrustedHosts "t": the import option is not supported.*Declare the resource without import/);
    expect(run.stdout).not.toMatch(/TypeError|PREVIEW SUCCEEDED/);
    expect(ws01.sim.requestCount).toBe(sent); // refused before any WinRM request
  });
});
