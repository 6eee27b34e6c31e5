// The plugin's ResourceProvider service spoken to over real gRPC on loopback (the same
// generated client stubs the engine's protocol defines), against simulated hosts:
// configuration, check failures, secrets in and out, detailed diffs, create/read/delete
// and a part-way failure reported as ErrorResourceInitFailed with the state reached.
import type { Metadata, ServiceError } from "@grpc/grpc-js";
import * as fs from "node:fs";
import * as path from "node:path";
import { anyproto, emptyproto, grpc, provproto, statusproto } from "../../provider/src/plugin/rpc";
import { REPO_ROOT } from "../../scripts/engine";
import { ADMIN, FleetHost, liveSnapshot, startFleet, stopFleet } from "../../testkit/fleet";
import { oob, ownersOf } from "../../testkit/out-of-band";
import { call, Client, configureRequest, providerPerTest, secret, serveProvider, struct } from "./support/grpc";

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\$]/g, "\\$&");

jest.setTimeout(120_000);

const URN = (type: string, name = "r") => `urn:pulumi:dev::proj::credssp:index:${type}::${name}`;

function checkRequest(type: string, news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const req = new provproto.CheckRequest();
  req.setUrn(URN(type));
  req.setType(`credssp:index:${type}`);
  req.setNews(struct(news));
  req.setOlds(struct(olds));
  return req;
}

