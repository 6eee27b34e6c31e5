// The request budget of each resource operation: WinRM requests the simulated host
// receives (every HTTP request, handshakes included) for create, read, update and
// delete of each resource, on a session the pool already holds (the first operation on
// a host in a run adds the handshake and the MachineGuid read: 3 more over NTLM). On a
// real network each request is a round trip, so these numbers are the cost; they are
// pinned exactly, so a change that adds requests fails here, and one that saves some
// updates the table below and docs/ARCHITECTURE.md ("Request budgets") with it.
import {
  credSSPClientProvider,
  credSSPServerProvider,
  delegationPolicyProvider,
  trustedHostsProvider,
} from "../../provider/src/resources";
import { clientOptions } from "../../provider/src/resources/connection";
import { WSMAN_CONFIG_URI, withHostSession } from "../../provider/src/windows";
import { sessionPool } from "../../provider/src/winrm";
import { FleetHost, startFleetHost } from "../../testkit/fleet";

jest.setTimeout(60_000);

type Op = "create" | "read" | "update" | "delete";
type Budget = Record<Op, number>;

/** The budgets, as docs/ARCHITECTURE.md lists them. */
const BUDGETS: Record<string, Budget> = {
  CredSSPServer: { create: 10, read: 1, update: 6, delete: 8 },
  CredSSPClient: { create: 29, read: 5, update: 16, delete: 30 },
  DelegationPolicy: { create: 42, read: 8, update: 20, delete: 42 },
  TrustedHosts: { create: 10, read: 1, update: 9, delete: 9 },
};

interface Provider {
  check(olds: unknown, news: Record<string, unknown>): Promise<{ inputs?: unknown; failures?: unknown[] }>;
  create(inputs: any): Promise<{ id: string; outs: any }>;
  read(id: string, props: any): Promise<unknown>;
  update(id: string, olds: any, news: any): Promise<{ outs: any }>;
  delete(id: string, props: any): Promise<void>;
}

/** Each resource as the fleet benchmark declares it (the double hop to a neighbour), and an update adding one more. */
function cases(c: FleetHost["connection"]): Record<string, [Provider, Record<string, unknown>, Record<string, unknown>]> {
  return {
    CredSSPServer: [credSSPServerProvider, { connection: c }, { connection: { ...c, timeoutSeconds: 30 } }],
    CredSSPClient: [
      credSSPClientProvider,
      { connection: c, delegateComputers: ["srv02.corp.test"] },
      { connection: c, delegateComputers: ["srv02.corp.test", "srv03.corp.test"] },
    ],
    DelegationPolicy: [
      delegationPolicyProvider,
      { connection: c, allowFreshCredentials: ["WSMAN/srv02.corp.test"], allowFreshCredentialsWhenNTLMOnly: ["WSMAN/srv02.corp.test"] },
      {
        connection: c,
        allowFreshCredentials: ["WSMAN/srv02.corp.test", "WSMAN/srv03.corp.test"],
        allowFreshCredentialsWhenNTLMOnly: ["WSMAN/srv02.corp.test"],
      },
    ],
    TrustedHosts: [trustedHostsProvider, { connection: c, hosts: ["srv02.corp.test"] }, { connection: c, hosts: ["srv02.corp.test", "srv03.corp.test"] }],
  };
}

async function checked(p: Provider, news: Record<string, unknown>): Promise<any> {
  const r = await p.check({}, news);
  expect(r.failures ?? []).toEqual([]);
  const { __provider, ...inputs } = r.inputs as Record<string, unknown>;
  void __provider;
  return inputs;
}

let host: FleetHost;
beforeEach(async () => {
  sessionPool.closeAll();
  host = await startFleetHost("budget01.corp.test");
});
afterEach(async () => {
  sessionPool.closeAll();
  await host.sim.stop();
});

test.each(Object.keys(BUDGETS))("%s: requests per create, read, update, delete", async (name) => {
  const [provider, first, second] = cases(host.connection)[name];
  const a = await checked(provider, first);
  const b = await checked(provider, second);
  // Warm the pool: the operations below run on the session a run already holds.
  await withHostSession(clientOptions(a.connection), (client) => client.get(WSMAN_CONFIG_URI));
  const spent = async <T>(op: () => Promise<T>): Promise<[number, T]> => {
    const before = host.sim.requestCount;
    const result = await op();
    return [host.sim.requestCount - before, result];
  };
  const [create, created] = await spent(() => provider.create(a));
  const [read] = await spent(() => provider.read(created.id, created.outs));
  const [update, updated] = await spent(() => provider.update(created.id, created.outs, b));
  const [del] = await spent(() => provider.delete(created.id, { ...created.outs, ...updated.outs }));
  expect({ name, create, read, update, delete: del }).toEqual({ name, ...BUDGETS[name] });
});
