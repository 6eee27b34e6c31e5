// What one host receives when a run creates, refreshes and deletes the double hop's
// four resources on it: every WS-Management operation, in the order it arrived.
//   npm run bench -- requests
//
// One simulated host; the four resources as the fleet benchmark declares them (the
// double hop to a neighbour, srv02.corp.test), each phase the four at once as a run does
// them, on a fresh session pool (a new provider process): create, read (a refresh),
// delete. The totals are those tests/resources/request-budget.test.ts pins; this prints
// what they are made of, so docs/ARCHITECTURE.md's breakdown ("Sessions and request
// budgets") can be checked line by line, and so an admin can see exactly which settings
// a run reads and writes. Requests that reach the WS-Management service are listed; the
// rest of the host's HTTP requests are the authentication handshake.
import { sessionPool } from "../provider/src/winrm";
import type { ReceivedOperation } from "../simulator/src";
import { asNewProcess, checkInputs, doubleHopCases } from "../testkit/double-hop-providers";
import { startFleetHost } from "../testkit/fleet";
import { countByArea, requestArea } from "../testkit/request-areas";

function describe(op: ReceivedOperation): string {
  const r = op.registry;
  if (!r) return `${op.action} ${op.resourceUri.replace(/^http:\/\/schemas\.microsoft\.com\/wbem\/wsman\/1\//, "")}`;
  return `${op.action} ${r.hive}\\${r.key}${r.value === undefined ? "" : ` [${r.value}]`}`;
}

async function main(): Promise<void> {
  const host = await startFleetHost("host01.corp.test");
  try {
    const resources = Object.entries(doubleHopCases(host.connection));
    const inputs = await Promise.all(
      resources.map(async ([name, [p, first]]) => {
        const { failures, inputs: checked } = await checkInputs(p, first);
        if (failures.length > 0) throw new Error(`${name}: check failed: ${JSON.stringify(failures)}`);
        return checked;
      }),
    );

    /** Runs one phase as a new provider process would, and prints what the host received. */
    const phase = async <T>(title: string, run: () => Promise<T>): Promise<T> => {
      const { result, requests, seen } = await asNewProcess(host.sim, run);
      const counts = [`handshake ${requests - seen.length}`, ...Object.entries(countByArea(seen)).map(([a, n]) => `${a} ${n}`)].join(", ");
      let out = `\n${title}: ${requests} requests (${counts})\n`;
      seen.forEach((op, i) => {
        out += `  ${String(i + 1).padStart(3)}  ${requestArea(op).padEnd(8)}  ${describe(op)}\n`;
      });
      process.stdout.write(out);
      return result;
    };

    const created = await phase("create, the four at once", () => Promise.all(resources.map(([, [p]], i) => p.create(inputs[i]))));
    await phase("read (a refresh), the four at once", () => Promise.all(resources.map(([, [p]], i) => p.read(created[i].id, created[i].outs))));
    await phase("delete, the four at once", () => Promise.all(resources.map(([, [p]], i) => p.delete(created[i].id, created[i].outs))));
  } finally {
    sessionPool.closeAll();
    await host.sim.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
