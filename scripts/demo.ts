// `npm start`: the double hop, end to end, on three simulated Windows hosts.
// Every host state shown is read live over WinRM; every change goes through the
// real Pulumi engine running examples/double-hop. `--verbose` adds stack traces
// and the engine's full output.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { doubleHop } from "../examples/double-hop/program";
import { deepEqual } from "../provider/src/resources/common";
import { CREDENTIALS_DELEGATION_KEY, formatCredSSPStatus, HostStateSnapshot, readHostState } from "../provider/src/windows";
import { EngineStack, openStack, plannedChanges } from "./engine";
import { FleetHost, liveSnapshot, startFleetHost, stopFleet } from "../testkit/fleet";
import { oob } from "../testkit/out-of-band";

const verbose = process.argv.includes("--verbose");
const NAMES = { ws01: "ws01.corp.example.com", srv01: "srv01.corp.example.com", fs01: "fs01.corp.example.com" };

// The steps, in order; their numbers and the total shown as [n/N] come from here.
const STEPS = {
  start: "Start three simulated Windows hosts on loopback",
  before: "The double hop fails today: what each host is missing (read live over WinRM)",
  up: "pulumi up: apply the topology (examples/double-hop, through the real engine)",
  clean: "pulumi preview: nothing left to do",
  drift: "Drift: a GPO refresh rewrites ws01's policy; pulumi preview --refresh names what drifted",
  converge: "pulumi up --refresh: converge",
  destroy: "pulumi destroy: every host is back to exactly what it was at step {before}",
  done: "Done",
} as const;
type StepName = keyof typeof STEPS;
const STEP_NAMES = Object.keys(STEPS) as StepName[];
const stepNumber = (name: StepName): number => STEP_NAMES.indexOf(name) + 1;
const stepTitle = (name: StepName): string => STEPS[name].replace(/\{(\w+)\}/g, (_, ref: StepName) => String(stepNumber(ref)));

