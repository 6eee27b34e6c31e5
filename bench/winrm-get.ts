// Benchmark: sequential WS-Transfer Gets over one authenticated session (HTTP, message
// encryption) against a simulated host on loopback, for NTLM, CredSSP and Kerberos in
// the same run. Reports Gets per second and HTTP round trips per Get after the handshake
// (must be 1: the authenticated keep-alive connection is reused, no re-authentication
// per request), and what the handshake costs (for Kerberos including the AS and TGS
// exchanges with a real MIT KDC, testkit/mit-kdc.ts, started for the run).
//   npm run bench -- [--gets 100] [--runs 5]
import { performance } from "node:perf_hooks";
import { WSMAN_CONFIG_URI as CONFIG } from "../provider/src/windows";
import { WinRMClient } from "../provider/src/winrm";
import { startHost } from "../simulator/src";
import { mitKdcUnavailableReason, MitRealm, startMitRealm } from "../testkit/mit-kdc";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
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
const PASSWORD = "Bench!P4ss";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const gets = arg("gets", 100);
  const runs = arg("runs", 5);
  const noKdc = mitKdcUnavailableReason();
  if (noKdc) process.stderr.write(`Kerberos left out: ${noKdc}\n`);
  const realm: MitRealm | undefined = noKdc ? undefined : await startMitRealm({ users: [{ name: "admin", password: PASSWORD }], hosts: [{ fqdn: HOST }] });
  const sim = await startHost({
    hostname: HOST,
    users: [{ name: "admin", password: PASSWORD, admin: true }],
    set: { "Service/Auth/CredSSP": "true" },
    keytab: realm?.keytabFor(HOST),
  });
  const port = Number(new URL(sim.httpUrl!).port);
  const schemes: Scheme[] = realm ? ["ntlm", "credssp", "kerberos"] : ["ntlm", "credssp"];
  const results: Record<Scheme, Run[]> = { ntlm: [], credssp: [], kerberos: [] };
  try {
    // Interleaved, so every scheme sees the same machine load.
    for (let run = 0; run < runs; run++) {
      for (const auth of schemes) {
        // Kerberos names the host by its FQDN (HTTP/bench01.corp.test) while reaching it on loopback.
        const kerberos = auth === "kerberos" ? { kerberosHostname: HOST, kerberosEnv: realm!.env } : {};
        const client = new WinRMClient({ host: "127.0.0.1", port, auth, username: "admin", password: PASSWORD, ...kerberos });
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
  process.stdout.write(out);
  if (schemes.some((auth) => results[auth].some((r) => r.roundTrips !== 1))) {
    process.stderr.write("FAIL: more than one round trip per Get after the handshake\n");
    process.exit(1);
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
