// Persistence and the CLI: state survives stop/start and a kill -9 in the middle of a burst
// of writes (the file always parses and holds either the old or the new state); the CLI
// prints one JSON ready line and exits 0 on SIGTERM; multi-host mode.

import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startHost } from "../../simulator/src/index";
import { ACTION, RawSession, ROOT, text, URI } from "./support/raw";

const CLI = path.join(ROOT, "dist", "simulator", "src", "cli.js");
const PW = "Persist-pw-9";
const HKLM = 2147483650;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sim-persist-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Running {
  proc: ChildProcess;
  ready: Record<string, unknown>;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startCli(args: string[]): Promise<Running> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run \`npx tsc -p tsconfig.json\` (npm test builds it)`);
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${err}`)), 20_000);
    proc.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    proc.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve({ proc, ready: JSON.parse(out.slice(0, nl)) as Record<string, unknown>, stdout: () => out, stderr: () => err, exited });
      }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before ready; stderr: ${err}`));
    });
  });
}

test("state survives stop/start, certificate included", async () => {
  const stateFile = path.join(dir, "srv01.json");
  const opts = {
    hostname: "srv01.corp.test",
    https: "127.0.0.1:0",
    users: [{ name: "admin", password: PW, admin: true }],
    stateFile,
    set: { "Service/Auth/Basic": "true" },
  };
  const a = await startHost(opts);
  // Basic needs HTTPS (or AllowUnencrypted), so talk to the HTTPS listener.
  const sh = new RawSession(a.httpsUrl!, "admin", PW);
  const ns = `${URI.config}/client`;
  expect((await sh.send({ action: ACTION.put, resourceUri: ns, body: `<cfg:Client xmlns:cfg="${ns}"><cfg:TrustedHosts>*.corp.test</cfg:TrustedHosts></cfg:Client>` })).status).toBe(200);
  await sh.invoke("CreateKey", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\Sim\\Persist"]]);
  await sh.invoke("SetStringValue", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\Sim\\Persist"], ["sValueName", "1"], ["sValue", "wsman/x"]]);
  const snapshot = a.state.snapshot();
  const fingerprint = a.certSha256;
  expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
  await a.stop();

  const b = await startHost({ ...opts, set: {} });
  try {
    expect(b.state.snapshot()).toEqual(snapshot);
    expect(b.state.getConfig("Client/TrustedHosts")).toBe("*.corp.test");
    expect(b.certSha256).toBe(fingerprint);
    const r = await new RawSession(b.httpsUrl!, "admin", PW).invoke("GetStringValue", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\Sim\\Persist"], ["sValueName", "1"]]);
    expect(text(r, "sValue")).toBe("wsman/x");
  } finally {
    await b.stop();
  }
  // No password is written to the state file.
  expect(fs.readFileSync(stateFile, "utf8")).not.toContain(PW);
});

test("CLI: one JSON ready line, the listeners it has, SIGTERM flushes and exits 0", async () => {
  const stateFile = path.join(dir, "cli.json");
  const run = await startCli([
    "--hostname", "web01.corp.test",
    "--http", "127.0.0.1:0",
    "--https", "127.0.0.1:0",
    "--user", `admin:${PW}:admin`,
    "--state", stateFile,
    "--set", "Service/Auth/Basic=true",
  ]);
  expect(Object.keys(run.ready).sort()).toEqual(["certSha256", "hostname", "http", "https", "ready"]);
  expect(run.ready.ready).toBe(true);
  expect(run.ready.hostname).toBe("web01.corp.test");
  expect(run.ready.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/wsman$/);
  expect(run.ready.https).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/wsman$/);
  expect(run.ready.certSha256).toMatch(/^[0-9a-f]{64}$/);

  const s = new RawSession(String(run.ready.https), "admin", PW);
  expect((await s.run("hostname")).stdout).toBe("web01\r\n");
  run.proc.kill("SIGTERM");
  expect(await run.exited).toEqual({ code: 0, signal: null });
  expect(run.stdout().trim().split("\n")).toHaveLength(1);
  expect(run.stdout() + run.stderr()).not.toContain(PW);
  const saved = JSON.parse(fs.readFileSync(stateFile, "utf8"));
  expect(saved.config.Service.Auth.Basic).toBe("true");
});

test("CLI: only the listeners asked for are reported", async () => {
  const run = await startCli(["--hostname", "h.corp.test", "--https", "127.0.0.1:0", "--user", `a:${PW}:admin`]);
  expect(Object.keys(run.ready).sort()).toEqual(["certSha256", "hostname", "https", "ready"]);
  run.proc.kill("SIGTERM");
  await run.exited;
  const plain = await startCli(["--hostname", "h.corp.test", "--user", `a:${PW}`]);
  expect(Object.keys(plain.ready).sort()).toEqual(["hostname", "http", "ready"]);
  plain.proc.kill("SIGTERM");
  expect((await plain.exited).code).toBe(0);
});

test("CLI: bad arguments exit 2 without echoing the password", async () => {
  const proc = spawn(process.execPath, [CLI, "--hostname", "x.test", "--user", `a:${PW}`, "--bogus"], { stdio: ["ignore", "pipe", "pipe"] });
  let all = "";
  proc.stdout!.on("data", (c: Buffer) => (all += c));
  proc.stderr!.on("data", (c: Buffer) => (all += c));
  const code = await new Promise((r) => proc.on("exit", r));
  expect(code).toBe(2);
  expect(all).toContain("--bogus");
  expect(all).not.toContain(PW);
});

test("CLI multi-host mode: many hosts, one process, each on its own port", async () => {
  const hostsFile = path.join(dir, "hosts.json");
  const hosts = ["n1", "n2", "n3"].map((n) => ({
    hostname: `${n}.fleet.test`,
    http: "127.0.0.1:0",
    users: [{ name: "admin", password: PW, admin: true }],
    set: { "Service/Auth/Basic": "true", "Service/AllowUnencrypted": "true" },
    stateFile: path.join(dir, `${n}.json`),
  }));
  fs.writeFileSync(hostsFile, JSON.stringify(hosts));
  const run = await startCli(["--hosts-file", hostsFile]);
  const list = run.ready.hosts as Array<{ hostname: string; http: string }>;
  expect(list.map((h) => h.hostname)).toEqual(["n1.fleet.test", "n2.fleet.test", "n3.fleet.test"]);
  expect(new Set(list.map((h) => h.http)).size).toBe(3);
  for (const h of list) {
    const r = await new RawSession(h.http, "admin", PW).run("hostname");
    expect(r.stdout).toBe(`${h.hostname.split(".")[0]}\r\n`);
  }
  run.proc.kill("SIGTERM");
  expect((await run.exited).code).toBe(0);
  for (const h of hosts) expect(fs.existsSync(h.stateFile)).toBe(true);
});

test("CLI --count N starts N numbered hosts", async () => {
  const run = await startCli(["--count", "4", "--hostname", "node{n}.fleet.test", "--user", `admin:${PW}:admin`, "--state", path.join(dir, "n{n}.json")]);
  const list = run.ready.hosts as Array<{ hostname: string; http: string }>;
  expect(list.map((h) => h.hostname)).toEqual(["node1.fleet.test", "node2.fleet.test", "node3.fleet.test", "node4.fleet.test"]);
  expect(new Set(list.map((h) => h.http)).size).toBe(4);
  run.proc.kill("SIGTERM");
  expect((await run.exited).code).toBe(0);
  expect(fs.existsSync(path.join(dir, "n4.json"))).toBe(true);
});

test("kill -9 during a burst of writes leaves a parseable file with the old or the new state", async () => {
  const stateFile = path.join(dir, "burst.json");
  for (let round = 0; round < 4; round++) {
    const run = await startCli([
      "--hostname", "burst.corp.test",
      "--user", `admin:${PW}:admin`,
      "--state", stateFile,
      "--set", "Service/Auth/Basic=true",
      "--set", "Service/AllowUnencrypted=true",
    ]);
    const s = new RawSession(String(run.ready.http), "admin", PW);
    await s.invoke("CreateKey", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\Burst"]]);
    let acked = -1;
    let sent = -1;
    let stop = false;
    const writer = (async () => {
      for (let i = round * 100_000; !stop; i++) {
        sent = i;
        try {
          // Big values make each write take measurable time, widening the window for a torn file.
          await s.invoke("SetStringValue", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\Burst"], ["sValueName", "Counter"], ["sValue", `${i}:${"x".repeat(20_000)}`]]);
          acked = i;
        } catch {
          return; // the process died under us
        }
      }
    })();
    // Kill once the burst is under way (a few writes acknowledged: a loaded machine may
    // take longer than any fixed sleep), at a point that differs per round.
    const deadline = Date.now() + 10_000;
    while (acked < round * 100_000 + 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 10 + round * 23));
    run.proc.kill("SIGKILL");
    await run.exited;
    stop = true;
    await writer;
    expect(acked).toBeGreaterThan(round * 100_000); // the burst really was under way

    const data = JSON.parse(fs.readFileSync(stateFile, "utf8")); // must parse
    const counter = data.registry.HKLM.subkeys.SOFTWARE.subkeys.Burst.values.Counter.value as string;
    const n = Number(counter.split(":")[0]);
    // Every acknowledged write is durable (written before the answer); at most the one in flight is extra.
    expect(n).toBeGreaterThanOrEqual(acked);
    expect(n).toBeLessThanOrEqual(sent);
    expect(counter.split(":")[1]).toHaveLength(20_000);
  }
});
