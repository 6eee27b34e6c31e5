// `check` on its own: every invalid field is reported against its property path,
// values unknown during preview are left alone, and defaults are filled in.
import { credSSPClientProvider, credSSPServerProvider, delegationPolicyProvider, doubleHopCheckProvider, trustedHostsProvider } from "../../provider/src/resources";
import { computerAdvice, spnAdvice } from "../../provider/src/resources/validation";

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

  it('accepts auth "kerberos" and "negotiate" with a password or without one (a kinit credential cache), and the realm/KDC fields', async () => {
    const { password: _pw, ...noPassword } = conn;
    for (const auth of ["kerberos", "negotiate"]) {
      for (const c of [{ ...conn, auth }, { ...noPassword, auth }, { ...conn, auth, realm: "CORP.TEST", kdc: "dc01.corp.test:88", kerberosHostname: "ws01.corp.test" }]) {
        const r = await credSSPServerProvider.check({}, { connection: c });
        expect(r.failures).toBeUndefined();
        expect(r.inputs).toMatchObject({ connection: { ...c, port: 5985 } });
      }
    }
    // By address, negotiate is NTLM; kerberos needs the name the SPN is registered under.
    expect(await failures(credSSPServerProvider, { connection: { ...conn, auth: "negotiate", host: "10.1.2.3" } })).toEqual([]);
    expect(await failures(credSSPServerProvider, { connection: { ...conn, auth: "kerberos", host: "10.1.2.3", kerberosHostname: "ws01.corp.test" } })).toEqual([]);
  });

  it.each([
    ["missing password for ntlm", credSSPServerProvider, { connection: { host: "ws01.corp.test", user: "admin" } }, "connection.password", /required for auth "ntlm".*kinit/],
    ["kerberos to an address", credSSPServerProvider, { connection: { ...conn, auth: "kerberos", host: "10.1.2.3" } }, "connection.host", /needs the host's name, not the address 10\.1\.2\.3/],
    ["bad realm", credSSPServerProvider, { connection: { ...conn, auth: "kerberos", realm: "CORP TEST" } }, "connection.realm", /Kerberos realm/],
    ["bad kdc", credSSPServerProvider, { connection: { ...conn, auth: "kerberos", kdc: "dc01:http" } }, "connection.kdc", /"host:port"/],
    ["host with a space", credSSPServerProvider, { connection: { ...conn, host: "bad host" } }, "connection.host", /not a valid host/],
    ["port 0", credSSPServerProvider, { connection: { ...conn, port: 0 } }, "connection.port", /1-65535 \(got 0\)/],
    ["port 65536", credSSPServerProvider, { connection: { ...conn, port: 65536 } }, "connection.port", /1-65535 \(got 65536\)/],
    ["basic over http", credSSPServerProvider, { connection: { ...conn, auth: "basic" } }, "connection.auth", /clear text/],
    ["unknown auth", credSSPServerProvider, { connection: { ...conn, auth: "digest" } }, "connection.auth", /"ntlm"\|"basic"\|"credssp"\|"kerberos"\|"negotiate"/],
    ["bad fingerprint", credSSPServerProvider, { connection: { ...conn, certFingerprint: "abc" } }, "connection.certFingerprint", /SHA-256.*\(got "abc"\)/],
    ["unknown field", credSSPServerProvider, { connection: { ...conn, hots: "x" } }, "connection", /hots/],
    ["empty list", credSSPClientProvider, { connection: conn, delegateComputers: [] }, "delegateComputers", /empty/],
    ["duplicate computer", credSSPClientProvider, { connection: conn, delegateComputers: ["srv01.corp.test", "SRV01.corp.test"] }, "delegateComputers[1]", /duplicate/],
    ["bad wildcard computer", credSSPClientProvider, { connection: conn, delegateComputers: ["srv*.corp.test"] }, "delegateComputers[0]", /wildcard/],
    ["trailing dot computer", credSSPClientProvider, { connection: conn, delegateComputers: ["srv01.corp.test."] }, "delegateComputers[0]", /ends with a dot: write "srv01\.corp\.test"/],
    ["SPN without service", delegationPolicyProvider, { connection: conn, allowFreshCredentials: ["srv01.corp.test"] }, "allowFreshCredentials[0]", /not an SPN/],
    ["SPN mid wildcard", delegationPolicyProvider, { connection: conn, allowSavedCredentials: ["WSMAN/a.*.corp.test"] }, "allowSavedCredentials[0]", /wildcard/],
    ["SPN duplicate", delegationPolicyProvider, { connection: conn, allowFreshCredentials: ["WSMAN/a.corp.test", "wsman/A.corp.test"] }, "allowFreshCredentials[1]", /duplicate/],
    ["SPN trailing dot", delegationPolicyProvider, { connection: conn, allowFreshCredentials: ["WSMAN/srv01.corp.test."] }, "allowFreshCredentials[0]", /ends with a dot: write "srv01\.corp\.test"/],
    ["nothing managed", delegationPolicyProvider, { connection: conn }, "allowFreshCredentials", /nothing to manage/],
    ["bad oracle", delegationPolicyProvider, { connection: conn, encryptionOracle: "off" }, "encryptionOracle", /forceUpdatedClients.*\(got "off"\)/],
    ["trusted host wildcard", trustedHostsProvider, { connection: conn, hosts: ["*corp.test"] }, "hosts[0]", /wildcard/],
    ["trusted host trailing dot", trustedHostsProvider, { connection: conn, hosts: ["srv01.corp.test."] }, "hosts[0]", /ends with a dot/],
  ] as const)("%s: reported against its path, naming the value typed", async (_label, provider, news, path, reason) => {
    const f = await failures(provider, news as Record<string, unknown>);
    const found = f.find((x) => x.reason.startsWith(`${path}: `));
    expect(found?.reason).toMatch(reason);
    // The engine prints `property <p> value {<inputs[p]>}` with a top-level lookup only:
    // nested paths go without a property (no "{<nil>}"), the reason carries path and value.
    expect(found?.property).toBe(/[.[]/.test(path) ? "" : path);
  });

  it("names the value the user typed for a nested item, as the engine will print it", async () => {
    const [f] = await failures(delegationPolicyProvider, { connection: conn, allowFreshCredentials: ["WSMAN/ok.corp.test", "srv01"] });
    expect(f).toEqual({ property: "", reason: expect.stringMatching(/^allowFreshCredentials\[1\]: "srv01" is not an SPN/) });
  });

  it("accepts the wildcard forms Windows accepts", async () => {
    expect(await failures(trustedHostsProvider, { connection: conn, hosts: ["*", "*.corp.test", "10.0.0.5", "srv01"] })).toEqual([]);
    expect(await failures(delegationPolicyProvider, { connection: conn, allowFreshCredentials: ["WSMAN/*", "WSMAN/*.corp.test", "TERMSRV/*", "HTTP/web01.corp.test:8080"] })).toEqual([]);
  });

  it("does not validate values still unknown during preview", async () => {
    expect(await failures(credSSPClientProvider, { connection: { ...conn, host: UNKNOWN }, delegateComputers: UNKNOWN })).toEqual([]);
    expect(await failures(trustedHostsProvider, { connection: conn, hosts: ["ok.corp.test", UNKNOWN] })).toEqual([]);
    // …while known siblings are still checked.
    expect((await failures(trustedHostsProvider, { connection: { ...conn, port: 99999 }, hosts: UNKNOWN })).map((f) => f.reason)).toEqual([
      "connection.port: port must be 1-65535 (got 99999)",
    ]);
  });

  it("never echoes the password in a failure", async () => {
    const f = await failures(credSSPServerProvider, { connection: { ...conn, port: -1, host: "" } });
    expect(f.length).toBeGreaterThan(0);
    expect(JSON.stringify(f)).not.toContain(conn.password);
    const typed = await failures(credSSPServerProvider, { connection: { ...conn, password: 12345678 } });
    expect(typed.map((x) => x.reason)).toEqual([expect.stringMatching(/^connection\.password: /)]);
    expect(JSON.stringify(typed)).not.toContain("12345678");
  });

  it("passes the internal __owner input through untouched, and does not validate it", async () => {
    const r = await credSSPServerProvider.check({}, { connection: conn, __owner: "urn:pulumi:dev::p::t::n", __provider: "x" });
    expect(r.failures).toBeUndefined();
    expect(r.inputs).toMatchObject({ __owner: "urn:pulumi:dev::p::t::n", __provider: "x" });
  });

  it("advises (a warning, not an error) on short names, HTTP SPNs and IP addresses, naming what the client must use", () => {
    expect(spnAdvice("allowFreshCredentials", "WSMAN/srv01")).toMatch(/short name.*exactly "srv01".*Enter-PSSession -ComputerName srv01/);
    expect(spnAdvice("allowFreshCredentials", "HTTP/srv01.corp.test")).toMatch(/HTTP SPN.*use "WSMAN\/srv01\.corp\.test"/);
    expect(spnAdvice("allowFreshCredentials", "WSMAN/10.0.0.5")).toMatch(/IP address.*AllowFreshCredentialsWhenNTLMOnly/);
    expect(computerAdvice("delegateComputers", "srv01")).toMatch(/^delegateComputers: "srv01" names the server by its short name/);
    for (const fine of ["WSMAN/srv01.corp.test", "WSMAN/*.corp.test", "WSMAN/*", "TERMSRV/*"]) expect(spnAdvice("x", fine)).toBeUndefined();
    expect(computerAdvice("x", "srv01.corp.test")).toBeUndefined();
  });
});

