// The providers' create/read/update/delete called directly (no engine) against a
// simulated host: ownership, restore and drift rules in detail. Host state is read
// out of band (testkit), never from the providers' outputs. The engine-level
// behaviour is in tests/e2e/.
import { credSSPClientProvider, credSSPServerProvider, delegationPolicyProvider, trustedHostsProvider } from "../../provider/src/resources";
import { FleetHost, liveSnapshot, startFleetHost } from "../../testkit/fleet";
import { oob, ownersOf } from "../../testkit/out-of-band";
import { CREDENTIALS_DELEGATION_KEY, ENCRYPTION_ORACLE_KEY } from "../../provider/src/windows";

jest.setTimeout(60_000);

const FRESH = `${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`;
const FRESH_SRV01 = "entry:AllowFreshCredentials/wsman/srv01.corp.test";

type Provider = { check(o: unknown, n: Record<string, unknown>): Promise<{ inputs?: unknown; failures?: unknown[] }> };

async function checked<T>(provider: Provider, news: Record<string, unknown>, owner?: string): Promise<T> {
  const r = await provider.check({}, owner ? { ...news, __owner: owner } : news);
  expect(r.failures ?? []).toEqual([]);
  const { __provider, ...inputs } = r.inputs as Record<string, unknown>;
  void __provider;
  return inputs as T;
}

async function failure(p: Promise<unknown>): Promise<{ id?: string; properties?: any; message: string } | undefined> {
  return p.then(
    () => undefined,
    (e: { id?: string; properties?: any; message: string }) => e,
  );
}

