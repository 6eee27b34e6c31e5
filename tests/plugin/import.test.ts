// `pulumi import` of each resource type through the real engine and the installed
// plugin, against simulated hosts set up by hand: the code the CLI generates, pasted
// into the program, previews clean; destroy then removes what was imported (Pulumi
// manages it from now on), except where the program says retainOnDelete.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as yaml from "js-yaml";
import { REPO_ROOT } from "../../scripts/engine";
import { FleetHost, liveSnapshot, startFleet, stopFleet } from "../../testkit/fleet";
import { oob } from "../../testkit/out-of-band";
import { PluginEngine, pluginEngine } from "../../testkit/plugin";
import { changedSteps, importsOf, newProject, pulumiIn, setUpByHand, SRV01, WS01 } from "./support/import-scenario";
import { installPythonSdk, PYTHON } from "./support/python-sdk";

const run = promisify(execFile);

jest.setTimeout(900_000);

describe("pulumi import through the plugin", () => {
  let hosts: FleetHost[] = [];
  let engine: PluginEngine | undefined;

  afterEach(async () => {
    engine?.dispose();
    engine = undefined;
    await stopFleet(hosts);
    hosts = [];
  });

  it("YAML from disk: each type imported by `pulumi import <type> <name> <id>`, the generated code previews clean, destroy removes all but what is retained", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    const before = [await liveSnapshot(ws01), await liveSnapshot(srv01)];
    await setUpByHand(ws01, srv01);
    engine = await pluginEngine();
    const dir = await newProject(engine, "credssp-import-yaml", "yaml");

    const program = yaml.load(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as Record<string, any>;
    program.resources = {};
    for (const imp of importsOf(ws01, srv01)) {
      const out = path.join(dir, `${imp.name}.generated.yaml`);
      await pulumiIn(engine, dir, ["import", imp.type, imp.name, imp.id, "--yes", "--protect=false", "--out", out]);
      const generated = yaml.load(fs.readFileSync(out, "utf8")) as { resources: Record<string, any> };
      expect(Object.keys(generated.resources)).toEqual([imp.name]);
      // YAML spells `credssp:index:X` as `credssp:X`.
      expect(generated.resources[imp.name].type).toBe(imp.type.replace(":index:", ":"));
      Object.assign(program.resources, generated.resources);
    }
    // The generated code names host, port and entries; the credentials stay provider configuration.
    const text = yaml.dump(program);
    expect(text).not.toMatch(/password|user/);
    expect(program.resources["ws01-may-delegate"].properties).toEqual({
      connection: { host: "127.0.0.1", port: ws01.port },
      allowFreshCredentialsWhenNTLMOnly: [`WSMAN/${SRV01}`],
    });
    // The admin wants TrustedHosts to outlive the stack.
    program.resources["ws01-trusts-srv01"].options = { retainOnDelete: true };
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), yaml.dump(program));

    expect(changedSteps((await pulumiIn(engine, dir, ["preview", "--json", "--diff"])).stdout)).toEqual([]);
    expect(changedSteps((await pulumiIn(engine, dir, ["preview", "--json", "--diff", "--refresh"])).stdout)).toEqual([]);
    const up = (await pulumiIn(engine, dir, ["up", "--yes"])).stdout;
    expect(up).toMatch(/5 unchanged/);

    await pulumiIn(engine, dir, ["destroy", "--yes"]);
    // Everything imported is gone again, except the retained TrustedHosts entry.
    expect(await oob(ws01).config("client", "TrustedHosts")).toBe(SRV01);
    await oob(ws01).setConfig("client", "TrustedHosts", "");
    expect([await liveSnapshot(ws01), await liveSnapshot(srv01)]).toEqual(before);
  });

  it("Python and Go: the code `pulumi import --file` generates for all four runs (Python: an inline program previews clean) and compiles (Go, on sdk/go)", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    await setUpByHand(ws01, srv01);
    engine = await pluginEngine();
    const imports = importsOf(ws01, srv01);
    const importFile = path.join(engine.workDir, "imports.json");
    fs.writeFileSync(importFile, JSON.stringify({ resources: imports }));

    // Python: the generated program, run as the stack's program, changes nothing.
    const pyDir = await newProject(engine, "credssp-import-python", "python");
    const pyOut = path.join(pyDir, "imported.py");
    await pulumiIn(engine, pyDir, ["import", "--file", importFile, "--yes", "--protect=false", "--out", pyOut]);
    const pyCode = fs.readFileSync(pyOut, "utf8");
    expect(pyCode).toMatch(/import pulumi_credssp as credssp/);
    for (const imp of imports) expect(pyCode).toContain(`credssp.${imp.type.split(":").pop()}("${imp.name}"`);
    expect(pyCode).not.toMatch(/password|user/);
    const sdk = installPythonSdk();
    try {
      const { stdout } = await run(PYTHON, [path.join(REPO_ROOT, "tests", "plugin", "python", "imported.py"), pyOut], {
        env: {
          ...process.env,
          ...engine.env,
          PYTHONPATH: sdk.lib,
          CREDSSP_IMPORTED: JSON.stringify({ workDir: pyDir, project: "credssp-import-python", stack: "dev", pulumiRoot: engine.pulumiRoot }),
        },
        maxBuffer: 64 * 1024 * 1024,
      });
      // The stack and the four imported resources, all unchanged.
      expect(JSON.parse(stdout.trim().split("\n").pop()!)).toEqual({ same: 5 });
    } finally {
      sdk.dispose();
    }

    // Go: the generated main.go type-checks against the committed SDK.
    const goDir = await newProject(engine, "credssp-import-go", "go");
    const goOut = path.join(goDir, "main.go");
    await pulumiIn(engine, goDir, ["import", "--file", importFile, "--yes", "--protect=false", "--out", goOut]);
    const goCode = fs.readFileSync(goOut, "utf8");
    for (const imp of imports) expect(goCode).toContain(`credssp.New${imp.type.split(":").pop()}(ctx, "${imp.name}"`);
    const goMod = fs.readFileSync(path.join(REPO_ROOT, "tests", "plugin", "go", "go.mod"), "utf8")
      .replace(/^module .*$/m, "module imported")
      .replace(/=> \.\.\/\.\.\/\.\.\/sdk\/go/, `=> ${path.join(REPO_ROOT, "sdk", "go")}`);
    fs.writeFileSync(path.join(goDir, "go.mod"), goMod);
    fs.copyFileSync(path.join(REPO_ROOT, "tests", "plugin", "go", "go.sum"), path.join(goDir, "go.sum"));
    await run("go", ["vet", "-mod=readonly", "."], { cwd: goDir, env: { ...process.env, GOFLAGS: "-trimpath" }, maxBuffer: 16 * 1024 * 1024 });
  });
});
