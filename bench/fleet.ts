// Benchmark: a fleet through the real Pulumi engine, against the engine's own floor.
//   npm run bench -- fleet [--hosts 50] [--latency 20] [--parallel N]
//
// N simulated hosts on loopback, each answering every HTTP request after `--latency`
// milliseconds (the simulator's latencyMs: on a real network each request is a round
// trip). Each host gets the four resources of the double hop towards the next host
// (CredSSPServer, CredSSPClient, DelegationPolicy, TrustedHosts), 4N resources in one
// stack, run through the Automation API at the engine's default parallelism (or
// --parallel): up, preview --refresh, refresh, destroy. In the same run, interleaved
// operation by operation, the engine floor: a second stack of 4N dynamic resources with
// the same inputs whose provider does no I/O — what the engine costs by itself.
//
// Per operation it prints the time, the WinRM requests the simulators counted (every
// HTTP request, handshakes included), requests per resource, the ratio to the floor,
// and the ratio to the round-trip lower bound: the floor plus latency × the longest
// chain of dependent requests on one host (requests that each arrived after the one
// before was answered, counted by the simulator). That bound assumes every host is
// worked on at once; the engine runs at most `parallel` resource operations at a time
// (`--parallel`; Pulumi's default is 4 × the cores, 8 on this machine), and each
// operation's requests go one after another on its host's session, so the slot bound
// is printed too: the floor plus latency × requests ÷ parallel. Then the CPU time of
// each process (engine, provider, this process: the simulated hosts and, for up and
// preview, the inline program), the provider process's peak RSS, and the issue's
// targets, met or not. The figures are printed, never asserted: the command fails only
// when an operation does.
import * as os from "node:os";
import { performance } from "node:perf_hooks";
import * as pulumi from "@pulumi/pulumi";
import { CredSSPClient, CredSSPServer, DelegationPolicy, TrustedHosts } from "../provider/src";
import { EngineStack, openStack } from "../scripts/engine";
import { FleetHost, startFleet, stopFleet } from "../testkit/fleet";
import { numberArg } from "./args";
import { Watched, watchProcesses } from "./process-watch";

const OPERATIONS = ["up", "preview --refresh", "refresh", "destroy"] as const;
type Operation = (typeof OPERATIONS)[number];
const RESOURCES_PER_HOST = 4;

/** The issue's targets, for 50 hosts × 4 resources at 20 ms; request counts scale per resource. */
const TARGET = {
  requestsPerResource: { up: 1200 / 200, "preview --refresh": 300 / 200, destroy: 900 / 200 } as Partial<Record<Operation, number>>,
  upTimeToBound: 1.5,
  peakRssBytes: 500 * 1024 * 1024,
};

interface Measured {
  ms: number;
  requests: number;
  /** The longest chain of dependent requests on one host. */
  chain: number;
  /** Peak RSS of the provider process(es) that served the operation, bytes. */
  peakRss: number;
  /** CPU time of the provider process(es) during the operation, ms. */
  providerCpuMs: number;
  /** CPU time of the engine (the Pulumi CLI process) during the operation, ms. */
  engineCpuMs: number;
  /**
   * CPU time of this process during the operation, ms: the simulated hosts, and for up
   * and preview the inline program too (the engine runs it for those). On a network the
   * hosts' CPU is theirs; here it shares the 2 cores with the engine and the provider,
   * which the RTT bound does not count.
   */
  benchCpuMs: number;
  summary: string;
}

/** The four resources per host: the double hop from each host to the next one. */
function fleetProgram(hosts: FleetHost[]): () => Promise<void> {
  return async () => {
    hosts.forEach((h, i) => {
      const next = hosts[(i + 1) % hosts.length].fqdn;
      const name = h.fqdn.split(".")[0];
      new CredSSPServer(`${name}-server`, { connection: h.connection });
      new CredSSPClient(`${name}-client`, { connection: h.connection, delegateComputers: [next] });
      new DelegationPolicy(`${name}-policy`, {
        connection: h.connection,
        allowFreshCredentials: [`WSMAN/${next}`],
        allowFreshCredentialsWhenNTLMOnly: [`WSMAN/${next}`],
      });
      new TrustedHosts(`${name}-trusted`, { connection: h.connection, hosts: [next] });
    });
  };
}

/**
 * A dynamic provider that does no I/O: create and update echo their inputs, read
 * returns the state, diff reports no change. Defined at module level so the closure
 * the engine serialises holds nothing else.
 */
const noIoProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Record<string, unknown>) {
    return { id: String(inputs.name), outs: inputs };
  },
  async read(id: string, props: Record<string, unknown>) {
    return { id, props };
  },
  async diff() {
    return { changes: false };
  },
  async update(_id: string, _olds: Record<string, unknown>, news: Record<string, unknown>) {
    return { outs: news };
  },
  async delete() {
    /* nothing to undo */
  },
};

class NoIo extends pulumi.dynamic.Resource {
  constructor(name: string, props: Record<string, pulumi.Input<unknown>>) {
    super(noIoProvider, name, { name, ...props }, undefined, "bench", "NoIo");
  }
}

/** The floor: as many resources, with the same connection inputs (password secret), and no I/O. */
function floorProgram(hosts: FleetHost[]): () => Promise<void> {
  return async () => {
    for (const h of hosts) {
      const name = h.fqdn.split(".")[0];
      const connection = { ...h.connection, password: pulumi.secret(h.connection.password) };
      for (const role of ["server", "client", "policy", "trusted"]) new NoIo(`${name}-${role}`, { connection });
    }
  };
}

async function run(engine: EngineStack, op: Operation, parallel: number | undefined): Promise<string> {
  const s = engine.stack;
  switch (op) {
    case "up": {
      const r = await s.up({ parallel });
      return `${r.summary.result}, ${JSON.stringify(r.summary.resourceChanges)}`;
    }
    case "preview --refresh": {
      const r = await s.preview({ refresh: true, parallel });
      return JSON.stringify(r.changeSummary);
    }
    case "refresh": {
      const r = await s.refresh({ parallel });
      return `${r.summary.result}, ${JSON.stringify(r.summary.resourceChanges)}`;
    }
    case "destroy": {
      const r = await s.destroy({ parallel });
      return `${r.summary.result}, ${JSON.stringify(r.summary.resourceChanges)}`;
    }
  }
}

async function measure(engine: EngineStack, op: Operation, hosts: FleetHost[], parallel: number | undefined): Promise<Measured> {
  for (const h of hosts) h.sim.requestChain.reset();
  const before = hosts.reduce((n, h) => n + h.sim.requestCount, 0);
  const provider = watchProcesses("dynamic-provider");
  // The CLI's command line is its binary's path, NUL, the subcommand: not the plugins'.
  const cli = watchProcesses("bin/pulumi\0");
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let summary: string;
  let seenProvider: Watched;
  let seenCli: Watched;
  try {
    summary = await run(engine, op, parallel);
  } finally {
    seenProvider = provider.stop();
    seenCli = cli.stop();
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    benchCpuMs: (cpu.user + cpu.system) / 1000,
    providerCpuMs: seenProvider.cpuMs,
    engineCpuMs: seenCli.cpuMs,
    ms: performance.now() - t0,
    requests: hosts.reduce((n, h) => n + h.sim.requestCount, 0) - before,
    chain: Math.max(0, ...hosts.map((h) => h.sim.requestChain.longest)),
    peakRss: seenProvider.peakRss,
    summary,
  };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const count = (n: number): string => n.toLocaleString("en-US");
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

function markdownTable(rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(rows[0]), line(rows[0].map(() => "---")), ...rows.slice(1).map(line)].join("\n") + "\n";
}

