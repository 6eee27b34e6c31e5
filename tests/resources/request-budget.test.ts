// The request budget of each resource operation: WinRM requests the simulated host
// receives (every HTTP request, handshakes included) for create, read, update and
// delete of each resource, on a session the pool already holds (the first operation on
// a host in a run adds the handshake and the MachineGuid read: 3 more over NTLM). On a
// real network each request is a round trip, so these numbers are the cost; they are
// pinned exactly, so a change that adds requests fails here, and one that saves some
// updates the table below and docs/ARCHITECTURE.md ("Sessions and request budgets") with it.
import { clientOptions } from "../../provider/src/resources/connection";
import { forgetHandedOverLedgers } from "../../provider/src/resources/ledger";
import { WSMAN_CONFIG_URI, withHostSession } from "../../provider/src/windows";
import { sessionPool } from "../../provider/src/winrm";
import { asNewProcess, checkInputs, doubleHopCases, ResourceProvider } from "../../testkit/double-hop-providers";
import { FleetHost, startFleetHost } from "../../testkit/fleet";
import { countByArea } from "../../testkit/request-areas";

jest.setTimeout(60_000);

type Op = "create" | "read" | "update" | "delete";
type Budget = Record<Op, number>;

/** The budgets, as docs/ARCHITECTURE.md lists them. */
const BUDGETS: Record<string, Budget> = {
  CredSSPServer: { create: 8, read: 1, update: 6, delete: 7 },
  CredSSPClient: { create: 21, read: 5, update: 13, delete: 22 },
  DelegationPolicy: { create: 30, read: 8, update: 16, delete: 29 },
  TrustedHosts: { create: 8, read: 1, update: 7, delete: 7 },
};

/**
 * One host's four resources at once, as a run does them (Pulumi creates, reads and
 * deletes them in parallel), on a fresh pool: the handshake included, and for the writes
 * the MachineGuid read (reads take no lock, so need none). The writes
 * queue on the host's lock and each hands the ledger it read back to the next; the
 * reads share what they read (resources/connection.ts, resources/ledger.ts).
 */
const HOST_AT_ONCE = { create: 56, read: 11, delete: 52 };
/**
 * What those are made of (testkit/request-areas.ts), as docs/ARCHITECTURE.md's breakdown
 * lists them; the handshake is the rest (2 requests over NTLM).
 */
const HOST_AT_ONCE_AREAS = {
  create: { identity: 1, ledger: 14, wsman: 9, lists: 30 },
  read: { wsman: 1, lists: 8 },
  delete: { identity: 1, ledger: 13, wsman: 9, lists: 27 },
};

async function checked(p: ResourceProvider, news: Record<string, unknown>): Promise<any> {
  const { failures, inputs } = await checkInputs(p, news);
  expect(failures).toEqual([]);
  return inputs;
}

let host: FleetHost;

/** The requests the host received while `op` ran, and its result. */
async function spent<T>(op: () => Promise<T>): Promise<[number, T]> {
  const before = host.sim.requestCount;
  const result = await op();
  return [host.sim.requestCount - before, result];
}

beforeEach(async () => {
  sessionPool.closeAll();
  host = await startFleetHost("budget01.corp.test");
});
afterEach(async () => {
  sessionPool.closeAll();
  await host.sim.stop();
});

test.each(Object.keys(BUDGETS))("%s: requests per create, read, update, delete", async (name) => {
  const [provider, first, second] = doubleHopCases(host.connection)[name];
  const a = await checked(provider, first);
  const b = await checked(provider, second);
  // Warm the pool: the operations below run on the session a run already holds.
  await withHostSession(clientOptions(a.connection), (client) => client.get(WSMAN_CONFIG_URI));
  const alone = <T>(op: () => Promise<T>): Promise<[number, T]> => {
    forgetHandedOverLedgers(); // each operation alone: it reads the ledger itself
    return spent(op);
  };
  const [create, created] = await alone(() => provider.create(a));
  const [read] = await alone(() => provider.read(created.id, created.outs));
  const [update, updated] = await alone(() => provider.update(created.id, created.outs, b));
  const [del] = await alone(() => provider.delete(created.id, { ...created.outs, ...updated.outs }));
  expect({ name, create, read, update, delete: del }).toEqual({ name, ...BUDGETS[name] });
});

test("a host's four resources at once: the ledger is handed over, reads are shared", async () => {
  const all = Object.values(doubleHopCases(host.connection));
  const inputs = await Promise.all(all.map(([p, first]) => checked(p, first)));
  const areas: Record<string, unknown> = {};
  // As a run starts: a new provider process, with no sessions and nothing handed over.
  const run = async <T>(phase: string, op: () => Promise<T>): Promise<[number, T]> => {
    const { result, requests, seen } = await asNewProcess(host.sim, op);
    areas[phase] = { ...countByArea(seen), handshake: requests - seen.length };
    return [requests, result];
  };
  const [create, created] = await run("create", () => Promise.all(all.map(([p], i) => p.create(inputs[i]))));
  const [read, reads] = await run("read", () => Promise.all(all.map(([p], i) => p.read(created[i].id, created[i].outs))));
  for (const r of reads) expect(r).toHaveProperty("id"); // every one still there
  const [del] = await run("delete", () => Promise.all(all.map(([p], i) => p.delete(created[i].id, created[i].outs))));
  // One at a time, each would pay its own ledger read and its own reads.
  const alone = Object.values(BUDGETS);
  expect(create).toBeLessThan(3 + alone.reduce((n, b) => n + b.create, 0));
  expect(read).toBeLessThan(3 + alone.reduce((n, b) => n + b.read, 0));
  expect({ create, read, delete: del }).toEqual(HOST_AT_ONCE);
  const withHandshake = (a: Record<string, number>) => ({ ...a, handshake: 2 });
  expect(areas).toEqual({
    create: withHandshake(HOST_AT_ONCE_AREAS.create),
    read: withHandshake(HOST_AT_ONCE_AREAS.read),
    delete: withHandshake(HOST_AT_ONCE_AREAS.delete),
  });
});

test("reads share one view of the host across resources, never across a second read of one resource or a write", async () => {
  const c = doubleHopCases(host.connection);
  const [clientP, clientIn] = c.CredSSPClient;
  const [policyP, policyIn] = c.DelegationPolicy;
  const [trustedP, trustedIn] = c.TrustedHosts;
  const client = await clientP.create(await checked(clientP, clientIn));
  const policy = await policyP.create(await checked(policyP, policyIn));
  const trusted = await trustedP.create(await checked(trustedP, trustedIn));
  const readClient = async () => (await spent(() => clientP.read(client.id, client.outs)))[0];
  const readPolicy = async () => (await spent(() => policyP.read(policy.id, policy.outs)))[0];
  expect(await readClient()).toBe(BUDGETS.CredSSPClient.read);
  expect(await readPolicy()).toBe(BUDGETS.DelegationPolicy.read - 4); // AllowFreshCredentials came with the client's read
  expect(await readClient()).toBe(BUDGETS.CredSSPClient.read); // read again: a new refresh, read afresh
  await trustedP.update(trusted.id, trusted.outs, { ...trusted.outs, hosts: ["srv02.corp.test", "srv04.corp.test"] });
  expect(await readPolicy()).toBe(BUDGETS.DelegationPolicy.read); // a write in between: nothing shared
});