class StepFailed extends Error {
  constructor(
    readonly step: string,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

async function step<T>(name: StepName, fn: () => Promise<T>): Promise<T> {
  const where = `${stepNumber(name)}/${STEP_NAMES.length}`;
  const title = stepTitle(name);
  const t0 = Date.now();
  process.stdout.write(`\n[${where}] ${title}\n`);
  try {
    const result = await fn();
    if (verbose) process.stdout.write(`      (${((Date.now() - t0) / 1000).toFixed(1)}s)\n`);
    return result;
  } catch (err) {
    throw new StepFailed(`${where} ${title}`, err);
  }
}

const say = (line = ""): void => void process.stdout.write(`      ${line}\n`);

function table(rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  for (const [i, row] of rows.entries()) {
    say(row.map((cell, j) => cell.padEnd(widths[j])).join("  ").trimEnd());
    if (i === 0) say(widths.map((w) => "-".repeat(w)).join("  "));
  }
}

function entries(s: HostStateSnapshot, policy: "AllowFreshCredentials" | "AllowFreshCredentialsWhenNTLMOnly"): string {
  const p = s.delegation[policy];
  if (p.enabled !== 1) return p.entries.length ? `(off) ${p.entries.map((e) => e.spn).join(", ")}` : "-";
  return p.entries.map((e) => `${e.name}=${e.spn}`).join(", ") || "(on, empty)";
}

function stateTable(states: Array<[string, HostStateSnapshot]>): void {
  table([
    ["host", "Service CredSSP", "Client CredSSP", "TrustedHosts", "AllowFresh", "AllowFresh (NTLM-only)"],
    ...states.map(([name, s]) => [
      name,
      String(s.wsman.serviceCredSSP),
      String(s.wsman.clientCredSSP),
      s.wsman.trustedHosts || "-",
      entries(s, "AllowFreshCredentials"),
      entries(s, "AllowFreshCredentialsWhenNTLMOnly"),
    ]),
  ]);
}

/** What the double hop still lacks, as an admin would check it. */
function missing(ws01: HostStateSnapshot, srv01: HostStateSnapshot): string[] {
  const spn = `wsman/${NAMES.srv01}`;
  const has = (s: HostStateSnapshot, policy: "AllowFreshCredentials" | "AllowFreshCredentialsWhenNTLMOnly") =>
    s.delegation[policy].enabled === 1 && s.delegation[policy].entries.some((e) => e.spn.toLowerCase() === spn);
  const out: string[] = [];
  if (!srv01.wsman.serviceCredSSP) out.push(`srv01: Service/Auth/CredSSP is false, so the 401 does not offer CredSSP`);
  if (!ws01.wsman.clientCredSSP) out.push(`ws01: Client/Auth/CredSSP is false ("CredSSP authentication is currently disabled in the client configuration")`);
  if (!has(ws01, "AllowFreshCredentials")) out.push(`ws01: AllowFreshCredentials has no WSMAN/${NAMES.srv01} ("A computer policy does not allow the delegation…")`);
  if (!has(ws01, "AllowFreshCredentialsWhenNTLMOnly")) out.push(`ws01: AllowFreshCredentialsWhenNTLMOnly has no WSMAN/${NAMES.srv01} (needed when only NTLM authenticates srv01)`);
  if (!ws01.wsman.trustedHosts.toLowerCase().split(",").includes(NAMES.srv01)) out.push(`ws01: TrustedHosts does not list ${NAMES.srv01}`);
  return out;
}

async function readAll(fleet: Record<keyof typeof NAMES, FleetHost>): Promise<Array<[string, HostStateSnapshot]>> {
  const result: Array<[string, HostStateSnapshot]> = [];
  for (const [name, host] of Object.entries(fleet)) {
    const client = host.client();
    try {
      result.push([name, await readHostState(client)]);
    } finally {
      await client.close();
    }
  }
  return result;
}

// The engine warns on every run that it found pulumi-resource-pulumi-nodejs on PATH,
// which is exactly how this repository lends it the dynamic-provider plugin; that
// noise is dropped (with its otherwise empty "Diagnostics" heading) unless --verbose.
const AMBIENT_PLUGIN_WARNING = /using pulumi-resource-pulumi-nodejs from \$PATH/;

function engineOutput(prefix = "│ "): (out: string) => void {
  let pending = "";
  let held: string[] = []; // headings shown only if something real follows them
  return (out: string) => {
    pending += out;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const raw of lines) {
      if (!verbose && raw.trim() === "") continue;
      if (!verbose && AMBIENT_PLUGIN_WARNING.test(raw)) continue;
      const line = verbose ? raw : raw.replace(/ \d+ warnings?$/, "");
      if (!verbose && (/^Diagnostics:$/.test(line) || /^\s+pulumi:pulumi:Stack \(.*\):$/.test(line))) {
        held.push(line);
        continue;
      }
      if (held.length > 0 && /^\s{4,}/.test(line)) for (const h of held) say(`${prefix}${h}`);
      held = [];
      say(`${prefix}${line}`);
    }
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "credssp-demo-"));
  let fleet: Record<keyof typeof NAMES, FleetHost> | undefined;
  let engine: EngineStack | undefined;
  process.stdout.write("pulumi-credssp demo: the PowerShell double hop (ws01 -> srv01 -> \\\\fs01\\share), on simulated Windows hosts\n");
  try {
    fleet = await step("start", async () => {
      const hosts = {} as Record<keyof typeof NAMES, FleetHost>;
      for (const [role, fqdn] of Object.entries(NAMES) as Array<[keyof typeof NAMES, string]>) {
        hosts[role] = await startFleetHost(fqdn, { stateFile: path.join(stateDir, `${role}.json`) });
      }
      table([["host", "WinRM endpoint"], ...Object.entries(hosts).map(([r, h]) => [h.fqdn, h.sim.httpUrl ?? ""])]);
      say(`state folder: ${stateDir}`);
      return hosts;
    });
    const hosts = fleet;

    const initial = await step("before", async () => {
      const snapshots = Object.fromEntries(await readAll(hosts)) as Record<keyof typeof NAMES, HostStateSnapshot>;
      for (const [name, s] of Object.entries(snapshots)) {
        const [client, server] = formatCredSSPStatus(s);
        say(`${name}  Get-WSManCredSSP:`);
        say(`        ${client}`);
        say(`        ${server}`);
      }
      say();
      for (const line of missing(snapshots.ws01, snapshots.srv01)) say(`missing  ${line}`);
      const full: Record<string, unknown> = {};
      for (const [name, host] of Object.entries(hosts)) full[name] = await liveSnapshot(host);
      return full;
    });

    engine = await openStack({
      projectName: "credssp-double-hop",
      stackName: "demo",
      program: async () =>
        doubleHop({
          ws01: { fqdn: NAMES.ws01, connection: hosts.ws01.connection },
          srv01: { fqdn: NAMES.srv01, connection: hosts.srv01.connection },
        }),
    });
    const stack = engine.stack;

    await step("up", async () => {
      const up = await stack.up({ onOutput: engineOutput(), color: "never" });
      if (up.summary.result !== "succeeded") throw new Error(`up ended ${up.summary.result}`);
      say();
      stateTable(await readAll(hosts));
    });

    await step("clean", async () => {
      const pv = await stack.preview({ color: "never" });
      const changes = Object.entries(pv.changeSummary).filter(([op]) => op !== "same");
      if (changes.length > 0) throw new Error(`preview wants changes: ${JSON.stringify(pv.changeSummary)}`);
      say(`no changes (${pv.changeSummary.same ?? 0} resources unchanged)`);
    });

    await step("drift", async () => {
      const ws = oob(hosts.ws01);
      await ws.deleteValue(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentialsWhenNTLMOnly`, "1");
      await ws.setConfig("client/auth", "CredSSP", "false");
      say(`out of band on ws01: deleted AllowFreshCredentialsWhenNTLMOnly\\1, set Client/Auth/CredSSP=false`);
      const events: EngineEvent[] = [];
      await stack.preview({ refresh: true, onEvent: (e) => events.push(e), color: "never" });
      const drift = plannedChanges(events);
      if (drift.length === 0) throw new Error("preview --refresh reported no drift");
      table([["resource", "plan", "drifted properties"], ...drift.map((d) => [d.name, d.op, d.properties.join(", ")])]);
    });

    await step("converge", async () => {
      const up = await stack.up({ refresh: true, color: "never" });
      if (up.summary.result !== "succeeded") throw new Error(`up ended ${up.summary.result}`);
      const changed = Object.entries(up.summary.resourceChanges ?? {}).filter(([op]) => op !== "same");
      say(`converged: ${changed.map(([op, n]) => `${n} ${op}`).join(", ")}`);
      const pv = await stack.preview({ refresh: true, color: "never" });
      if ((pv.changeSummary.update ?? 0) > 0) throw new Error("still drifting after up");
      stateTable(await readAll(hosts));
    });

    await step("destroy", async () => {
      const down = await stack.destroy({ onOutput: verbose ? engineOutput() : undefined, color: "never" });
      if (down.summary.result !== "succeeded") throw new Error(`destroy ended ${down.summary.result}`);
      const rows = [["host", `WSMan config + HKLM now vs step ${stepNumber("before")}`]];
      let allSame = true;
      for (const [name, host] of Object.entries(hosts)) {
        const now = await liveSnapshot(host);
        const same = deepEqual(now, initial[name]);
        allSame &&= same;
        rows.push([name, same ? "identical" : "DIFFERENT"]);
      }
      table(rows);
      if (!allSame) throw new Error("a host differs from its state before up");
    });

    await step("done", async () => say(`all steps passed in ${((Date.now() - started) / 1000).toFixed(1)}s`));
  } finally {
    await engine?.dispose();
    await stopFleet(fleet ? Object.values(fleet) : undefined);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    const where = err instanceof StepFailed ? `step ${err.step}` : "setup";
    process.stderr.write(`\nFAILED at ${where}: ${err instanceof Error ? err.message : String(err)}\n`);
    if (verbose && err instanceof Error) process.stderr.write(`${err.stack ?? ""}\n${err.cause instanceof Error ? err.cause.stack : ""}\n`);
    else process.stderr.write("(run `npm start -- --verbose` for details)\n");
    process.exit(1);
  },
);