async function main(): Promise<void> {
  const hostCount = numberArg("hosts", 50);
  const latencyMs = numberArg("latency", 20);
  if (!Number.isInteger(hostCount) || hostCount < 2) throw new Error("--hosts must be a whole number, at least 2");
  const parallelArg = numberArg("parallel", 0);
  if (!Number.isInteger(parallelArg)) throw new Error("--parallel must be a whole number");
  // What the engine will use: the flag, else PULUMI_PARALLEL, else its default (4 × GOMAXPROCS, the cores).
  const fromEnv = Number(process.env.PULUMI_PARALLEL);
  const parallel = parallelArg > 0 ? parallelArg : fromEnv > 0 ? fromEnv : 4 * os.availableParallelism();
  const parallelSource = parallelArg > 0 ? "--parallel" : fromEnv > 0 ? "PULUMI_PARALLEL" : "the engine's default, 4 × cores";
  const resources = hostCount * RESOURCES_PER_HOST;
  process.stderr.write(`starting ${hostCount} simulated hosts (latency ${latencyMs} ms per response)\n`);
  const hosts = await startFleet(Array.from({ length: hostCount }, (_, i) => `node${String(i + 1).padStart(3, "0")}.fleet.test`));
  for (const h of hosts) h.sim.faults.latencyMs = latencyMs;
  let real: EngineStack | undefined;
  let floor: EngineStack | undefined;
  const results: Array<{ op: Operation; real: Measured; floor: Measured }> = [];
  try {
    real = await openStack({ projectName: "bench-fleet", program: fleetProgram(hosts) });
    floor = await openStack({ projectName: "bench-fleet-floor", program: floorProgram(hosts) });
    for (const op of OPERATIONS) {
      process.stderr.write(`${op}: engine floor ...`);
      const f = await measure(floor, op, hosts, parallelArg || undefined);
      process.stderr.write(` ${seconds(f.ms)}; ${resources} resources ...`);
      const r = await measure(real, op, hosts, parallelArg || undefined);
      process.stderr.write(` ${seconds(r.ms)} (${r.summary})\n`);
      results.push({ op, real: r, floor: f });
    }
  } finally {
    for (const e of [real, floor]) {
      if (!e) continue;
      if (results.length < OPERATIONS.length) await e.stack.destroy().catch(() => undefined);
      await e.dispose();
    }
    await stopFleet(hosts);
  }

  const rows = [
    ["operation", "time", "WinRM requests", "per resource", "engine floor", "× floor", "longest chain", "RTT bound", "× bound", "slot bound", "× slot bound"],
  ];
  for (const { op, real: r, floor: f } of results) {
    const bound = f.ms + latencyMs * r.chain;
    const slotBound = f.ms + (latencyMs * r.requests) / parallel;
    rows.push([
      op,
      seconds(r.ms),
      count(r.requests),
      (r.requests / resources).toFixed(2),
      seconds(f.ms),
      `${(r.ms / f.ms).toFixed(2)}×`,
      count(r.chain),
      seconds(bound),
      `${(r.ms / bound).toFixed(2)}×`,
      seconds(slotBound),
      `${(r.ms / slotBound).toFixed(2)}×`,
    ]);
  }
  // Where the cores went: wall time × cores is what there was to spend.
  const cores = os.availableParallelism();
  const cpuRows = [["operation", `time × ${cores} cores`, "engine CPU (floor's)", "provider CPU (floor's)", "bench process CPU (floor's)"]];
  for (const { op, real: r, floor: f } of results) {
    const pair = (a: number, b: number) => `${seconds(a)} (${seconds(b)})`;
    cpuRows.push([op, seconds(r.ms * cores), pair(r.engineCpuMs, f.engineCpuMs), pair(r.providerCpuMs, f.providerCpuMs), pair(r.benchCpuMs, f.benchCpuMs)]);
  }
  const peak = Math.max(...results.map((x) => x.real.peakRss));
  const floorPeak = Math.max(...results.map((x) => x.floor.peakRss));
  let out =
    `Fleet: ${hostCount} hosts × ${RESOURCES_PER_HOST} resources = ${resources}, simulator latency ${latencyMs} ms per response, ` +
    `Automation API, parallel ${parallel} (${parallelSource})\n` +
    `(engine floor: ${resources} dynamic resources whose provider does no I/O, same run; ` +
    `RTT bound: floor + latency × the longest chain of dependent requests on one host; ` +
    `slot bound: floor + latency × requests ÷ parallel, as the engine runs at most ${parallel} operations at once)\n\n` +
    markdownTable(rows) +
    `\nCPU time by process during each operation (in brackets: the floor's stack, same operation; ` +
    `bench process: the simulated hosts, and for up and preview the inline program):\n\n` +
    markdownTable(cpuRows) +
    `\nprovider process peak RSS: ${mb(peak)} (the floor's: ${mb(floorPeak)})\n`;

  const scale = resources / 200;
  const scaled = scale === 1 && latencyMs === 20 ? "" : ` (the issue's figure for 200 resources at 20 ms, scaled to ${resources})`;
  const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
  out += `\nTargets (issue 15)${scaled}:\n`;
  for (const { op, real: r, floor: f } of results) {
    const perResource = TARGET.requestsPerResource[op];
    if (perResource !== undefined) {
      const limit = Math.round(perResource * resources);
      out += `  ${op}: ≤ ${count(limit)} requests: ${count(r.requests)}, ${verdict(r.requests <= limit)}\n`;
    }
    if (op === "up") {
      const ratio = r.ms / (f.ms + latencyMs * r.chain);
      out += `  up: ≤ ${TARGET.upTimeToBound}× (floor + RTT bound): ${ratio.toFixed(2)}×, ${verdict(ratio <= TARGET.upTimeToBound)}\n`;
    }
  }
  out += `  provider process peak RSS < ${mb(TARGET.peakRssBytes)}: ${mb(peak)}, ${verdict(peak > 0 && peak < TARGET.peakRssBytes)}\n`;
  out += `  every operation completed: ${results.map((x) => `${x.op}: ${x.real.summary}`).join("; ")}\n`;
  process.stdout.write(out);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
