// Benchmark: what `options.refresh: always` costs. The demo's stack (examples/
// double-hop as `npm start` runs it: the four resources and a DoubleHopCheck, on
// simulated ws01 and srv01 over NTLM with encryption, fs01 serving \\fs01\share from
// a real smbd) is previewed with the option and, from the same state, without it; each
// run counts the WinRM requests the hosts received and the wall time of the whole
// `pulumi preview` (engine start included), alternating the two.
//   npm run bench:refresh -- [--runs 5]
import { doubleHop } from "../examples/double-hop/program";
import { openStack } from "../scripts/engine";
import { makeShareFolder } from "../scripts/demo-hop";
import { FleetHost, startFleetHost, stopFleet } from "../testkit/fleet";
import { HostDirectory } from "../simulator/src";

const DOMAIN = "corp.example.com";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const runs = arg("runs", 5);
  const share = makeShareFolder();
  const directory = new HostDirectory();
  const hosts: FleetHost[] = [];
  for (const name of ["ws01", "srv01", "fs01"]) {
    hosts.push(await startFleetHost(`${name}.${DOMAIN}`, { directory, shares: name === "fs01" ? { share: share.dir } : undefined }));
  }
  const [ws01, srv01] = hosts;
  const program = async () =>
    doubleHop({
      ws01: { fqdn: ws01.fqdn, connection: ws01.connection },
      srv01: { fqdn: srv01.fqdn, connection: srv01.connection },
      secondHop: { path: `\\\\fs01.${DOMAIN}\\share` },
    });
  const always = await openStack({ projectName: "bench-refresh", program });
  const plain = await openStack({ projectName: "bench-refresh", program, backendDir: always.backendDir, refresh: "default" });
  const requests = () => hosts.reduce((n, h) => n + h.sim.requestCount, 0);
  const results = { always: { ms: [] as number[], requests: [] as number[] }, plain: { ms: [] as number[], requests: [] as number[] } };
  try {
    const up = await always.stack.up();
    if (up.summary.result !== "succeeded") throw new Error(`up ${up.summary.result}`);
    const resources = Object.values(up.summary.resourceChanges ?? {}).reduce((a, b) => a + b, 0);
    for (let run = 0; run < runs; run++) {
      for (const [name, engine] of [["always", always], ["plain", plain]] as const) {
        const sent = requests();
        const t0 = Date.now();
        const pv = await engine.stack.preview();
        results[name].ms.push(Date.now() - t0);
        results[name].requests.push(requests() - sent);
        if ((pv.changeSummary.same ?? 0) !== resources) throw new Error(`preview wants changes: ${JSON.stringify(pv.changeSummary)}`);
      }
    }
    const a = results.always;
    const p = results.plain;
    process.stdout.write(
      `plain \`pulumi preview\` of the demo's stack (${resources} resources: the four, the DoubleHopCheck and the stack), ${runs} runs each, medians\n` +
        `  refresh: always   ${median(a.ms)} ms, ${median(a.requests)} WinRM requests (min ${Math.min(...a.ms)}, max ${Math.max(...a.ms)} ms)\n` +
        `  no refresh        ${median(p.ms)} ms, ${median(p.requests)} WinRM requests (min ${Math.min(...p.ms)}, max ${Math.max(...p.ms)} ms)\n` +
        `  cost of the refresh: ${median(a.ms) - median(p.ms)} ms and ${median(a.requests) - median(p.requests)} requests per run ` +
        `(one read of each resource's settings, and the DoubleHopCheck's hop run again)\n`,
    );
    await always.stack.destroy();
  } finally {
    await plain.dispose();
    await always.dispose();
    await stopFleet(hosts);
    share.remove();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