describe("check: DoubleHopCheck", () => {
  const check = { via: conn, target: "srv01.corp.test", credential: { user: "CORP\\alice", password: "Al1ce!" }, path: "\\\\fs01.corp.test\\share" };
  /** The reasons, each of which starts with the property path it is about. */
  const reasons = async (news: Record<string, unknown>) => (await failures(doubleHopCheckProvider, news)).map((f) => f.reason);

  it("fills defaults: https false, expect works, and the internal works that drift is reported on", async () => {
    const r = await doubleHopCheckProvider.check({}, check);
    expect(r.failures).toBeUndefined();
    expect(r.inputs).toMatchObject({ via: { port: 5985, https: false, auth: "ntlm" }, https: false, expect: "works", works: true });
    expect((await doubleHopCheckProvider.check({}, { ...check, expect: "fails" })).inputs).toMatchObject({ expect: "fails", works: false });
  });

  it.each([
    ["a target that is not a host name", { target: "srv01 corp" }, /^target: "srv01 corp" is not a valid host name/],
    ["a targetPort out of range", { targetPort: 70000 }, /^targetPort: targetPort must be 1-65535/],
    ["a path that is not UNC", { path: "C:\\share" }, /^path: "C:\\share" is not a UNC path: expected \\\\host\\share/],
    ["a path with forward slashes", { path: "//fs01/share" }, /^path: .*not a UNC path/],
    ["a UNC host that is not a host", { path: "\\\\fs 01\\share" }, /^path: .*not a valid host name/],
    ["a path with a newline", { path: "\\\\fs01\\share\nX" }, /^path: .*control character/],
    ["no credential password", { credential: { user: "alice" } }, /^credential\.password: /],
    ["an unknown credential field", { credential: { user: "alice", password: "x", domain: "CORP" } }, /^credential: .*domain/],
    ["an unknown expect", { expect: "maybe" }, /^expect: .*"works"\|"fails"/],
    ["a misspelt input", { targetport: 5985 }, /targetport/],
  ] as const)("%s", async (_label, change, reason) => {
    expect(await reasons({ ...check, ...change })).toEqual(expect.arrayContaining([expect.stringMatching(reason)]));
  });

  it("diff: any change re-runs the check in place; nothing is ever replaced (it owns nothing)", async () => {
    const olds = (await doubleHopCheckProvider.check({}, check)).inputs as never;
    expect(await doubleHopCheckProvider.diff("id", olds, olds)).toMatchObject({ changes: false, replaces: [] });
    const moved = (await doubleHopCheckProvider.check({}, { ...check, via: { ...conn, host: "ws02.corp.test" } })).inputs as never;
    expect(await doubleHopCheckProvider.diff("id", olds, moved)).toMatchObject({ changes: true, replaces: [] });
    const drifted = { ...(olds as object), works: false } as never;
    expect(await doubleHopCheckProvider.diff("id", drifted, olds)).toMatchObject({ changes: true, replaces: [] });
  });

  it("a password is never echoed in a failure", async () => {
    const r = await reasons({ ...check, credential: { user: "", password: "Al1ce!" }, via: { ...conn, port: -1 } });
    expect(r.length).toBeGreaterThan(0);
    expect(r.join("\n")).not.toContain("Al1ce!");
    expect(r.join("\n")).not.toContain(conn.password);
  });
});
