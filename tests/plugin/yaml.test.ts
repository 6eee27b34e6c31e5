// A YAML program from disk (examples/double-hop-yaml), run with plain `npm run pulumi --
// up` and friends: the CLI starts pulumi-language-yaml from beside itself and the
// credssp plugin installed from the tarball, which talk WinRM to simulated hosts.
// Credentials are provider configuration (credssp:user, credssp:password secret).
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../scripts/engine";
import { FleetHost, startFleet, stopFleet } from "../../testkit/fleet";
import { PluginEngine, pluginEngine, storedState } from "../../testkit/plugin";
import { Op, programSettings, roundTrip, SRV01, Step, Summary, WS01 } from "./support/round-trip";

jest.setTimeout(600_000);

const run = promisify(execFile);
const PROJECT = "credssp-double-hop-yaml";
const SECRET_PASSWORD = /"password":\s*\{\s*"4dabf18193072939515e22adb298388d":\s*"1b47061264138c4ac30d75fd1eb44270",\s*"ciphertext"/g;

/** Every JSON document in `--json` output (up and destroy print a preview, then engine events). */
function documents(text: string): any[] {
  const docs: any[] = [];
  const trimmed = text.trim();
  let at = 0;
  while (at < trimmed.length) {
    // Each document starts at a line beginning with "{" and ends where the next one starts.
    const next = trimmed.indexOf("\n{", at + 1);
    const end = next < 0 ? trimmed.length : next;
    docs.push(JSON.parse(trimmed.slice(at, end)));
    at = end + 1;
  }
  return docs;
}

function ourStep(op: string, urn: string, type: string, detailedDiff: Record<string, unknown> | undefined): Step | undefined {
  if (["same", "refresh", "read"].includes(op) || type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:")) return undefined;
  return { name: urn.split("::").pop()!, op, properties: Object.keys(detailedDiff ?? {}).sort() };
}

const byName = (a: Step, b: Step) => a.name.localeCompare(b.name);

describe("a YAML program from disk through the plugin", () => {
  let hosts: FleetHost[] = [];
  let engine: PluginEngine | undefined;
  let projectDir = "";

  /** `npm run -s pulumi -- <args>` in the checkout, on the project folder. */
  const pulumi = (args: string[]) =>
    run("npm", ["run", "-s", "pulumi", "--", ...args, "--cwd", projectDir], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...engine!.env },
      maxBuffer: 64 * 1024 * 1024,
    });

  const runner = async (op: Op): Promise<Summary> => {
    if (op === "preview" || op === "preview-refresh") {
      const { stdout } = await pulumi(["preview", "--json", "--diff", ...(op === "preview-refresh" ? ["--refresh"] : [])]);
      const doc = JSON.parse(stdout);
      const steps = (doc.steps as any[]).map((s) => ourStep(s.op, s.urn, s.urn.split("::")[2], s.detailedDiff)).filter((s): s is Step => !!s);
      return { changes: doc.changeSummary, steps: steps.sort(byName) };
    }
    const { stdout } = await pulumi([op, "--yes", "--json", ...(op === "up" ? ["--refresh"] : [])]);
    const events = documents(stdout).slice(1);
    const steps = events
      .filter((e) => e.resourcePreEvent)
      .map((e) => e.resourcePreEvent.metadata)
      .map((m) => ourStep(m.op, m.urn, m.type, m.detailedDiff))
      .filter((s): s is Step => !!s);
    const summary = events.find((e) => e.summaryEvent)?.summaryEvent;
    const outputs = op === "up" ? JSON.parse((await pulumi(["stack", "output", "--json", "--show-secrets"])).stdout) : undefined;
    return { result: summary ? "succeeded" : "failed", changes: summary?.resourceChanges ?? {}, steps: steps.sort(byName), outputs };
  };

  beforeEach(async () => {
    engine = await pluginEngine();
    projectDir = path.join(engine.workDir, PROJECT);
    fs.mkdirSync(projectDir);
    fs.copyFileSync(path.join(REPO_ROOT, "examples", "double-hop-yaml", "Pulumi.yaml"), path.join(projectDir, "Pulumi.yaml"));
  });

  afterEach(async () => {
    if (engine) {
      await pulumi(["destroy", "--yes", "--skip-preview"]).catch(() => undefined);
      engine.dispose();
    }
    engine = undefined;
    await stopFleet(hosts);
    hosts = [];
  });

  it("round trip: up, clean preview, drift named by the provider's diff, converge, destroy restores both hosts", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    const s = programSettings(ws01, srv01);
    await pulumi(["stack", "init", "dev"]);
    const config: Array<[string, string]> = [
      ["ws01Fqdn", s.ws01.fqdn],
      ["srv01Fqdn", s.srv01.fqdn],
      ["ws01Address", s.ws01.host],
      ["srv01Address", s.srv01.host],
      ["ws01Port", String(s.ws01.port)],
      ["srv01Port", String(s.srv01.port)],
      ["credssp:user", s.user],
    ];
    for (const [key, value] of config) await pulumi(["config", "set", key, value]);
    await pulumi(["config", "set", "--secret", "credssp:password", s.password]);

    await roundTrip(runner, ws01, srv01, async () => {
      // The password lives only in the provider's configuration, encrypted at rest.
      const stored = storedState(engine!.backendDir, PROJECT);
      expect(stored).not.toContain(s.password);
      expect(stored.match(SECRET_PASSWORD)).toHaveLength(2); // the default provider's inputs and outputs
    });
  });
});
