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
import { CREDENTIALS_DELEGATION_KEY, formatCredSSPStatus, HostStateSnapshot, LEDGER_KEY, readHostState } from "../provider/src/windows";
import { EngineStack, openStack, plannedChanges } from "./engine";
import { FleetHost, liveSnapshot, startFleetHost, stopFleet } from "../testkit/fleet";
import { oob } from "../testkit/out-of-band";
import { HostDirectory } from "../simulator/src";
import { consoleLines, makeShareFolder, runSeedCommand, seedCommand, seedHalfSetup, smbWitness } from "./demo-hop";

const verbose = process.argv.includes("--verbose");
const DOMAIN = "corp.example.com";
const NAMES = { ws01: `ws01.${DOMAIN}`, srv01: `srv01.${DOMAIN}`, fs01: `fs01.${DOMAIN}` };
const SHARE = "\\\\fs01\\share";
const SEED = seedCommand(NAMES.srv01, SHARE);

// The steps, in order; their numbers and the total shown as [n/N] come from here.
const STEPS = {
  start: "Start three simulated Windows hosts on loopback; fs01 serves \\\\fs01\\share from a real Samba smbd",
  seed: "Where the seed guide leaves ws01: its client steps typed by hand, no policy for NTLM-only servers",
  before: "Before up: the seed's Invoke-Command on ws01 fails with the seed's error",
  up: "pulumi up: apply the topology and prove it (examples/double-hop, through the real engine)",
  works: "After up: the same Invoke-Command lists \\\\fs01\\share, with the credentials srv01 was given",
  clean: "pulumi preview: nothing left to do",
  drift: "Drift: a GPO refresh rewrites ws01's policy and someone disables CredSSP on srv01; plain pulumi preview (no --refresh) names what drifted and which link broke",
  converge: "pulumi up (plain): converge, and the check passes again",
  destroy: "pulumi destroy: the command fails again, and every host is back to exactly what it was at step {before}",
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
  // An entry covers the SPN when equal, or a "wsman/*.<domain>" wildcard the name ends in.
  const covers = (entry: string) => {
    const e = entry.toLowerCase();
    return e === spn || (e.startsWith("wsman/*.") && spn.endsWith(e.slice("wsman/*".length))) || e === "wsman/*";
  };
  const has = (s: HostStateSnapshot, policy: "AllowFreshCredentials" | "AllowFreshCredentialsWhenNTLMOnly") =>
    s.delegation[policy].enabled === 1 && s.delegation[policy].entries.some((e) => covers(e.spn));
  const out: string[] = [];
  if (!srv01.wsman.serviceCredSSP) out.push(`srv01: Service/Auth/CredSSP is false, so the 401 does not offer CredSSP`);
  if (!ws01.wsman.clientCredSSP) out.push(`ws01: Client/Auth/CredSSP is false ("CredSSP authentication is currently disabled in the client configuration")`);
  if (!has(ws01, "AllowFreshCredentials")) out.push(`ws01: AllowFreshCredentials has no WSMAN/${NAMES.srv01} ("A computer policy does not allow the delegation…")`);
  if (!has(ws01, "AllowFreshCredentialsWhenNTLMOnly")) out.push(`ws01: AllowFreshCredentialsWhenNTLMOnly has no WSMAN/${NAMES.srv01} (needed: off the domain only NTLM authenticates srv01)`);
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

/** The console of the seed's command on ws01, indented under the step. */
function showConsole(r: Awaited<ReturnType<typeof runSeedCommand>>): void {
  for (const line of consoleLines("ws01", SEED, r)) say(line);
}

async function main(): Promise<void> {
  const started = Date.now();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "credssp-demo-"));
  const share = makeShareFolder();
  let fleet: Record<keyof typeof NAMES, FleetHost> | undefined;
  let engine: EngineStack | undefined;
  process.stdout.write("pulumi-credssp demo: the PowerShell double hop (ws01 -> srv01 -> \\\\fs01\\share), on simulated Windows hosts\n");
  try {
    fleet = await step("start", async () => {
      // One simulated LAN: the hosts resolve each other by name, as in a Windows domain's DNS.
      const directory = new HostDirectory();
      const hosts = {} as Record<keyof typeof NAMES, FleetHost>;
      for (const [role, fqdn] of Object.entries(NAMES) as Array<[keyof typeof NAMES, string]>) {
        hosts[role] = await startFleetHost(fqdn, {
          stateFile: path.join(stateDir, `${role}.json`),
          directory,
          shares: role === "fs01" ? { share: share.dir } : undefined,
        });
      }
      table([
        ["host", "WinRM endpoint", "SMB"],
        ...Object.values(hosts).map((h) => [h.fqdn, h.sim.httpUrl ?? "", h.sim.smb ? `${h.sim.smb.host}:${h.sim.smb.port} (\\\\fs01\\share)` : "-"]),
      ]);
      say(`state folder: ${stateDir}`);
      return hosts;
    });
    const hosts = fleet;

    await step("seed", async () => {
      for (const line of await seedHalfSetup(hosts.ws01, DOMAIN, NAMES.srv01)) say(`ws01| PS C:\\> ${line}`);
      say("(made over WinRM, as the admin's own tools would; srv01 is untouched)");
    });

    const initial = await step("before", async () => {
      const smbFrom = hosts.fs01.sim.smb!.log().length;
      const r = await runSeedCommand(hosts.ws01, SEED);
      showConsole(r);
      if (r.exitCode === 0 || !r.errors.some((e) => /A computer policy does not allow the delegation of the user credentials to the target computer/.test(e.message))) {
        throw new Error("the seed's command did not fail with the seed's error");
      }
      say();
      const witness = smbWitness(hosts.fs01, share.dir, smbFrom);
      say(`fs01's smbd log: ${witness.length === 0 ? "nothing (the request never left ws01)" : witness.join("; ")}`);
      const snapshots = Object.fromEntries(await readAll(hosts)) as Record<keyof typeof NAMES, HostStateSnapshot>;
      say();
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
          secondHop: { path: `\\\\${NAMES.fs01}\\share` },
        }),
    });
    const stack = engine.stack;

    await step("up", async () => {
      const up = await stack.up({ onOutput: engineOutput(), color: "never" });
      if (up.summary.result !== "succeeded") throw new Error(`up ended ${up.summary.result}`);
      say();
      stateTable(await readAll(hosts));
      say();
      say(`DoubleHopCheck ws01-srv01-share: works = ${String(up.outputs.doubleHopWorks?.value)} (${String(up.outputs.doubleHopMessage?.value)})`);
      say();
      const ledgers: string[] = [];
      for (const [name, host] of Object.entries(hosts)) {
        const ledger = await oob(host).ledger();
        if (!ledger) continue;
        const owners = new Set(Object.values(ledger.subjects).flatMap((r) => Object.keys(r.owners)));
        ledgers.push(`${name} ${owners.size} owner(s), ${Object.keys(ledger.subjects).length} setting(s)`);
      }
      say(`ownership ledger (HKLM\\${LEDGER_KEY}, read live): ${ledgers.join("; ")}`);
    });

    await step("works", async () => {
      const smbFrom = hosts.fs01.sim.smb!.log().length;
      const r = await runSeedCommand(hosts.ws01, SEED);
      showConsole(r);
      if (r.exitCode !== 0 || r.errors.length > 0 || !/readme\.txt/.test(r.stdout)) throw new Error("the seed's command did not list the share after up");
      say();
      const witness = smbWitness(hosts.fs01, share.dir, smbFrom);
      for (const line of witness) say(`fs01's smbd log  ${line}`);
      if (!witness.some((l) => /^logon: .*admin with NTLMv2 from workstation SRV01: NT_STATUS_OK$/.test(l))) throw new Error("smbd saw no delegated logon");
    });

    await step("clean", async () => {
      const pv = await stack.preview({ color: "never" });
      const changes = Object.entries(pv.changeSummary).filter(([op]) => op !== "same");
      if (changes.length > 0) throw new Error(`preview wants changes: ${JSON.stringify(pv.changeSummary)}`);
      say(`no changes (${pv.changeSummary.same ?? 0} resources unchanged)`);
    });

    await step("drift", async () => {
      await oob(hosts.ws01).deleteValue(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentialsWhenNTLMOnly`, "1");
      await oob(hosts.srv01).setConfig("service/auth", "CredSSP", "false");
      say(`out of band: ws01 lost AllowFreshCredentialsWhenNTLMOnly\\1 (GPO refresh); srv01 Service/Auth/CredSSP=false (Disable-WSManCredSSP -Role Server)`);
      say("plain pulumi preview: the project option refresh: always (Pulumi.yaml) reads the hosts first");
      const events: EngineEvent[] = [];
      await stack.preview({ onEvent: (e) => events.push(e), color: "never" });
      const drift = plannedChanges(events);
      if (drift.length === 0) throw new Error("plain preview reported no drift");
      table([["resource", "plan", "drifted properties"], ...drift.map((d) => [d.name, d.op, d.properties.join(", ")])]);
      const check = checkRefresh(events);
      if (!check || check.works !== false) throw new Error("DoubleHopCheck did not see the hop break");
      say();
      say(`DoubleHopCheck ws01-srv01-share: works = false, failingLink = ${String(check.failingLink)}`);
      say(`  message: ${String(check.message)}`);
      say(`  fix:     ${String(check.fix)}`);
    });

    await step("converge", async () => {
      const up = await stack.up({ color: "never" });
      if (up.summary.result !== "succeeded") throw new Error(`up ended ${up.summary.result}`);
      const changed = Object.entries(up.summary.resourceChanges ?? {}).filter(([op]) => op !== "same");
      say(`converged: ${changed.map(([op, n]) => `${n} ${op}`).join(", ")}`);
      const pv = await stack.preview({ color: "never" });
      if ((pv.changeSummary.update ?? 0) > 0) throw new Error("still drifting after up");
      stateTable(await readAll(hosts));
      say();
      say(`DoubleHopCheck ws01-srv01-share: works = ${String(up.outputs.doubleHopWorks?.value)}`);
      if (up.outputs.doubleHopWorks?.value !== true) throw new Error("the double hop does not work after converging");
    });

    await step("destroy", async () => {
      const down = await stack.destroy({ onOutput: verbose ? engineOutput() : undefined, color: "never" });
      if (down.summary.result !== "succeeded") throw new Error(`destroy ended ${down.summary.result}`);
      const r = await runSeedCommand(hosts.ws01, SEED);
      showConsole(r);
      if (r.exitCode === 0) throw new Error("the seed's command still works after destroy");
      say();
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
    share.remove();
  }
}

/** The DoubleHopCheck's outputs as the refresh in a preview read them. */
function checkRefresh(events: EngineEvent[]): Record<string, unknown> | undefined {
  for (const e of events) {
    const m = e.resOutputsEvent?.metadata;
    if (m?.op === "refresh" && m.type.endsWith(":DoubleHopCheck")) return m.new?.outputs;
  }
  return undefined;
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