describe("the plugin's gRPC service", () => {
  const provider = providerPerTest();
  let client: Client;
  let hosts: FleetHost[] = [];

  beforeEach(() => {
    client = provider();
  });

  afterEach(async () => {
    await stopFleet(hosts);
    hosts = [];
  });

  it("serves schema.json and the package version", async () => {
    const schema = await call<any, any>(client, "getSchema", new provproto.GetSchemaRequest());
    expect(schema.getSchema()).toBe(fs.readFileSync(path.join(REPO_ROOT, "schema.json"), "utf8"));
    const info = await call<any, any>(client, "getPluginInfo", new emptyproto.Empty());
    expect(info.getVersion()).toBe(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version);
  });

  it("CheckConfig types string settings, keeps the password secret, and names unknown or bad settings", async () => {
    const ok = await call<any, any>(client, "checkConfig", checkRequest("", { user: "admin", password: "pw", https: "true", insecureSkipVerify: false, version: "0.1.0" }));
    expect(ok.getFailuresList()).toEqual([]);
    expect(ok.getInputs().toJavaScript()).toEqual({ user: "admin", password: secret("pw"), https: true, insecureSkipVerify: false, version: "0.1.0" });

    const bad = await call<any, any>(client, "checkConfig", checkRequest("", { usr: "admin", auth: "kerberoz", https: "yes" }));
    const failures = bad.getFailuresList().map((f: any) => [f.getProperty(), f.getReason()]);
    expect(failures).toEqual(
      expect.arrayContaining([
        ["usr", "credssp:usr: unknown setting; the settings are credssp:user, credssp:password, credssp:auth, credssp:https, credssp:caCert, credssp:insecureSkipVerify, credssp:realm, credssp:kdc"],
        ["auth", expect.stringMatching(/^credssp:auth: /)],
        ["https", expect.stringMatching(/^credssp:https: /)],
      ]),
    );
  });

  it("Check: a connection without credentials fails naming the provider settings; configured ones fill in and stay out of the inputs", async () => {
    const missing = await call<any, any>(client, "check", checkRequest("CredSSPServer", { connection: { host: "srv01.corp.test" } }));
    // Nested problems carry no property (the engine would print "value {<nil>}"): the reason leads with the path.
    expect(missing.getFailuresList().map((f: any) => f.getProperty())).toEqual(["", ""]);
    const reasons = missing.getFailuresList().map((f: any) => f.getReason());
    expect(reasons).toEqual([
      expect.stringMatching(/^connection\.user: .*\(set connection\.user or the provider setting credssp:user\)$/),
      expect.stringMatching(/^connection\.password: .*\(set connection\.password or the provider setting credssp:password\)$/),
    ]);

    await call(client, "configure", configureRequest({ user: "admin", password: secret("pw"), auth: "ntlm" }));
    const filled = await call<any, any>(client, "check", checkRequest("CredSSPServer", { connection: { host: "srv01.corp.test" } }));
    expect(filled.getFailuresList()).toEqual([]);
    // https and port are check's defaults; user, password and auth came from configuration.
    // __owner is the URN: the label of this resource's owner id in the host's ledger, as the TypeScript classes set it.
    expect(filled.getInputs().toJavaScript()).toEqual({ connection: { host: "srv01.corp.test", port: 5985, https: false }, enabled: true, __owner: URN("CredSSPServer") });

    // A password of the resource's own stays in its inputs, secret even if it came in plain.
    const own = await call<any, any>(client, "check", checkRequest("CredSSPServer", { connection: { host: "h", user: "u", password: "own" } }));
    expect(own.getInputs().toJavaScript().connection).toEqual({ host: "h", user: "u", password: secret("own"), port: 5985, https: false });

    // Configuration cannot make an invalid connection valid: basic over HTTP still fails.
    await call(client, "configure", configureRequest({ user: "admin", password: secret("pw"), auth: "basic" }));
    const basic = await call<any, any>(client, "check", checkRequest("CredSSPServer", { connection: { host: "h" } }));
    expect(basic.getFailuresList().map((f: any) => f.getReason())).toEqual([expect.stringMatching(/^connection\.auth: /)]);
  });

  it("Diff names each changed property, and a new host replaces", async () => {
    const owned = { owner: `${URN("TrustedHosts")}#0a1b2c3d`, claims: { "wsman:Client/TrustedHosts/x": { value: true, first: { before: null } } } };
    let olds: Record<string, unknown> = { connection: { host: "a", port: 5985, https: false }, hosts: ["x"], exclusive: false, value: "x", host: "a", lastApplied: [], __owner: URN("TrustedHosts"), __owned: owned };
    const diff = async (news: Record<string, unknown>) => {
      const req = new provproto.DiffRequest();
      req.setId("id");
      req.setUrn(URN("TrustedHosts"));
      req.setType("credssp:index:TrustedHosts");
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      req.setOldInputs(struct({ connection: olds.connection, hosts: olds.hosts, exclusive: false, ...(olds.__owner ? { __owner: olds.__owner } : {}) }));
      const res = await call<any, any>(client, "diff", req);
      const detail: Record<string, number> = {};
      res.getDetaileddiffMap().forEach((v: any, k: string) => (detail[k] = v.getKind()));
      return { changes: res.getChanges(), replaces: res.getReplacesList(), diffs: res.getDiffsList(), detail, has: res.getHasdetaileddiff() };
    };
    const K = provproto.PropertyDiff.Kind;
    const C = provproto.DiffResponse.DiffChanges;

    expect(await diff({ connection: { host: "a", port: 5985, https: false }, hosts: ["x"], exclusive: false })).toEqual({
      changes: C.DIFF_NONE,
      replaces: [],
      diffs: [],
      detail: {},
      has: true,
    });
    expect(await diff({ connection: { host: "a", port: 5986, https: false }, hosts: ["x", "y"], exclusive: false })).toEqual({
      changes: C.DIFF_SOME,
      replaces: [],
      diffs: ["connection", "hosts"],
      detail: { "connection.port": K.UPDATE, hosts: K.UPDATE },
      has: true,
    });
    expect(await diff({ connection: { host: "b", port: 5985, https: false, timeoutSeconds: 5 }, hosts: ["x"], exclusive: false })).toEqual({
      changes: C.DIFF_SOME,
      replaces: ["connection"],
      diffs: ["connection"],
      detail: { "connection.host": K.UPDATE_REPLACE, "connection.timeoutSeconds": K.ADD_REPLACE },
      has: true,
    });
    // The ownership bookkeeping is never a change, whatever it holds: another __owner
    // (a program renamed under an alias) shows nothing.
    expect(await diff({ connection: { host: "a", port: 5985, https: false }, hosts: ["x"], exclusive: false, __owner: URN("TrustedHosts", "renamed") })).toEqual({
      changes: C.DIFF_NONE,
      replaces: [],
      diffs: [],
      detail: {},
      has: true,
    });
    // State from before the ledger (an `owned` record, no __owned): one update registers
    // the resource in its host's ledger, with no property to show.
    const { __owned: _o, __owner: _l, ...legacy } = olds;
    olds = { ...legacy, owned: { added: ["x"] } };
    expect(await diff({ connection: { host: "a", port: 5985, https: false }, hosts: ["x"], exclusive: false, __owner: URN("TrustedHosts") })).toEqual({
      changes: C.DIFF_SOME,
      replaces: [],
      diffs: [],
      detail: {},
      has: true,
    });
  });

  it("ownership through the plugin: the owner is the URN plus a suffix fixed at create; two resources sharing an entry leave it until the last goes", async () => {
    hosts = await startFleet(["ws01.corp.test"]);
    const [ws01] = hosts;
    await oob(ws01).setConfig("client", "TrustedHosts", "legacy01");
    const before = await liveSnapshot(ws01);
    await call(client, "configure", configureRequest({ user: ADMIN.name, password: secret(ADMIN.password) }));
    const created: Array<{ id: string; props: any; name: string }> = [];
    for (const name of ["first", "second"]) {
      const req = checkRequest("TrustedHosts", { connection: { host: "127.0.0.1", port: ws01.port }, hosts: ["srv01.corp.test"] });
      req.setUrn(URN("TrustedHosts", name));
      const checked = await call<any, any>(client, "check", req);
      expect(checked.getInputs().toJavaScript().__owner).toBe(URN("TrustedHosts", name));
      const create = new provproto.CreateRequest();
      create.setUrn(URN("TrustedHosts", name));
      create.setType("credssp:index:TrustedHosts");
      create.setProperties(checked.getInputs());
      const res = await call<any, any>(client, "create", create);
      created.push({ id: res.getId(), props: res.getProperties(), name });
    }
    const ledger = await oob(ws01).ledger();
    const owners = ownersOf(ledger, "wsman:Client/TrustedHosts/srv01.corp.test");
    expect(owners).toEqual([
      expect.stringMatching(new RegExp(`^${escape(URN("TrustedHosts", "first"))}#[0-9a-f]{8}$`)),
      expect.stringMatching(new RegExp(`^${escape(URN("TrustedHosts", "second"))}#[0-9a-f]{8}$`)),
    ]);
    expect(await oob(ws01).config("client", "TrustedHosts")).toBe("legacy01,srv01.corp.test");

    // Deleting the first leaves the entry the second still declares.
    const remove = async (r: { id: string; props: any; name: string }) => {
      const del = new provproto.DeleteRequest();
      del.setId(r.id);
      del.setUrn(URN("TrustedHosts", r.name));
      del.setType("credssp:index:TrustedHosts");
      del.setProperties(r.props);
      await call(client, "delete", del);
    };
    await remove(created[0]);
    expect(await oob(ws01).config("client", "TrustedHosts")).toBe("legacy01,srv01.corp.test");
    expect(ownersOf(await oob(ws01).ledger(), "wsman:Client/TrustedHosts/srv01.corp.test")).toEqual([owners[1]]);
    // The last one restores the host exactly, and takes the ledger with it.
    await remove(created[1]);
    expect(await oob(ws01).ledger()).toBeUndefined();
    expect(await liveSnapshot(ws01)).toEqual(before);
  });

  it("Create, Read and Delete a resource with configured credentials: none in state, host restored", async () => {
    hosts = await startFleet(["ws01.corp.test"]);
    const [ws01] = hosts;
    const before = await liveSnapshot(ws01);
    await call(client, "configure", configureRequest({ user: ADMIN.name, password: secret(ADMIN.password) }));
    const checked = await call<any, any>(client, "check", checkRequest("TrustedHosts", { connection: { host: "127.0.0.1", port: ws01.port }, hosts: ["srv01.corp.test"] }));
    expect(checked.getFailuresList()).toEqual([]);

    const create = new provproto.CreateRequest();
    create.setUrn(URN("TrustedHosts"));
    create.setType("credssp:index:TrustedHosts");
    create.setProperties(checked.getInputs());
    const created = await call<any, any>(client, "create", create);
    const state = created.getProperties().toJavaScript();
    expect(JSON.stringify(state)).not.toContain(ADMIN.password);
    expect(state.connection).toEqual({ host: "127.0.0.1", port: ws01.port, https: false, auth: "ntlm" });
    expect(state.value).toBe("srv01.corp.test");
    expect(await oob(ws01).config("client", "TrustedHosts")).toBe("srv01.corp.test");

    const read = new provproto.ReadRequest();
    read.setId(created.getId());
    read.setUrn(URN("TrustedHosts"));
    read.setType("credssp:index:TrustedHosts");
    read.setProperties(created.getProperties());
    read.setInputs(checked.getInputs());
    const refreshed = await call<any, any>(client, "read", read);
    expect(refreshed.getId()).toBe(created.getId());
    expect(refreshed.getInputs().toJavaScript()).toEqual({ connection: state.connection, hosts: ["srv01.corp.test"], exclusive: false, __owner: URN("TrustedHosts") });

    const del = new provproto.DeleteRequest();
    del.setId(created.getId());
    del.setUrn(URN("TrustedHosts"));
    del.setType("credssp:index:TrustedHosts");
    del.setProperties(created.getProperties());
    await call(client, "delete", del);
    expect(await liveSnapshot(ws01)).toEqual(before);
  });

  it("a refused create that changed nothing is a plain error (nothing to record); a failure part-way comes back as ErrorResourceInitFailed with the state reached, password encrypted", async () => {
    hosts = await startFleet(["srv01.corp.test"]);
    const [srv01] = hosts;
    const create = (type: string, props: Record<string, unknown>) => {
      const req = new provproto.CreateRequest();
      req.setUrn(URN(type));
      req.setType(`credssp:index:${type}`);
      req.setProperties(struct({ connection: { ...srv01.connection, password: secret(srv01.connection.password) }, ...props, __owner: URN(type) }));
      return call<any, any>(client, "create", req).then(
        () => undefined,
        (e: ServiceError) => e,
      );
    };
    const detailOf = (err: ServiceError) => {
      const bin = (err.metadata as Metadata).get("grpc-status-details-bin")[0] as Buffer | undefined;
      if (bin === undefined) return undefined;
      const any = statusproto.Status.deserializeBinary(new Uint8Array(bin)).getDetailsList()[0] as InstanceType<typeof anyproto.Any> | undefined;
      expect(any?.getTypeName()).toBe("pulumirpc.ErrorResourceInitFailed");
      return provproto.ErrorResourceInitFailed.deserializeBinary(any!.getValue_asU8());
    };

    // A GPO owns the server's CredSSP setting: the one write is refused, nothing changed.
    await oob(srv01).setDword("SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service", "AllowCredSSP", 0);
    const refused = await create("CredSSPServer", { enabled: true });
    expect(refused?.message).toMatch(/AllowCredSSP|Policies/);
    expect(refused?.message).not.toContain(ADMIN.password);
    expect(detailOf(refused!)).toBeUndefined();
    expect(await oob(srv01).ledger()).toBeUndefined();
    await oob(srv01).deleteValue("SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service", "AllowCredSSP");
    const before = await liveSnapshot(srv01);

    // The connection drops after some writes landed: cut later and later until one does.
    const spns = ["WSMAN/a.corp.test", "WSMAN/b.corp.test", "WSMAN/c.corp.test"];
    let err: ServiceError | undefined;
    let detail: ReturnType<typeof detailOf>;
    for (let k = 10; k < 60 && detail === undefined; k += 2) {
      srv01.sim.faults.dropAfter = k;
      err = await create("DelegationPolicy", { allowFreshCredentials: spns, concatenateDefaults: true, exclusive: false });
      srv01.sim.faults.dropAfter = undefined;
      expect(err).toBeDefined();
      expect(err!.message).not.toContain(ADMIN.password);
      detail = detailOf(err!);
    }
    expect(detail!.getId()).toMatch(/DelegationPolicy/);
    const recorded = detail!.getProperties()!.toJavaScript() as any;
    expect(recorded.connection.password).toEqual(secret(ADMIN.password));
    expect(recorded.__owned.owner).toMatch(/^urn:pulumi:dev::proj::credssp:index:DelegationPolicy::r#[0-9a-f]{8}$/);
    // What landed is in the host's ledger under that owner.
    const ledger = await oob(srv01).ledger();
    expect(Object.values(ledger?.subjects ?? {}).some((r) => Object.keys(r.owners).includes(recorded.__owned.owner))).toBe(true);
    expect(detail!.getReasonsList()).toEqual([err!.details]);

    // Delete with the recorded state takes back exactly what landed.
    const del = new provproto.DeleteRequest();
    del.setId(detail!.getId());
    del.setUrn(URN("DelegationPolicy"));
    del.setType("credssp:index:DelegationPolicy");
    del.setProperties(detail!.getProperties());
    await call(client, "delete", del);
    expect(await liveSnapshot(srv01)).toEqual(before);
  });

  it("Check: DoubleHopCheck's `via` takes the configured credentials as `connection` does, and they stay out of its inputs", async () => {
    const news = {
      via: { host: "ws01.corp.test" },
      target: "srv01.corp.test",
      credential: { user: "CORP\\alice", password: secret("pw") },
      path: "\\\\fs01.corp.test\\share",
    };
    const missing = await call<any, any>(client, "check", checkRequest("DoubleHopCheck", news));
    expect(missing.getFailuresList().map((f: any) => f.getReason())).toEqual([
      expect.stringMatching(/^via\.user: .*\(set via\.user or the provider setting credssp:user\)$/),
      expect.stringMatching(/^via\.password: .*\(set via\.password or the provider setting credssp:password\)$/),
    ]);
    await call(client, "configure", configureRequest({ user: "admin", password: secret("pw") }));
    const filled = await call<any, any>(client, "check", checkRequest("DoubleHopCheck", news));
    expect(filled.getFailuresList()).toEqual([]);
    expect(filled.getInputs().toJavaScript().via).toEqual({ host: "ws01.corp.test", port: 5985, https: false, auth: "ntlm" });
  });

  it("Check sends the engine, under the resource, the advice the dynamic resources give program-side (IP address, short name)", async () => {
    // A stand-in for the engine's Engine service, on real gRPC: it records Log calls.
    const engineproto = require(require.resolve("@pulumi/pulumi/proto/engine_pb", { paths: [REPO_ROOT] }));
    const enginerpc = require(require.resolve("@pulumi/pulumi/proto/engine_grpc_pb", { paths: [REPO_ROOT] }));
    const logged: Array<{ severity: number; urn: string; message: string }> = [];
    const engine = new grpc.Server();
    engine.addService(enginerpc.EngineService, {
      log: (c: any, cb: any) => {
        logged.push({ severity: c.request.getSeverity(), urn: c.request.getUrn(), message: c.request.getMessage() });
        cb(null, new emptyproto.Empty());
      },
    });
    const enginePort = await new Promise<number>((resolve, reject) =>
      engine.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const warned = await serveProvider({ engine: `127.0.0.1:${enginePort}` });
    const warnedClient = warned.client;
    try {
      const conn = { host: "ws01", user: "u", password: "p" };
      await call(warnedClient, "check", checkRequest("CredSSPClient", { connection: conn, delegateComputers: ["srv01.corp.test", "10.0.0.5"] }));
      await call(warnedClient, "check", checkRequest("DelegationPolicy", { connection: conn, allowFreshCredentialsWhenNTLMOnly: ["WSMAN/10.0.0.6", "WSMAN/srv01"] }));
      await call(warnedClient, "check", checkRequest("TrustedHosts", { connection: conn, hosts: ["10.0.0.7"] }));
      for (let i = 0; i < 50 && logged.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      expect(logged).toEqual([
        { severity: engineproto.LogSeverity.WARNING, urn: URN("CredSSPClient"), message: expect.stringMatching(/^delegateComputers: "10\.0\.0\.5" is an IP address\. Kerberos cannot/) },
        { severity: engineproto.LogSeverity.WARNING, urn: URN("DelegationPolicy"), message: expect.stringMatching(/^allowFreshCredentialsWhenNTLMOnly: "WSMAN\/10\.0\.0\.6" is an IP address/) },
        { severity: engineproto.LogSeverity.WARNING, urn: URN("DelegationPolicy"), message: expect.stringMatching(/^allowFreshCredentialsWhenNTLMOnly: "WSMAN\/srv01" names the server by its short name/) },
      ]);
    } finally {
      await warned.stop();
      await new Promise<void>((resolve) => engine.tryShutdown(() => resolve()));
    }
  });
});
