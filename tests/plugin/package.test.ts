// The npm package as a user gets it: `npm pack`'s tarball installed in a scratch project
// next to an @pulumi/pulumi of the user's choosing — 3.248.0, and 3.270.0, the newest
// npm serves (it declares Node >= 22 but runs on Node 20; npm only warns). The SDK is a
// peer, so exactly one copy is installed; the WinRM client loads without it; and a
// program in that project drives the dynamic resources through that SDK's Automation
// API and its own dynamic-provider host, against a simulated host.
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { pulumiCommand, REPO_ROOT, STACK_PASSPHRASE } from "../../scripts/engine";
import { FleetHost, liveSnapshot, startFleet, stopFleet } from "../../testkit/fleet";

jest.setTimeout(600_000);

const run = promisify(execFile);
const SDK_VERSIONS = ["3.248.0", "3.270.0"];

/** Runs a script with `node -e` in the scratch project and parses its JSON output. */
async function nodeIn(dir: string, script: string): Promise<any> {
  const { stdout } = await run(process.execPath, ["-e", script], { cwd: dir });
  return JSON.parse(stdout);
}

describe("the packed npm package in a scratch project", () => {
  let root = "";
  let tarball = "";
  let hosts: FleetHost[] = [];

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "credssp-packed-"));
    const out = execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", root], { cwd: REPO_ROOT, encoding: "utf8" });
    tarball = path.join(root, (JSON.parse(out) as { filename: string }[])[0].filename);
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  afterEach(async () => {
    await stopFleet(hosts);
    hosts = [];
  });

  it.each(SDK_VERSIONS)("with @pulumi/pulumi %s: one SDK, the WinRM client without it, a program up and destroyed", async (version) => {
    const project = path.join(root, `sdk-${version}`);
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({ name: "scratch", version: "1.0.0", private: true, dependencies: { "@pulumi/pulumi": version, "pulumi-credssp": `file:${tarball}` } }),
    );
    await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", "--loglevel=error"], { cwd: project, maxBuffer: 16 * 1024 * 1024 });

    // The peer is the project's own SDK, installed once.
    const copies = execFileSync("find", ["node_modules", "-path", "*/@pulumi/pulumi/package.json"], { cwd: project, encoding: "utf8" }).trim().split("\n");
    expect(copies).toEqual(["node_modules/@pulumi/pulumi/package.json"]);
    expect(JSON.parse(fs.readFileSync(path.join(project, copies[0]), "utf8")).version).toBe(version);

    // The WinRM client alone does not load Pulumi; the package root does.
    const probe = (entry: string) =>
      nodeIn(
        project,
        `const m = require(${JSON.stringify(entry)}); console.log(JSON.stringify({ exports: Object.keys(m).sort(), pulumi: Object.keys(require.cache).some((f) => f.includes("/@pulumi/pulumi/")) }))`,
      );
    const winrm = await probe("pulumi-credssp/winrm");
    expect(winrm.exports).toEqual(expect.arrayContaining(["WinRMClient", "WinRMError", "AuthenticationError", "TransportError"]));
    expect(winrm.pulumi).toBe(false);
    const full = await probe("pulumi-credssp");
    expect(full.exports).toEqual(expect.arrayContaining(["CredSSPServer", "CredSSPClient", "DelegationPolicy", "TrustedHosts", "WinRMClient"]));
    expect(full.pulumi).toBe(true);

    // A program in the project, on its own SDK, through the engine.
    hosts = await startFleet(["srv01.corp.test"]);
    const [srv01] = hosts;
    const before = await liveSnapshot(srv01);
    fs.copyFileSync(path.join(REPO_ROOT, "tests", "plugin", "scratch", "run.js"), path.join(project, "run.js"));
    const backend = path.join(project, ".backend");
    fs.mkdirSync(backend);
    const cli = (await pulumiCommand()).command;
    const settings = {
      connection: srv01.connection,
      pulumiRoot: path.dirname(path.dirname(cli)),
      env: {
        PULUMI_BACKEND_URL: `file://${backend}`,
        PULUMI_CONFIG_PASSPHRASE: STACK_PASSPHRASE,
        PULUMI_HOME: path.join(project, ".pulumi-home"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        // The project's SDK ships the dynamic-provider plugin that runs our resources.
        PATH: [path.join(project, "node_modules", "@pulumi", "pulumi"), path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
      },
    };
    const { stdout } = await run(process.execPath, ["run.js"], { cwd: project, env: { ...process.env, CREDSSP_SCRATCH: JSON.stringify(settings) } });
    expect(JSON.parse(stdout.trim().split("\n").pop()!)).toEqual({
      up: "succeeded",
      outputs: { enabled: true, value: "srv01.corp.test" },
      preview: { same: 3 },
      down: "succeeded",
    });
    expect(await liveSnapshot(srv01)).toEqual(before);
  });
});
