// A YAML program from disk (examples/double-hop-yaml), run with plain `npm run pulumi --
// up` and friends: the CLI starts pulumi-language-yaml from beside itself and the
// credssp plugin installed from the tarball, which talk WinRM to simulated hosts.
// Credentials are provider configuration (credssp:user, credssp:password secret).
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../scripts/engine";
import { itRoundTrips, LanguageRun, Step } from "./support/round-trip";

jest.setTimeout(600_000);

const run = promisify(execFile);
const PROJECT = "credssp-double-hop-yaml";

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

/** `npm run -s pulumi -- <args>` in the checkout, on the program's folder. */
function pulumi(ctx: LanguageRun, args: string[]) {
  return run("npm", ["run", "-s", "pulumi", "--", ...args, "--cwd", path.join(ctx.engine.workDir, PROJECT)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...ctx.engine.env },
    maxBuffer: 64 * 1024 * 1024,
  });
}

describe("a YAML program from disk through the plugin", () => {
  itRoundTrips({
    project: PROJECT,
    // The default provider's configuration (inputs and outputs).
    secretsAtRest: 2,
    prepare: async (ctx) => {
      const dir = path.join(ctx.engine.workDir, PROJECT);
      fs.mkdirSync(dir);
      fs.copyFileSync(path.join(REPO_ROOT, "examples", "double-hop-yaml", "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      const s = ctx.settings;
      await pulumi(ctx, ["stack", "init", s.stack]);
      const config: Array<[string, string]> = [
        ["ws01Fqdn", s.ws01.fqdn],
        ["srv01Fqdn", s.srv01.fqdn],
        ["ws01Address", s.ws01.host],
        ["srv01Address", s.srv01.host],
        ["ws01Port", String(s.ws01.port)],
        ["srv01Port", String(s.srv01.port)],
        ["credssp:user", s.user],
      ];
      for (const [key, value] of config) await pulumi(ctx, ["config", "set", key, value]);
      await pulumi(ctx, ["config", "set", "--secret", "credssp:password", s.password]);
    },
    run: async (op, ctx) => {
      if (op === "preview" || op === "preview-refresh") {
        const { stdout } = await pulumi(ctx, ["preview", "--json", "--diff", ...(op === "preview-refresh" ? ["--refresh"] : [])]);
        const doc = JSON.parse(stdout);
        const steps = (doc.steps as any[]).map((s) => ourStep(s.op, s.urn, s.urn.split("::")[2], s.detailedDiff)).filter((s): s is Step => !!s);
        return { changes: doc.changeSummary, steps: steps.sort(byName) };
      }
      const { stdout } = await pulumi(ctx, [op, "--yes", "--json", ...(op === "up" ? ["--refresh"] : [])]);
      const events = documents(stdout).slice(1);
      const steps = events
        .filter((e) => e.resourcePreEvent)
        .map((e) => e.resourcePreEvent.metadata)
        .map((m) => ourStep(m.op, m.urn, m.type, m.detailedDiff))
        .filter((s): s is Step => !!s);
      const summary = events.find((e) => e.summaryEvent)?.summaryEvent;
      const outputs = op === "up" ? JSON.parse((await pulumi(ctx, ["stack", "output", "--json", "--show-secrets"])).stdout) : undefined;
      return { result: summary ? "succeeded" : "failed", changes: summary?.resourceChanges ?? {}, steps: steps.sort(byName), outputs };
    },
  });
});
