// `pulumi import` of each resource type through the real engine and the installed
// plugin, against simulated hosts set up by hand: the code the CLI generates, pasted
// into the program, previews clean; destroy then removes what was imported (Pulumi
// manages it from now on), except where the program says retainOnDelete.
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { FleetHost, liveSnapshot, startFleet, stopFleet } from "../../testkit/fleet";
import { oob } from "../../testkit/out-of-band";
import { PluginEngine, pluginEngine } from "../../testkit/plugin";
import { changedSteps, importsOf, newProject, pulumiIn, setUpByHand, SRV01, WS01 } from "./support/import-scenario";

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
});