describe("providers against a simulated host", () => {
  let host: FleetHost;
  beforeEach(async () => {
    host = await startFleetHost("ws01.corp.test");
  });
  afterEach(async () => {
    await host.sim.stop();
  });

  it("CredSSPServer adopts an already-enabled flag (recorded as found) and leaves it on delete", async () => {
    await oob(host).setConfig("service/auth", "CredSSP", "true");
    const before = await liveSnapshot(host);
    const created = await credSSPServerProvider.create(await checked<any>(credSSPServerProvider, { connection: host.connection }, "urn:srv"));
    expect(created.outs.lastApplied).toEqual([]);
    expect(created.outs.__owned.owner).toMatch(/^urn:srv#[0-9a-f]{8}$/);
    const ledger = await oob(host).ledger();
    expect(ledger?.subjects["wsman:Service/Auth/CredSSP"]).toEqual({ before: true, adopted: true, owners: { [created.outs.__owned.owner]: true } });
    await credSSPServerProvider.delete(created.id, created.outs);
    expect(await liveSnapshot(host)).toEqual(before);
  });

  it("CredSSPServer reports drift through read and restores false on delete", async () => {
    const inputs = await checked<any>(credSSPServerProvider, { connection: host.connection });
    const created = await credSSPServerProvider.create(inputs);
    expect(created.outs.lastApplied).toEqual(["Service/Auth/CredSSP: false -> true"]);
    await oob(host).setConfig("service/auth", "CredSSP", "false");
    const read = await credSSPServerProvider.read(created.id, created.outs);
    expect(read.inputs).toMatchObject({ enabled: false }); // still in the ledger: drift, not gone
    expect((await credSSPServerProvider.diff(created.id, read.props as any, inputs)).changes).toBe(true);
    await credSSPServerProvider.delete(created.id, created.outs);
    expect(await oob(host).config("service/auth", "CredSSP")).toBe("false");
    expect(await oob(host).ledger()).toBeUndefined();
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

  it.each([
    ["the client first", "client"],
    ["the policy first", "policy"],
  ])("two resources declaring wsman/srv01: deleting %s leaves the entry, switches and key to the other; the last restores exactly", async (_label, firstGone) => {
    const before = await liveSnapshot(host);
    const client = await credSSPClientProvider.create(await checked<any>(credSSPClientProvider, { connection: host.connection, delegateComputers: ["srv01.corp.test"] }));
    const policy = await delegationPolicyProvider.create(
      await checked<any>(delegationPolicyProvider, { connection: host.connection, allowFreshCredentials: ["WSMAN/srv01.corp.test", "WSMAN/app01.corp.test"] }),
    );
    // srv01's SPN was already there (case-insensitive): one entry, two owners.
    expect(Object.values(await oob(host).entries(FRESH))).toEqual(["wsman/srv01.corp.test", "WSMAN/app01.corp.test"]);
    expect(ownersOf(await oob(host).ledger(), FRESH_SRV01)).toEqual([client.outs.__owned.owner, policy.outs.__owned.owner]);

    const [gone, stays] = firstGone === "client" ? [client, policy] : [policy, client];
    const provider = (r: typeof gone) => (r === client ? credSSPClientProvider : delegationPolicyProvider);
    await provider(gone).delete(gone.id, gone.outs as any);
    expect(Object.values(await oob(host).entries(FRESH))).toContain("wsman/srv01.corp.test");
    expect(await oob(host).dword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials")).toBe(1);
    expect(await oob(host).dword(CREDENTIALS_DELEGATION_KEY, "ConcatenateDefaults_AllowFresh")).toBe(1);
    expect(ownersOf(await oob(host).ledger(), FRESH_SRV01)).toEqual([stays.outs.__owned.owner]);
    await provider(stays).delete(stays.id, stays.outs as any);
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
    expect((await oob(host).ledger())?.subjects["entry:AllowFreshCredentials/wsman/new.corp.test"]).toMatchObject({ before: null, name: "4" });
    await delegationPolicyProvider.delete(created.id, created.outs);
    expect(await liveSnapshot(host)).toEqual(before);
  });

  it("DelegationPolicy reports a ConcatenateDefaults flipped out of band as drift, and an update puts it back", async () => {
    const before = await liveSnapshot(host);
    const inputs = await checked<any>(delegationPolicyProvider, {
      connection: host.connection,
      allowFreshCredentials: ["WSMAN/srv01.corp.test"],
      allowFreshCredentialsWhenNTLMOnly: ["WSMAN/srv01.corp.test"],
    });
    const created = await delegationPolicyProvider.create(inputs);
    const unchanged = await delegationPolicyProvider.read(created.id, created.outs);
    expect(unchanged.inputs).toMatchObject({ concatenateDefaults: true });
    expect((await delegationPolicyProvider.diff(created.id, unchanged.props as any, inputs)).changes).toBe(false);

    // A GPO (or an admin) turns Windows' defaults off for one of the two lists.
    await oob(host).setDword(CREDENTIALS_DELEGATION_KEY, "ConcatenateDefaults_AllowFreshNTLMOnly", 0);
    const drifted = await delegationPolicyProvider.read(created.id, created.outs);
    expect(drifted.inputs).toMatchObject({ concatenateDefaults: false, allowFreshCredentialsWhenNTLMOnly: ["WSMAN/srv01.corp.test"] });
    expect((await delegationPolicyProvider.diff(created.id, drifted.props as any, inputs)).changes).toBe(true);

    const updated = await delegationPolicyProvider.update(created.id, drifted.props as any, inputs);
    expect(await oob(host).dword(CREDENTIALS_DELEGATION_KEY, "ConcatenateDefaults_AllowFreshNTLMOnly")).toBe(1);
    expect((await delegationPolicyProvider.read(created.id, updated.outs)).inputs).toMatchObject({ concatenateDefaults: true });
    await delegationPolicyProvider.delete(created.id, updated.outs);
    expect(await liveSnapshot(host)).toEqual(before);
  });

  it("exclusive: foreign entries are removed and put back at their names; another resource's entry is not touched", async () => {
    await oob(host).setString(FRESH, "2", "TERMSRV/*");
    await oob(host).setDword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials", 1);
    const before = await liveSnapshot(host);
    const client = await credSSPClientProvider.create(await checked<any>(credSSPClientProvider, { connection: host.connection, delegateComputers: ["srv01.corp.test"] }));
    const inputs = await checked<any>(delegationPolicyProvider, { connection: host.connection, allowFreshCredentials: ["WSMAN/only.corp.test"], exclusive: true });
    const created = await delegationPolicyProvider.create(inputs);
    expect(Object.values(await oob(host).entries(FRESH))).toEqual(["wsman/srv01.corp.test", "WSMAN/only.corp.test"]);
    // Its view of the list leaves out the client's entry: no perpetual drift.
    const read = await delegationPolicyProvider.read(created.id, created.outs);
    expect(read.inputs?.allowFreshCredentials).toEqual(["WSMAN/only.corp.test"]);
    await delegationPolicyProvider.delete(created.id, created.outs);
    expect(await oob(host).entries(FRESH)).toEqual({ "2": "TERMSRV/*", "3": "wsman/srv01.corp.test" });
    await credSSPClientProvider.delete(client.id, client.outs);
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
    expect(await oob(host).dword(ENCRYPTION_ORACLE_KEY, "AllowEncryptionOracle")).toBe(1);
    const news = await checked<any>(delegationPolicyProvider, { connection: host.connection, allowFreshCredentials: ["WSMAN/b.corp.test"], encryptionOracle: "mitigated" });
    const updated = await delegationPolicyProvider.update(created.id, created.outs, news);
    expect(await oob(host).entries(FRESH)).toEqual({ "2": "WSMAN/b.corp.test" });
    expect(updated.outs.lastApplied).toEqual(["AllowFreshCredentials: removed 1=WSMAN/a.corp.test"]);
    await delegationPolicyProvider.delete(created.id, updated.outs as any);
    expect(await liveSnapshot(host)).toEqual(before);
  });

  it("update: a list dropped from the program is released; another list of the same resource keeps the shared key", async () => {
    const before = await liveSnapshot(host);
    const both = await checked<any>(delegationPolicyProvider, {
      connection: host.connection,
      allowFreshCredentials: ["WSMAN/a.corp.test"],
      allowFreshCredentialsWhenNTLMOnly: ["WSMAN/a.corp.test"],
    });
    const created = await delegationPolicyProvider.create(both);
    const one = await checked<any>(delegationPolicyProvider, { connection: host.connection, allowFreshCredentialsWhenNTLMOnly: ["WSMAN/a.corp.test"] });
    const updated = await delegationPolicyProvider.update(created.id, created.outs, one);
    expect(await oob(host).dword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials")).toBeUndefined();
    expect(await oob(host).entries(FRESH)).toEqual({});
    expect(await oob(host).dword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentialsWhenNTLMOnly")).toBe(1);
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
    expect(await oob(host).ledger()).toBeUndefined();
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

  it("TrustedHosts: two resources sharing an entry — the first deleted leaves it, the second takes it", async () => {
    const a = await trustedHostsProvider.create(await checked<any>(trustedHostsProvider, { connection: host.connection, hosts: ["srv01.corp.test"] }));
    const b = await trustedHostsProvider.create(await checked<any>(trustedHostsProvider, { connection: host.connection, hosts: ["SRV01.corp.test", "srv02.corp.test"] }));
    expect(await oob(host).config("client", "TrustedHosts")).toBe("srv01.corp.test,srv02.corp.test");
    await trustedHostsProvider.delete(a.id, a.outs);
    expect(await oob(host).config("client", "TrustedHosts")).toBe("srv01.corp.test,srv02.corp.test");
    await trustedHostsProvider.delete(b.id, b.outs);
    expect(await oob(host).config("client", "TrustedHosts")).toBe("");
  });

  it("a dropped connection mid-create hands the engine the state reached so far, and the ledger matches it", async () => {
    const before = await liveSnapshot(host);
    const inputs = await checked<any>(delegationPolicyProvider, {
      connection: host.connection,
      allowFreshCredentials: ["WSMAN/a.corp.test", "WSMAN/b.corp.test", "WSMAN/c.corp.test"],
    });
    let err: Awaited<ReturnType<typeof failure>>;
    // Cut later and later until the cut lands after a write (earlier cuts change nothing).
    for (let k = 10; k < 60 && err?.id === undefined; k += 2) {
      host.sim.faults.dropAfter = k;
      err = await failure(delegationPolicyProvider.create(inputs));
      host.sim.faults.dropAfter = undefined;
      if (err === undefined) throw new Error(`create succeeded with a cut after ${k} requests`);
      expect(err.message).not.toContain(host.connection.password);
    }
    expect(err?.id).toMatch(/\/DelegationPolicy\//);
    const claimed = Object.keys(err!.properties.__owned.claims).filter((s) => s.startsWith("entry:"));
    const live = Object.values(await oob(host).entries(FRESH)).map((spn) => `entry:AllowFreshCredentials/${spn.toLowerCase()}`);
    for (const s of live) expect(claimed).toContain(s); // everything that landed is claimed…
    const ledger = await oob(host).ledger();
    for (const s of live) expect(ownersOf(ledger, s)).toEqual([err!.properties.__owned.owner]); // …and in the ledger
    // The engine retries with update(olds = recorded state): it converges and owns everything.
    const updated = await delegationPolicyProvider.update(err!.id!, err!.properties, inputs);
    expect(Object.values(await oob(host).entries(FRESH)).sort()).toEqual(["WSMAN/a.corp.test", "WSMAN/b.corp.test", "WSMAN/c.corp.test"]);
    await delegationPolicyProvider.delete(err!.id!, updated.outs as any);
    expect(await liveSnapshot(host)).toEqual(before);
  });

  it("a failed update that changed nothing is not recorded: a wrong password never reaches the state", async () => {
    const inputs = await checked<any>(credSSPClientProvider, { connection: host.connection, delegateComputers: ["srv01.corp.test"] });
    const created = await credSSPClientProvider.create(inputs);
    const wrong = await checked<any>(credSSPClientProvider, { connection: { ...host.connection, password: "typo" }, delegateComputers: ["srv01.corp.test"] });
    const err = await failure(credSSPClientProvider.update(created.id, created.outs, wrong));
    expect(err?.message).toMatch(/rejected the credentials/);
    expect(err?.id).toBeUndefined(); // a plain error: the engine keeps the old inputs and outputs
    expect(err?.properties).toBeUndefined();
    await credSSPClientProvider.delete(created.id, created.outs); // the old state still works
    expect(await oob(host).ledger()).toBeUndefined();
  });

  it("read: a CredSSPClient whose flag and entry were removed out of band is drift while the ledger lists it, not gone", async () => {
    const created = await credSSPClientProvider.create(await checked<any>(credSSPClientProvider, { connection: host.connection, delegateComputers: ["srv01.corp.test"] }));
    await oob(host).setConfig("client/auth", "CredSSP", "false");
    await oob(host).deleteValue(FRESH, "1");
    const switchesLeft = await credSSPClientProvider.read(created.id, created.outs);
    expect(switchesLeft.inputs).toMatchObject({ enabled: false, delegateComputers: [] });
    await oob(host).deleteValue(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials");
    await oob(host).deleteValue(CREDENTIALS_DELEGATION_KEY, "ConcatenateDefaults_AllowFresh");
    const nothingLeft = await credSSPClientProvider.read(created.id, created.outs);
    expect(nothingLeft.inputs).toMatchObject({ enabled: false, delegateComputers: [] }); // still listed in the ledger
    await oob(host).deleteValue("SOFTWARE\\pulumi-credssp", "Ledger");
    expect(await credSSPClientProvider.read(created.id, created.outs)).toEqual({}); // no trace at all: gone
  });

  it("state from before the ledger (an `owned` record) migrates: the co-owner's real prior wins, and delete restores exactly", async () => {
    // What pulumi-credssp 0.1 stored for two resources sharing wsman/srv01, with the
    // host as 0.1 left it (the policy came second and adopted the entry).
    const before = await liveSnapshot(host);
    const c = { ...host.connection, port: host.port, https: false, auth: "ntlm" };
    await oob(host).setConfig("client/auth", "CredSSP", "true");
    await oob(host).setString(FRESH, "1", "wsman/srv01.corp.test");
    await oob(host).setDword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials", 1);
    await oob(host).setDword(CREDENTIALS_DELEGATION_KEY, "ConcatenateDefaults_AllowFresh", 1);
    const keys = { [CREDENTIALS_DELEGATION_KEY]: { created: true, prior: [] }, [FRESH]: { created: true, prior: [] } };
    const clientState = {
      connection: c, delegateComputers: ["srv01.corp.test"], enabled: true, host: c.host, spns: ["wsman/srv01.corp.test"], lastApplied: [],
      owned: {
        credSSP: { previous: false },
        list: { policy: "AllowFreshCredentials", added: [{ name: "1", spn: "wsman/srv01.corp.test" }], removed: [], priorNames: [], switches: { enabled: { previous: null }, concatenateDefaults: { previous: null } } },
        keys,
      },
    };
    const policyState = {
      connection: c, allowFreshCredentials: ["WSMAN/srv01.corp.test"], concatenateDefaults: true, exclusive: false, host: c.host, lastApplied: [],
      owned: { lists: { allowFreshCredentials: { policy: "AllowFreshCredentials", added: [], removed: [], priorNames: ["1"], switches: {} } }, keys: { [FRESH]: { created: false, prior: ["1"] } } },
    };
    expect((await delegationPolicyProvider.diff("p", policyState as any, {} as any)).changes).toBe(true); // migration asks for an update
    // The policy migrates first (an update), then the client is deleted.
    const policyInputs = await checked<any>(delegationPolicyProvider, { connection: host.connection, allowFreshCredentials: ["WSMAN/srv01.corp.test"] });
    const migrated = await delegationPolicyProvider.update("ws01/DelegationPolicy/0d9e3c1a-0000", policyState as any, policyInputs);
    expect(migrated.outs.__owned.owner).toMatch(/#0d9e3c1a$/);
    expect(migrated.outs).not.toHaveProperty("owned");
    await credSSPClientProvider.delete("ws01/CredSSPClient/7b1f2e4d-0000", clientState as any);
    expect(Object.values(await oob(host).entries(FRESH))).toEqual(["wsman/srv01.corp.test"]); // the policy still declares it
    expect(await oob(host).config("client/auth", "CredSSP")).toBe("false"); // only the client declared the flag
    expect((await oob(host).ledger())?.subjects[FRESH_SRV01]).toMatchObject({ before: null, name: "1" }); // the client's real prior
    await delegationPolicyProvider.delete("ws01/DelegationPolicy/0d9e3c1a-0000", migrated.outs as any);
    expect(await liveSnapshot(host)).toEqual(before);
  });
});
