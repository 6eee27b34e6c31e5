// The providers' create/read/update/delete called directly (no engine) against a
// simulated host: ownership, restore and drift rules in detail. The engine-level
// behaviour is in tests/e2e/resources.test.ts.
import { credSSPClientProvider, credSSPServerProvider, delegationPolicyProvider, trustedHostsProvider } from "../../provider/src/resources";
import { FleetHost, liveSnapshot, startFleetHost } from "../../testkit/fleet";
import { oob } from "../../testkit/out-of-band";
import { CREDENTIALS_DELEGATION_KEY } from "../../provider/src/windows";

jest.setTimeout(60_000);

const FRESH = `${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`;

async function checked<T>(provider: { check(o: unknown, n: Record<string, unknown>): Promise<{ inputs?: unknown; failures?: unknown[] }> }, news: Record<string, unknown>): Promise<T> {
  const r = await provider.check({}, news);
  expect(r.failures ?? []).toEqual([]);
  const { __provider, ...inputs } = r.inputs as Record<string, unknown>;
  void __provider;
  return inputs as T;
}

describe("providers against a simulated host", () => {
  let host: FleetHost;
  beforeEach(async () => {
    host = await startFleetHost("ws01.corp.test");
  });
  afterEach(async () => {
    await host.sim.stop();
  });

  it("CredSSPServer adopts an already-enabled flag and leaves it on delete", async () => {
    await oob(host).setConfig("service/auth", "CredSSP", "true");
    const inputs = await checked<any>(credSSPServerProvider, { connection: host.connection });
    const created = await credSSPServerProvider.create(inputs);
    expect(created.outs.lastApplied).toEqual([]);
    expect(created.outs.owned).toEqual({});
    await credSSPServerProvider.delete(created.id, created.outs);
    expect(await oob(host).config("service/auth", "CredSSP")).toBe("true");
  });

  it("CredSSPServer reports drift through read and restores false on delete", async () => {
    const inputs = await checked<any>(credSSPServerProvider, { connection: host.connection });
    const created = await credSSPServerProvider.create(inputs);
    expect(created.outs.lastApplied).toEqual(["Service/Auth/CredSSP: false -> true"]);
    await oob(host).setConfig("service/auth", "CredSSP", "false");
    const read = await credSSPServerProvider.read(created.id, created.outs);
    expect(read.inputs).toMatchObject({ enabled: false });
    expect((await credSSPServerProvider.diff(created.id, read.props as any, inputs)).changes).toBe(true);
    await credSSPServerProvider.delete(created.id, created.outs);
    expect(await oob(host).config("service/auth", "CredSSP")).toBe("false");
  });

  it("over connection.auth \"credssp\": a sentence naming Service/Auth/CredSSP while the host refuses it, then it works", async () => {
    const connection = { ...host.connection, auth: "credssp" };
    const inputs = await checked<any>(credSSPClientProvider, { connection, delegateComputers: ["srv01.corp.test"] });
    await expect(credSSPClientProvider.create(inputs)).rejects.toThrow(
      /does not offer CredSSP authentication \(it offers: Negotiate, Kerberos\)\. CredSSP needs Service\/Auth\/CredSSP=true/,
    );
    await oob(host).setConfig("service/auth", "CredSSP", "true");
    const created = await credSSPClientProvider.create(inputs);
    expect(created.outs.lastApplied).toContain("Client/Auth/CredSSP: false -> true");
    expect(await oob(host).config("client/auth", "CredSSP")).toBe("true");
    await credSSPClientProvider.delete(created.id, created.outs);
    expect(await oob(host).config("client/auth", "CredSSP")).toBe("false");
  });

  it("two owners of AllowFreshCredentials: each removes only its own, switches restored when the list empties", async () => {
    const before = await liveSnapshot(host);
    const client = await credSSPClientProvider.create(await checked<any>(credSSPClientProvider, { connection: host.connection, delegateComputers: ["srv01.corp.test"] }));
    const policy = await delegationPolicyProvider.create(
      await checked<any>(delegationPolicyProvider, { connection: host.connection, allowFreshCredentials: ["WSMAN/srv01.corp.test", "WSMAN/app01.corp.test"] }),
    );
    // srv01's SPN was already there (case-insensitive): adopted, not duplicated.
    expect(Object.values(await oob(host).entries(FRESH))).toEqual(["wsman/srv01.corp.test", "WSMAN/app01.corp.test"]);
    await delegationPolicyProvider.delete(policy.id, policy.outs);
    expect(Object.values(await oob(host).entries(FRESH))).toEqual(["wsman/srv01.corp.test"]);
    await credSSPClientProvider.delete(client.id, client.outs);
    expect(await liveSnapshot(host)).toEqual(before);
  });

  it("two owners, the one that turned the list on destroyed first: the switches stay for the other, then everything goes", async () => {
    const before = await liveSnapshot(host);
    const client = await credSSPClientProvider.create(await checked<any>(credSSPClientProvider, { connection: host.connection, delegateComputers: ["srv01.corp.test"] }));
    const policy = await delegationPolicyProvider.create(
      await checked<any>(delegationPolicyProvider, { connection: host.connection, allowFreshCredentials: ["WSMAN/app01.corp.test"] }),
    );
    await credSSPClientProvider.delete(client.id, client.outs);
    // The policy's entry was added after the client's create: its switches stay on.
    expect(await oob(host).dword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials")).toBe(1);
    expect(Object.values(await oob(host).entries(FRESH))).toEqual(["WSMAN/app01.corp.test"]);
    await delegationPolicyProvider.delete(policy.id, policy.outs);
    expect(await liveSnapshot(host)).toEqual(before);
  });

  it("numbering: a new entry goes after the highest name, gaps stay, foreign entries keep their names", async () => {
    await oob(host).setString(FRESH, "1", "TERMSRV/*");
    await oob(host).setString(FRESH, "3", "wsman/old.corp.test");
    const before = await liveSnapshot(host);
    const created = await delegationPolicyProvider.create(
      await checked<any>(delegationPolicyProvider, { connection: host.connection, allowFreshCredentials: ["WSMAN/new.corp.test"] }),
    );
    expect(await oob(host).entries(FRESH)).toEqual({ "1": "TERMSRV/*", "3": "wsman/old.corp.test", "4": "WSMAN/new.corp.test" });
    await delegationPolicyProvider.delete(created.id, created.outs);
    expect(await liveSnapshot(host)).toEqual(before);
  });

  it("exclusive: foreign entries are removed, then put back at their names on delete", async () => {
    await oob(host).setString(FRESH, "2", "TERMSRV/*");
    await oob(host).setDword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials", 1);
    const before = await liveSnapshot(host);
    const created = await delegationPolicyProvider.create(
      await checked<any>(delegationPolicyProvider, { connection: host.connection, allowFreshCredentials: ["WSMAN/only.corp.test"], exclusive: true }),
    );
    expect(Object.values(await oob(host).entries(FRESH))).toEqual(["WSMAN/only.corp.test"]);
    await delegationPolicyProvider.delete(created.id, created.outs);
    expect(await liveSnapshot(host)).toEqual(before);
  });

  it("update: a list that shrinks gives back only the dropped entry; the encryption oracle is restored", async () => {
    const before = await liveSnapshot(host);
    const inputs = await checked<any>(delegationPolicyProvider, {
      connection: host.connection,
      allowFreshCredentials: ["WSMAN/a.corp.test", "WSMAN/b.corp.test"],
      encryptionOracle: "mitigated",
    });
    const created = await delegationPolicyProvider.create(inputs);
    expect(await oob(host).dword("SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System\\CredSSP\\Parameters", "AllowEncryptionOracle")).toBe(1);
    const news = await checked<any>(delegationPolicyProvider, { connection: host.connection, allowFreshCredentials: ["WSMAN/b.corp.test"], encryptionOracle: "mitigated" });
    const updated = await delegationPolicyProvider.update(created.id, created.outs, news);
    expect(await oob(host).entries(FRESH)).toEqual({ "2": "WSMAN/b.corp.test" });
    await delegationPolicyProvider.delete(created.id, updated.outs as any);
    expect(await liveSnapshot(host)).toEqual(before);
  });

  it("TrustedHosts: appends to a foreign list and removes only its own; exclusive restores the exact string", async () => {
    await oob(host).setConfig("client", "TrustedHosts", "legacy01, LEGACY02");
    const added = await trustedHostsProvider.create(await checked<any>(trustedHostsProvider, { connection: host.connection, hosts: ["srv01.corp.test", "legacy02"] }));
    expect(await oob(host).config("client", "TrustedHosts")).toBe("legacy01, LEGACY02,srv01.corp.test");
    await trustedHostsProvider.delete(added.id, added.outs);
    expect(await oob(host).config("client", "TrustedHosts")).toBe("legacy01, LEGACY02");

    const exclusive = await trustedHostsProvider.create(await checked<any>(trustedHostsProvider, { connection: host.connection, hosts: ["srv01.corp.test"], exclusive: true }));
    expect(await oob(host).config("client", "TrustedHosts")).toBe("srv01.corp.test");
    await trustedHostsProvider.delete(exclusive.id, exclusive.outs);
    expect(await oob(host).config("client", "TrustedHosts")).toBe("legacy01, LEGACY02");
  });

  it("TrustedHosts switched to exclusive by an update still restores the string it first found", async () => {
    await oob(host).setConfig("client", "TrustedHosts", "legacy01");
    const inputs = await checked<any>(trustedHostsProvider, { connection: host.connection, hosts: ["srv01.corp.test"] });
    const created = await trustedHostsProvider.create(inputs);
    const exclusive = await checked<any>(trustedHostsProvider, { connection: host.connection, hosts: ["srv02.corp.test"], exclusive: true });
    const updated = await trustedHostsProvider.update(created.id, created.outs, exclusive);
    expect(await oob(host).config("client", "TrustedHosts")).toBe("srv02.corp.test");
    await trustedHostsProvider.delete(created.id, updated.outs as any);
    expect(await oob(host).config("client", "TrustedHosts")).toBe("legacy01");
  });

  it("a dropped connection mid-create hands the engine the state reached so far", async () => {
    const inputs = await checked<any>(delegationPolicyProvider, {
      connection: host.connection,
      allowFreshCredentials: ["WSMAN/a.corp.test", "WSMAN/b.corp.test", "WSMAN/c.corp.test"],
    });
    host.sim.faults.dropAfter = 12;
    const err = (await delegationPolicyProvider.create(inputs).then(
      () => undefined,
      (e: unknown) => e,
    )) as { id?: string; properties?: any; message: string } | undefined;
    host.sim.faults.dropAfter = undefined;
    expect(err?.id).toMatch(/\/DelegationPolicy\//);
    const recorded = err!.properties.owned.lists.allowFreshCredentials.added.map((e: { spn: string }) => e.spn);
    const live = Object.values(await oob(host).entries(FRESH));
    expect(live).toEqual(recorded); // the record matches exactly what landed
    expect(err!.message).not.toContain(host.connection.password);
    // The engine retries with update(olds = recorded state): it converges and owns everything.
    const updated = await delegationPolicyProvider.update(err!.id!, err!.properties, inputs);
    expect(Object.values(await oob(host).entries(FRESH)).sort()).toEqual(["WSMAN/a.corp.test", "WSMAN/b.corp.test", "WSMAN/c.corp.test"]);
    await delegationPolicyProvider.delete(err!.id!, updated.outs as any);
    expect(await oob(host).entries(FRESH)).toEqual({});
  });
});
