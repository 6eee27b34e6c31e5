// Benchmark: sequential WS-Transfer Gets over one authenticated session (HTTP, message
// encryption) against a simulated host on loopback, for NTLM, CredSSP and Kerberos in
// the same run. Reports Gets per second and HTTP round trips per Get after the handshake
// (must be 1: the authenticated keep-alive connection is reused, no re-authentication
// per request), and what the handshake costs (for Kerberos including the AS and TGS
// exchanges with a real MIT KDC, testkit/mit-kdc.ts, started for the run).
//
// Then client CPU per encrypted NTLM Get, ours beside pywinrm's, same simulator, same
// run: each client runs in a process of its own (bench/winrm-get-client.ts,
// bench/pywinrm_get.py) and reports the CPU time it spent on `--cpu-gets` Gets after
// its start-up (process launch, imports, the handshake and a first Get); the runs
// alternate between the two clients and the median is shown. `--profile DIR` writes a
// V8 CPU profile of each of our client's runs there (node --cpu-prof).
//   npm run bench -- [--gets 100] [--runs 5] [--cpu-gets 1000] [--cpu-runs 5] [--profile DIR]
import { execFile } from "node:child_process";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { WSMAN_CONFIG_URI as CONFIG } from "../provider/src/windows";
import { WinRMClient } from "../provider/src/winrm";
import { startHost } from "../simulator/src";
import { mitKdcUnavailableReason, MitRealm, startMitRealm } from "../testkit/mit-kdc";
import { peerEnv, peersPythonOrSystem } from "../testkit/python-peers";
import { numberArg as arg } from "./args";

const USER = "admin";
const PASSWORD = "Bench!P4ss";

interface CpuRun {
  client: string;
  startupCpuMs: number;
  cpuMs: number;
  wallMs: number;
  gets: number;
}

function runClient(file: string, args: string[]): Promise<CpuRun> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: peerEnv({ PEER_PASSWORD: PASSWORD }), maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(args[0] ?? file)} failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as CpuRun);
    });
  });
}

async function clientCpu(port: number, gets: number, runs: number, profileDir: string | undefined): Promise<string> {
  const ours: CpuRun[] = [];
  const theirs: CpuRun[] = [];
  const endpoint = `http://127.0.0.1:${port}/wsman`;
  for (let run = 0; run < runs; run++) {
    const profile = profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [];
    ours.push(await runClient(process.execPath, [...profile, path.join(__dirname, "winrm-get-client.js"), String(port), USER, CONFIG, String(gets)]));
    theirs.push(await runClient(peersPythonOrSystem(), [path.join(__dirname, "..", "..", "bench", "pywinrm_get.py"), endpoint, USER, CONFIG, String(gets)]));
  }
  const perGet = (rs: CpuRun[]) => median(rs.map((r) => r.cpuMs / r.gets));
  const line = (rs: CpuRun[]) =>
    `  ${rs[0].client.padEnd(24)} ${perGet(rs).toFixed(3)} ms CPU per Get (runs: ${rs.map((r) => (r.cpuMs / r.gets).toFixed(3)).join(", ")}; ` +
    `start-up ${median(rs.map((r) => r.startupCpuMs)).toFixed(0)} ms CPU; ${median(rs.map((r) => r.gets / (r.wallMs / 1000))).toFixed(0)} Gets/s)\n`;
  const ratio = perGet(ours) / perGet(theirs);
  return (
    `Client CPU per encrypted NTLM Get (${gets} Gets after start-up, CPU time of the client process, median of ${runs} alternating runs)\n` +
    line(ours) +
    line(theirs) +
    `  ours / pywinrm: ${ratio.toFixed(2)}× (target ≤ 0.5×: ${ratio <= 0.5 ? "met" : "NOT met"})\n` +
    (profileDir ? `  CPU profiles of our client: ${profileDir}\n` : "")
  );
}

function stringArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}


