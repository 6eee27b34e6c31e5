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
import {
  credSSPClientProvider,
  credSSPServerProvider,
  delegationPolicyProvider,
  trustedHostsProvider,
} from "../provider/src/resources";
import { forgetHandedOverLedgers } from "../provider/src/resources/ledger";
import { sessionPool } from "../provider/src/winrm";
import type { ReceivedOperation } from "../simulator/src";
import { startFleetHost } from "../testkit/fleet";
import { countByArea, requestArea } from "../testkit/request-areas";

interface Provider {
  check(olds: unknown, news: Record<string, unknown>): Promise<{ inputs?: unknown; failures?: unknown[] }>;
  create(inputs: any): Promise<{ id: string; outs: any }>;
  read(id: string, props: any): Promise<unknown>;
  delete(id: string, props: any): Promise<void>;
}

function describe(op: ReceivedOperation): string {
  const r = op.registry;
  if (!r) return `${op.action} ${op.resourceUri.replace(/^http:\/\/schemas\.microsoft\.com\/wbem\/wsman\/1\//, "")}`;
  return `${op.action} ${r.hive}\\${r.key}${r.value === undefined ? "" : ` [${r.value}]`}`;
}

async function main(): Promise<void> {
  const host = await startFleetHost("host01.corp.test");
  try {
    const c = host.connection;
    const resources: Array<[string, Provider, Record<string, unknown>]> = [
      ["CredSSPServer", credSSPServerProvider, { connection: c }],
      ["CredSSPClient", credSSPClientProvider, { connection: c, delegateComputers: ["srv02.corp.test"] }],
      [
        "DelegationPolicy",
        delegationPolicyProvider,
        { connection: c, allowFreshCredentials: ["WSMAN/srv02.corp.test"], allowFreshCredentialsWhenNTLMOnly: ["WSMAN/srv02.corp.test"] },
      ],
      ["TrustedHosts", trustedHostsProvider, { connection: c, hosts: ["srv02.corp.test"] }],
    ];
    const inputs = await Promise.all(
      resources.map(async ([name, p, news]) => {
        const r = await p.check({}, news);
        if (r.failures?.length) throw new Error(`${name}: check failed: ${JSON.stringify(r.failures)}`);
        const { __provider, ...rest } = r.inputs as Record<string, unknown>;
        void __provider;
        return rest;
      }),
    );

    /** Runs one phase as a new provider process would, and prints what the host received. */
    const phase = async <T>(title: string, run: () => Promise<T>): Promise<T> => {
      sessionPool.closeAll();
      forgetHandedOverLedgers();
      const seen: ReceivedOperation[] = [];
      const stop = host.sim.observe((op) => seen.push(op));
      const before = host.sim.requestCount;
      let result: T;
      try {
        result = await run();
      } finally {
        stop();
      }
      const total = host.sim.requestCount - before;
      const counts = [`handshake ${total - seen.length}`, ...Object.entries(countByArea(seen)).map(([a, n]) => `${a} ${n}`)].join(", ");
      let out = `\n${title}: ${total} requests (${counts})\n`;
      seen.forEach((op, i) => {
        out += `  ${String(i + 1).padStart(3)}  ${requestArea(op).padEnd(8)}  ${describe(op)}\n`;
      });
      process.stdout.write(out);
      return result;
    };

    const created = await phase("create, the four at once", () => Promise.all(resources.map(([, p], i) => p.create(inputs[i]))));
    await phase("read (a refresh), the four at once", () => Promise.all(resources.map(([, p], i) => p.read(created[i].id, created[i].outs))));
    await phase("delete, the four at once", () => Promise.all(resources.map(([, p], i) => p.delete(created[i].id, created[i].outs))));
  } finally {
    sessionPool.closeAll();
    await host.sim.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
