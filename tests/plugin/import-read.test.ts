// Read with no prior state — what the engine sends for `pulumi import` — spoken to over
// real gRPC against simulated hosts: each resource type adopts what its ID names and
// owns it as if created (Delete removes it, foreign entries stay); an ID naming what
// the host lacks names each missing piece; a bad ID or missing credentials fail
// field by field before any remote call (the host in those IDs is a closed port).
import type { ServiceError } from "@grpc/grpc-js";
import { CREDENTIALS_DELEGATION_KEY } from "../../provider/src/windows";
import { provproto } from "../../provider/src/plugin/rpc";
import { ADMIN, FleetHost, liveSnapshot, startFleet, stopFleet } from "../../testkit/fleet";
import { oob, ownersOf } from "../../testkit/out-of-band";
import { call, Client, configureRequest, providerPerTest, secret, struct } from "./support/grpc";

jest.setTimeout(120_000);

const FRESH = `${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`;
const NTLM_ONLY = `${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentialsWhenNTLMOnly`;
const URN = (type: string) => `urn:pulumi:dev::proj::credssp:index:${type}::imported`;

describe("import through the plugin's Read", () => {
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

  const configure = () => call(client, "configure", configureRequest({ user: ADMIN.name, password: secret(ADMIN.password) }));

  /** Read as `pulumi import` sends it: the ID and nothing else. */
  const importRead = async (type: string, id: string) => {
    const req = new provproto.ReadRequest();
    req.setId(id);
    req.setUrn(URN(type));
    req.setType(`credssp:index:${type}`);
    const res = await call<any, any>(client, "read", req);
    return { id: res.getId() as string, props: res.getProperties(), state: res.getProperties().toJavaScript(), inputs: res.getInputs().toJavaScript() };
  };
  const failure = (type: string, id: string) =>
    importRead(type, id).then(
      () => "no error",
      (e: ServiceError) => e.details,
    );
  const destroy = async (type: string, imported: { id: string; props: unknown }) => {
    const req = new provproto.DeleteRequest();
    req.setId(imported.id);
    req.setUrn(URN(type));
    req.setType(`credssp:index:${type}`);
    req.setProperties(imported.props as any);
    await call(client, "delete", req);
  };

  it("a bad ID fails naming the part at fault, before any remote call; so do missing credentials", async () => {
    const closed = "127.0.0.1:1"; // nothing listens: any remote call would fail with a connection error
    expect(await failure("TrustedHosts", `${closed}/srv01.corp.test`)).toMatch(/^cannot import TrustedHosts "127\.0\.0\.1:1\/srv01\.corp\.test": connection\.user: .*credssp:user.*connection\.password: .*credssp:password/);
    await configure();
    expect(await failure("TrustedHosts", `${closed}/srv01,bad host!`)).toMatch(/^import ID "127\.0\.0\.1:1\/srv01,bad host!" for TrustedHosts: hosts.*bad host!.*; expected <host>\[:port\]\/<entry>/);
    expect(await failure("DelegationPolicy", `${closed}/allowFreshCredentials=srv01`)).toMatch(/^import ID .* for DelegationPolicy: allowFreshCredentials.*srv01.*; expected <host>\[:port\]\/<list>=<spn>/);
    expect(await failure("DelegationPolicy", `${closed}/allowFresh=WSMAN/srv01`)).toMatch(/"allowFresh" is not a list; the lists are allowFreshCredentials, /);
    expect(await failure("CredSSPClient", closed)).toMatch(/no computer after "\/"/);
    expect(await failure("CredSSPServer", "srv01:70000")).toMatch(/port 70000 is out of range/);
    expect(await failure("DoubleHopCheck", `${closed}/x`)).toMatch(/DoubleHopCheck owns nothing on a host and cannot be imported/);
  });

  it("CredSSPServer: adopts the flag; Delete turns it off (imported = owned as if created)", async () => {
    hosts = await startFleet(["srv01.corp.test"]);
    const [srv01] = hosts;
    const id = `127.0.0.1:${srv01.port}`;
    await configure();
    expect(await failure("CredSSPServer", id)).toMatch(/cannot import CredSSPServer ".*": 127\.0\.0\.1 does not have it \(Service\/Auth\/CredSSP is false\)/);
    const before = await liveSnapshot(srv01);
    await oob(srv01).setConfig("service/auth", "CredSSP", "true");

    const imported = await importRead("CredSSPServer", id);
    expect(imported.id).toBe(id);
    expect(imported.inputs).toEqual({ connection: { host: "127.0.0.1", port: srv01.port }, __owner: URN("CredSSPServer") });
    expect(imported.state).toMatchObject({ connection: { host: "127.0.0.1", port: srv01.port, https: false, auth: "ntlm" }, enabled: true, lastApplied: [] });
    expect(JSON.stringify(imported.state)).not.toContain(ADMIN.password);

    await destroy("CredSSPServer", imported);
    expect(await liveSnapshot(srv01)).toEqual(before);
  });

  it("CredSSPClient: adopts the flag and its entries; Delete removes them and keeps a foreign entry", async () => {
    hosts = await startFleet(["ws01.corp.test"]);
    const [ws01] = hosts;
    await configure();
    const ws = oob(ws01);
    const before = await liveSnapshot(ws01);
    await ws.setConfig("client/auth", "CredSSP", "true");
    await ws.setDword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials", 1);
    await ws.setDword(CREDENTIALS_DELEGATION_KEY, "ConcatenateDefaults_AllowFresh", 1);
    await ws.setString(FRESH, "1", "wsman/srv01.corp.test");
    await ws.setString(FRESH, "2", "WSMAN/gpo.corp.test");

    const id = `127.0.0.1:${ws01.port}/srv01.corp.test`;
    const imported = await importRead("CredSSPClient", id);
    expect(imported.inputs).toEqual({ connection: { host: "127.0.0.1", port: ws01.port }, delegateComputers: ["srv01.corp.test"], __owner: URN("CredSSPClient") });
    expect(imported.state).toMatchObject({ delegateComputers: ["srv01.corp.test"], spns: ["wsman/srv01.corp.test"], enabled: true });
    expect(await failure("CredSSPClient", `127.0.0.1:${ws01.port}/srv01.corp.test,srv02.corp.test`)).toMatch(
      /does not have it \(AllowFreshCredentials has no entry wsman\/srv02\.corp\.test\)/,
    );

    await destroy("CredSSPClient", imported);
    expect(await ws.config("client/auth", "CredSSP")).toBe("false");
    // The foreign entry stays, and with it the switch it needs.
    expect(await ws.entries(FRESH)).toEqual({ "2": "WSMAN/gpo.corp.test" });
    expect(await ws.dword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials")).toBe(1);
    await ws.deleteValue(FRESH, "2");
    expect((await liveSnapshot(ws01)).config).toEqual(before.config);
  });

  it("DelegationPolicy: adopts two lists (ConcatenateDefaults 0 comes back as concatenateDefaults: false); Delete restores the host", async () => {
    hosts = await startFleet(["ws01.corp.test"]);
    const [ws01] = hosts;
    await configure();
    const ws = oob(ws01);
    const before = await liveSnapshot(ws01);
    for (const [list, suffix, entry] of [
      ["AllowFreshCredentials", "AllowFresh", FRESH],
      ["AllowFreshCredentialsWhenNTLMOnly", "AllowFreshNTLMOnly", NTLM_ONLY],
    ]) {
      await ws.setDword(CREDENTIALS_DELEGATION_KEY, list, 1);
      await ws.setDword(CREDENTIALS_DELEGATION_KEY, `ConcatenateDefaults_${suffix}`, 0);
      await ws.setString(entry, "1", "WSMAN/srv01.corp.test");
    }

    const id = `127.0.0.1:${ws01.port}/allowFreshCredentials=WSMAN/srv01.corp.test;allowFreshCredentialsWhenNTLMOnly=WSMAN/srv01.corp.test`;
    const imported = await importRead("DelegationPolicy", id);
    expect(imported.inputs).toEqual({
      connection: { host: "127.0.0.1", port: ws01.port },
      allowFreshCredentials: ["WSMAN/srv01.corp.test"],
      allowFreshCredentialsWhenNTLMOnly: ["WSMAN/srv01.corp.test"],
      concatenateDefaults: false,
      __owner: URN("DelegationPolicy"),
    });
    expect(imported.state).toMatchObject({ concatenateDefaults: false, exclusive: false });

    await destroy("DelegationPolicy", imported);
    expect(await liveSnapshot(ws01)).toEqual(before);
  });

  it("TrustedHosts: adopts the named entries; Delete removes them and keeps the others' exact text", async () => {
    hosts = await startFleet(["ws01.corp.test"]);
    const [ws01] = hosts;
    await configure();
    const ws = oob(ws01);
    await ws.setConfig("client", "TrustedHosts", "Legacy.corp.test, srv01.corp.test,10.0.0.5");

    const imported = await importRead("TrustedHosts", `127.0.0.1:${ws01.port}/srv01.corp.test,10.0.0.5`);
    expect(imported.inputs).toEqual({ connection: { host: "127.0.0.1", port: ws01.port }, hosts: ["srv01.corp.test", "10.0.0.5"], __owner: URN("TrustedHosts") });
    expect(imported.state).toMatchObject({ hosts: ["srv01.corp.test", "10.0.0.5"], exclusive: false, value: "Legacy.corp.test, srv01.corp.test,10.0.0.5" });
    expect(await failure("TrustedHosts", `127.0.0.1:${ws01.port}/srv02.corp.test`)).toMatch(/does not have it \(Client\/TrustedHosts has no entry srv02\.corp\.test\)/);

    await destroy("TrustedHosts", imported);
    expect(await ws.config("client", "TrustedHosts")).toBe("Legacy.corp.test");
  });
  it("the ledger: Read writes nothing; the imported resource joins at its first operation, and a setting goes only when the last resource declaring it leaves", async () => {
    hosts = await startFleet(["ws01.corp.test"]);
    const [ws01] = hosts;
    await configure();
    const ws = oob(ws01);
    await ws.setConfig("client", "TrustedHosts", "srv01.corp.test");
    const imported = await importRead("TrustedHosts", `127.0.0.1:${ws01.port}/srv01.corp.test`);
    expect(await ws.ledger()).toBeUndefined();
    expect(imported.state.__owned.owner).toMatch(/^urn:pulumi:dev::proj::credssp:index:TrustedHosts::imported#[0-9a-f]{8}$/);

    // Another resource (another stack, say) declares the same entry: it finds it in place.
    const otherUrn = "urn:pulumi:other::proj::credssp:index:TrustedHosts::also-trusts";
    const check = new provproto.CheckRequest();
    check.setUrn(otherUrn);
    check.setType("credssp:index:TrustedHosts");
    check.setNews(struct({ connection: { host: "127.0.0.1", port: ws01.port }, hosts: ["srv01.corp.test"] }));
    check.setOlds(struct({}));
    const checked = await call<any, any>(client, "check", check);
    const create = new provproto.CreateRequest();
    create.setUrn(otherUrn);
    create.setType("credssp:index:TrustedHosts");
    create.setProperties(checked.getInputs());
    const other = await call<any, any>(client, "create", create);
    const otherOwner = other.getProperties().toJavaScript().__owned.owner as string;

    // The imported one goes first: the other still declares the entry, so it stays.
    await destroy("TrustedHosts", imported);
    expect(await ws.config("client", "TrustedHosts")).toBe("srv01.corp.test");
    expect(ownersOf(await ws.ledger(), "wsman:Client/TrustedHosts/srv01.corp.test")).toEqual([otherOwner]);

    // The last to leave takes it away: the import made it Pulumi's, as if created.
    const del = new provproto.DeleteRequest();
    del.setId(other.getId());
    del.setUrn(otherUrn);
    del.setType("credssp:index:TrustedHosts");
    del.setProperties(other.getProperties());
    await call(client, "delete", del);
    expect(await ws.config("client", "TrustedHosts")).toBe("");
    expect(await ws.ledger()).toBeUndefined();
  });
});
