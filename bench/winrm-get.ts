// Benchmark: sequential WS-Transfer Gets over one NTLM session (HTTP, message
// encryption) against a simulated host on loopback. Reports requests per second
// and HTTP round trips per Get after the handshake (must be 1: the authenticated
// keep-alive connection is reused, no re-authentication per request).
//   npm run bench -- [--gets 100] [--runs 5]
import { performance } from "node:perf_hooks";
import { WSMAN_CONFIG_URI as CONFIG } from "../provider/src/windows";
import { WinRMClient } from "../provider/src/winrm";
import { startHost } from "../simulator/src";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const gets = arg("gets", 100);
  const runs = arg("runs", 5);
  const sim = await startHost({ hostname: "bench01.corp.test", users: [{ name: "admin", password: "Bench!P4ss", admin: true }] });
  const port = Number(new URL(sim.httpUrl!).port);
  const results: Array<{ rps: number; roundTrips: number; handshake: number }> = [];
  try {
    for (let run = 0; run < runs; run++) {
      const client = new WinRMClient({ host: "127.0.0.1", port, auth: "ntlm", username: "admin", password: "Bench!P4ss" });
      const beforeHandshake = sim.requestCount;
      await client.get(CONFIG); // handshake (401, negotiate, authenticate) + the first Get
      const handshake = sim.requestCount - beforeHandshake;
      const before = sim.requestCount;
      const t0 = performance.now();
      for (let i = 0; i < gets; i++) await client.get(CONFIG);
      const seconds = (performance.now() - t0) / 1000;
      results.push({ rps: gets / seconds, roundTrips: (sim.requestCount - before) / gets, handshake });
      await client.close();
    }
  } finally {
    await sim.stop();
  }
  const rps = results.map((r) => r.rps).sort((a, b) => a - b);
  const median = rps[Math.floor(rps.length / 2)];
  process.stdout.write(
    `WS-Transfer Get of ${CONFIG} over NTLM + encryption (HTTP, loopback), ${gets} sequential Gets x ${runs} runs\n` +
      `  requests/second: median ${median.toFixed(0)} (min ${rps[0].toFixed(0)}, max ${rps[rps.length - 1].toFixed(0)})\n` +
      `  HTTP round trips per Get after the handshake: ${[...new Set(results.map((r) => r.roundTrips))].join(", ")}\n` +
      `  HTTP requests for the handshake + first Get: ${[...new Set(results.map((r) => r.handshake))].join(", ")}\n`,
  );
  if (results.some((r) => r.roundTrips !== 1)) {
    process.stderr.write("FAIL: more than one round trip per Get after the handshake\n");
    process.exit(1);
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
