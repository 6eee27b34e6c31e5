// `check` on its own: every invalid field is reported against its property path,
// values unknown during preview are left alone, and defaults are filled in.
import { credSSPClientProvider, credSSPServerProvider, delegationPolicyProvider, trustedHostsProvider } from "../../provider/src/resources";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const conn = { host: "ws01.corp.test", user: "CORP\\admin", password: "s3cret-Pass!" };

async function failures(provider: { check(o: unknown, n: Record<string, unknown>): Promise<{ failures?: { property: string; reason: string }[] }> }, news: Record<string, unknown>) {
  return (await provider.check({}, news)).failures ?? [];
}

describe("check", () => {
  it("fills defaults and marks the internal drift keys", async () => {
    const r = await credSSPServerProvider.check({}, { connection: conn });
    expect(r.failures).toBeUndefined();
    expect(r.inputs).toMatchObject({ connection: { ...conn, port: 5985, https: false, auth: "ntlm" }, enabled: true });
    const d = await delegationPolicyProvider.check({}, { connection: { ...conn, https: true }, allowFreshCredentials: ["WSMAN/*.corp.test"] });
    expect(d.inputs).toMatchObject({ connection: { port: 5986 }, concatenateDefaults: true, exclusive: false });
  });

  it("accepts auth \"credssp\" over HTTP (it encrypts) and HTTPS", async () => {
    for (const https of [false, true]) {
      const r = await credSSPServerProvider.check({}, { connection: { ...conn, auth: "credssp", https } });
      expect(r.failures).toBeUndefined();
      expect(r.inputs).toMatchObject({ connection: { auth: "credssp", https } });
    }
  });

  it.each([
    ["host with a space", credSSPServerProvider, { connection: { ...conn, host: "bad host" } }, "connection.host", /not a valid host/],
    ["port 0", credSSPServerProvider, { connection: { ...conn, port: 0 } }, "connection.port", /1-65535/],
    ["port 65536", credSSPServerProvider, { connection: { ...conn, port: 65536 } }, "connection.port", /1-65535/],
    ["basic over http", credSSPServerProvider, { connection: { ...conn, auth: "basic" } }, "connection.auth", /clear text/],
    ["unknown auth", credSSPServerProvider, { connection: { ...conn, auth: "digest" } }, "connection.auth", /"ntlm"\|"basic"\|"credssp"/],
    ["bad fingerprint", credSSPServerProvider, { connection: { ...conn, certFingerprint: "abc" } }, "connection.certFingerprint", /SHA-256/],
    ["unknown field", credSSPServerProvider, { connection: { ...conn, hots: "x" } }, "connection", /hots/],
    ["empty list", credSSPClientProvider, { connection: conn, delegateComputers: [] }, "delegateComputers", /empty/],
    ["duplicate computer", credSSPClientProvider, { connection: conn, delegateComputers: ["srv01.corp.test", "SRV01.corp.test"] }, "delegateComputers[1]", /duplicate/],
    ["bad wildcard computer", credSSPClientProvider, { connection: conn, delegateComputers: ["srv*.corp.test"] }, "delegateComputers[0]", /wildcard/],
    ["SPN without service", delegationPolicyProvider, { connection: conn, allowFreshCredentials: ["srv01.corp.test"] }, "allowFreshCredentials[0]", /not an SPN/],
    ["SPN mid wildcard", delegationPolicyProvider, { connection: conn, allowSavedCredentials: ["WSMAN/a.*.corp.test"] }, "allowSavedCredentials[0]", /wildcard/],
    ["SPN duplicate", delegationPolicyProvider, { connection: conn, allowFreshCredentials: ["WSMAN/a.corp.test", "wsman/A.corp.test"] }, "allowFreshCredentials[1]", /duplicate/],
    ["nothing managed", delegationPolicyProvider, { connection: conn }, "allowFreshCredentials", /nothing to manage/],
    ["bad oracle", delegationPolicyProvider, { connection: conn, encryptionOracle: "off" }, "encryptionOracle", /forceUpdatedClients/],
    ["trusted host wildcard", trustedHostsProvider, { connection: conn, hosts: ["*corp.test"] }, "hosts[0]", /wildcard/],
  ] as const)("%s is reported against %s", async (_label, provider, news, property, reason) => {
    const f = await failures(provider, news as Record<string, unknown>);
    expect(f.map((x) => x.property)).toContain(property);
    expect(f.find((x) => x.property === property)?.reason).toMatch(reason);
    expect(f.find((x) => x.property === property)?.reason).toMatch(new RegExp(`^${property.replace(/[[\].]/g, "\\$&")}`));
  });

  it("accepts the wildcard forms Windows accepts", async () => {
    expect(await failures(trustedHostsProvider, { connection: conn, hosts: ["*", "*.corp.test", "10.0.0.5", "srv01"] })).toEqual([]);
    expect(await failures(delegationPolicyProvider, { connection: conn, allowFreshCredentials: ["WSMAN/*", "WSMAN/*.corp.test", "TERMSRV/*", "HTTP/web01.corp.test:8080"] })).toEqual([]);
  });

  it("does not validate values still unknown during preview", async () => {
    expect(await failures(credSSPClientProvider, { connection: { ...conn, host: UNKNOWN }, delegateComputers: UNKNOWN })).toEqual([]);
    expect(await failures(trustedHostsProvider, { connection: conn, hosts: ["ok.corp.test", UNKNOWN] })).toEqual([]);
    // …while known siblings are still checked.
    expect((await failures(trustedHostsProvider, { connection: { ...conn, port: 99999 }, hosts: UNKNOWN })).map((f) => f.property)).toEqual(["connection.port"]);
  });

  it("never echoes the password in a failure", async () => {
    const f = await failures(credSSPServerProvider, { connection: { ...conn, port: -1, host: "" } });
    expect(f.length).toBeGreaterThan(0);
    expect(JSON.stringify(f)).not.toContain(conn.password);
  });
});