type Scheme = "ntlm" | "credssp" | "kerberos";
interface Run {
  rps: number;
  roundTrips: number;
  handshakeRequests: number;
  handshakeMs: number;
}

const LABEL: Record<Scheme, string> = {
  ntlm: "NTLM + encryption",
  credssp: "CredSSP + encryption",
  kerberos: "Kerberos (AES256) + encryption",
};
const HOST = "bench01.corp.test";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const gets = arg("gets", 100);
  const runs = arg("runs", 5);
  const cpuGets = arg("cpu-gets", 1000);
  const cpuRuns = arg("cpu-runs", 5);
  const profileDir = stringArg("profile");
  const noKdc = mitKdcUnavailableReason();
  if (noKdc) process.stderr.write(`Kerberos left out: ${noKdc}\n`);
  const realm: MitRealm | undefined = noKdc ? undefined : await startMitRealm({ users: [{ name: USER, password: PASSWORD }], hosts: [{ fqdn: HOST }] });
  const sim = await startHost({
    hostname: HOST,
    users: [{ name: USER, password: PASSWORD, admin: true }],
    set: { "Service/Auth/CredSSP": "true" },
    keytab: realm?.keytabFor(HOST),
  });
  const port = Number(new URL(sim.httpUrl!).port);
  const schemes: Scheme[] = realm ? ["ntlm", "credssp", "kerberos"] : ["ntlm", "credssp"];
  const results: Record<Scheme, Run[]> = { ntlm: [], credssp: [], kerberos: [] };
  let cpu = "";
  try {
    // Interleaved, so every scheme sees the same machine load.
    for (let run = 0; run < runs; run++) {
      for (const auth of schemes) {
        // Kerberos names the host by its FQDN (HTTP/bench01.corp.test) while reaching it on loopback.
        const kerberos = auth === "kerberos" ? { kerberosHostname: HOST, kerberosEnv: realm!.env } : {};
        const client = new WinRMClient({ host: "127.0.0.1", port, auth, username: USER, password: PASSWORD, ...kerberos });
        const beforeHandshake = sim.requestCount;
        const h0 = performance.now();
        await client.get(CONFIG); // the handshake + the first Get
        const handshakeMs = performance.now() - h0;
        const handshakeRequests = sim.requestCount - beforeHandshake;
        const before = sim.requestCount;
        const t0 = performance.now();
        for (let i = 0; i < gets; i++) await client.get(CONFIG);
        const seconds = (performance.now() - t0) / 1000;
        results[auth].push({ rps: gets / seconds, roundTrips: (sim.requestCount - before) / gets, handshakeRequests, handshakeMs });
        await client.close();
      }
    }
    cpu = cpuRuns > 0 ? await clientCpu(port, cpuGets, cpuRuns, profileDir && path.resolve(profileDir)) : "";
  } finally {
    await sim.stop();
    await realm?.stop();
  }
  let out = `WS-Transfer Get of ${CONFIG} (HTTP, message encryption, loopback), ${gets} sequential Gets x ${runs} runs per scheme\n`;
  for (const auth of schemes) {
    const rs = results[auth];
    const rps = rs.map((r) => r.rps);
    out +=
      `${LABEL[auth]}\n` +
      `  Gets/second: median ${median(rps).toFixed(0)} (min ${Math.min(...rps).toFixed(0)}, max ${Math.max(...rps).toFixed(0)})\n` +
      `  HTTP round trips per Get after the handshake: ${[...new Set(rs.map((r) => r.roundTrips))].join(", ")}\n` +
      `  HTTP requests for the handshake + first Get: ${[...new Set(rs.map((r) => r.handshakeRequests))].join(", ")}` +
      ` (median ${median(rs.map((r) => r.handshakeMs)).toFixed(1)} ms)\n`;
  }
  process.stdout.write(out + cpu);
  if (schemes.some((auth) => results[auth].some((r) => r.roundTrips !== 1))) {
    process.stderr.write("FAIL: more than one round trip per Get after the handshake\n");
    process.exit(1);
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
