// Resource operations share the host's pooled session (windows/host-session.ts over
// winrm/pool.ts): the handshake and the host-identity read are paid once per host and
// credentials in a provider process, not once per operation.
import { credSSPServerProvider, trustedHostsProvider } from "../../provider/src/resources";
import { sessionPool } from "../../provider/src/winrm";
import { FleetHost, startFleetHost } from "../../testkit/fleet";

jest.setTimeout(60_000);

let hosts: FleetHost[];
beforeEach(async () => {
  sessionPool.closeAll();
  hosts = await Promise.all(["pool01.corp.test", "pool02.corp.test"].map((n) => startFleetHost(n)));
});
afterEach(async () => {
  sessionPool.closeAll();
  await Promise.all(hosts.map((h) => h.sim.stop()));
});

async function inputs(provider: { check(o: unknown, n: Record<string, unknown>): Promise<{ inputs?: unknown }> }, news: Record<string, unknown>): Promise<any> {
  const { __provider, ...rest } = (await provider.check({}, news)).inputs as Record<string, unknown>;
  void __provider;
  return rest;
}

test("the first operation on a host pays the handshake and the identity read; the next ones only their own requests", async () => {
  const [h] = hosts;
  const created = await credSSPServerProvider.create(await inputs(credSSPServerProvider, { connection: h.connection }));
  const afterCreate = h.sim.requestCount;
  await credSSPServerProvider.read(created.id, created.outs);
  expect(h.sim.requestCount - afterCreate).toBe(1); // the Get of Service/Auth; no handshake, no MachineGuid
  const th = await inputs(trustedHostsProvider, { connection: h.connection, hosts: ["pool02.corp.test"] });
  const t = await trustedHostsProvider.create(th);
  const before = h.sim.requestCount;
  await Promise.all([credSSPServerProvider.read(created.id, created.outs), trustedHostsProvider.read(t.id, t.outs)]);
  const reads = h.sim.requestCount - before;
  // Two resources' reads in parallel, on the one session: no handshake among them.
  expect(reads).toBeLessThanOrEqual(3);
  expect(sessionPool.size).toBe(1);
});

test("each host has its own session, kept across operations", async () => {
  const created = await Promise.all(
    hosts.map(async (h) => credSSPServerProvider.create(await inputs(credSSPServerProvider, { connection: h.connection }))),
  );
  expect(sessionPool.size).toBe(2);
  const before = hosts.map((h) => h.sim.requestCount);
  await Promise.all(created.map((c) => credSSPServerProvider.read(c.id, c.outs)));
  expect(hosts.map((h, i) => h.sim.requestCount - before[i])).toEqual([1, 1]);
});
