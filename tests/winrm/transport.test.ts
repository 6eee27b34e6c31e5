// Transport behaviour of WinRMClient on loopback: TLS verification modes, typed
// connection errors, timeouts, retry policy, Basic safety and 401 diagnosis.
import { inspect } from "node:util";
import {
  AuthenticationError, ConfigurationError, ProtocolError, TimeoutError, TransportError, WinRMClient,
} from "../../provider/src/winrm";
import type { WinRMClientOptions } from "../../provider/src/winrm";
import { makeTestPki } from "./support/client-pki";
import type { TestPki } from "./support/client-pki";
import { closedPort, startTestServer } from "./support/wsman-test-server";
import type { TestServer } from "./support/wsman-test-server";

const AUTH_URI = "http://schemas.microsoft.com/wbem/wsman/1/config/service/auth";
const USER = "Administrator";
const PASSWORD = "Tr0ub4dor&3-never-print-me";

let pki: TestPki;
const servers: TestServer[] = [];
const clients: WinRMClient[] = [];
/** Every error any test saw; checked for the password at the end. */
const seenErrors: unknown[] = [];

beforeAll(() => {
  pki = makeTestPki();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(opts: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const s = await startTestServer(opts);
  servers.push(s);
  return s;
}

function client(opts: Partial<WinRMClientOptions> & { port: number }): WinRMClient {
  const c = new WinRMClient({ host: "127.0.0.1", auth: "basic", username: USER, password: PASSWORD, timeoutMs: 5000, ...opts });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    seenErrors.push(err);
    return err;
  }
  throw new Error("expected the operation to fail");
}

describe("TLS verification", () => {
  const tlsServer = () => server({ tls: { key: pki.serverKey, cert: pki.serverCert }, basic: { user: USER, password: PASSWORD } });

  test("an untrusted certificate is rejected by default, naming subject and fingerprint; no request is sent", async () => {
    const s = await tlsServer();
    const err = await failure(client({ port: s.port, https: true }).get(AUTH_URI));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe("WINRM_TRANSPORT");
    expect(err.kind).toBe("tls");
    expect(err.certSha256).toBe(pki.serverSha256);
    expect(err.certSubject).toContain("CN=winrm.test");
    expect(err.message).toContain(pki.serverSha256);
    expect(err.message).toContain("https://127.0.0.1:");
    expect(s.requests).toBe(0); // the Basic credentials never left the client
  });

  test("caCert makes the CA-signed certificate acceptable", async () => {
    const s = await tlsServer();
    const auth = await client({ port: s.port, https: true, caCert: pki.caPem }).get(AUTH_URI);
    expect(auth.CredSSP).toBe("false");
  });

  test("serverName overrides the name checked (and sent as SNI)", async () => {
    const s = await tlsServer();
    await expect(client({ port: s.port, https: true, caCert: pki.caPem, serverName: "winrm.test" }).get(AUTH_URI)).resolves.toBeDefined();
    const err = await failure(client({ port: s.port, https: true, caCert: pki.caPem, serverName: "other.test" }).get(AUTH_URI));
    expect(err.kind).toBe("tls");
    expect(err.message).toMatch(/other\.test|ERR_TLS_CERT_ALTNAME_INVALID|altname/i);
  });

  test("a matching fingerprint pin is accepted in colon and bare-hex form", async () => {
    const s = await tlsServer();
    await expect(client({ port: s.port, https: true, certFingerprint: pki.serverSha256 }).get(AUTH_URI)).resolves.toBeDefined();
    const bare = pki.serverSha256.replace(/:/g, "").toLowerCase();
    await expect(client({ port: s.port, https: true, certFingerprint: bare }).get(AUTH_URI)).resolves.toBeDefined();
  });

  test("a mismatching fingerprint pin is rejected even though the certificate is CA-valid", async () => {
    const s = await tlsServer();
    const wrong = "AB".repeat(32);
    const err = await failure(client({ port: s.port, https: true, caCert: pki.caPem, certFingerprint: wrong }).get(AUTH_URI));
    expect(err.kind).toBe("tls");
    expect(err.message).toContain("pinned");
    expect(err.certSha256).toBe(pki.serverSha256);
    expect(s.requests).toBe(0);
  });

  test("insecureSkipVerify accepts the untrusted certificate", async () => {
    const s = await tlsServer();
    await expect(client({ port: s.port, https: true, insecureSkipVerify: true }).get(AUTH_URI)).resolves.toBeDefined();
  });

  test("a malformed pin is a configuration error at construction", () => {
    expect(() => client({ port: 1, https: true, certFingerprint: "not-a-fingerprint" })).toThrow(ConfigurationError);
  });
});

describe("connection failures and timeouts", () => {
  test("connection refused names host, port and scheme", async () => {
    const port = await closedPort();
    const err = await failure(client({ port, auth: "basic", allowUnencrypted: true, retries: 0 }).get(AUTH_URI));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.kind).toBe("refused");
    expect(err.host).toBe("127.0.0.1");
    expect(err.port).toBe(port);
    expect(err.scheme).toBe("http");
    expect(err.message).toContain(`http://127.0.0.1:${port}`);
  });

  test("a server that never answers produces TimeoutError", async () => {
    const s = await server({ stall: true });
    const started = Date.now();
    const err = await failure(client({ port: s.port, allowUnencrypted: true, timeoutMs: 400 }).get(AUTH_URI));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.code).toBe("WINRM_TIMEOUT");
    expect(err.message).toContain("400 ms");
    expect(Date.now() - started).toBeLessThan(3000);
    expect(s.requests).toBe(1); // a response timeout is not retried
  });

  test("idempotent Get is retried after a dropped connection and succeeds", async () => {
    const s = await server({ dropFirst: 1 });
    const auth = await client({ port: s.port, allowUnencrypted: true, retries: 2 }).get(AUTH_URI);
    expect(auth.Basic).toBe("true");
    expect(s.requests).toBe(2);
  });

  test("Put is not retried after a dropped connection", async () => {
    const s = await server({ dropFirst: 1 });
    const err = await failure(client({ port: s.port, allowUnencrypted: true, retries: 2 }).put(AUTH_URI, "<cfg:Auth xmlns:cfg=\"x\"/>"));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.kind).toBe("reset");
    expect(s.requests).toBe(1);
  });

  test("Put on a kept-alive connection that breaks is not resent either", async () => {
    const s = await server({ dropRequests: [2] });
    const c = client({ port: s.port, allowUnencrypted: true, retries: 2 });
    await c.get(AUTH_URI);
    const err = await failure(c.put(AUTH_URI, "<cfg:Auth xmlns:cfg=\"x\"/>"));
    expect(err.kind).toBe("reset");
    expect(s.requests).toBe(2);
    // The client recovers on a new connection for the next operation.
    await expect(c.get(AUTH_URI)).resolves.toBeDefined();
    expect(s.connections).toBe(2);
  });

  test("retries are bounded", async () => {
    const s = await server({ dropFirst: 10 });
    const err = await failure(client({ port: s.port, allowUnencrypted: true, retries: 2 }).get(AUTH_URI));
    expect(err.kind).toBe("reset");
    expect(s.requests).toBe(3);
  });

  test("a reply for another MessageID is a ProtocolError", async () => {
    const s = await server({ relatesTo: "uuid:00000000-0000-0000-0000-000000000000" });
    const err = await failure(client({ port: s.port, allowUnencrypted: true }).get(AUTH_URI));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.code).toBe("WINRM_PROTOCOL");
  });

  test("the connection is kept alive across requests", async () => {
    const s = await server({});
    const c = client({ port: s.port, allowUnencrypted: true });
    for (let i = 0; i < 3; i++) await c.get(AUTH_URI);
    expect(s.requests).toBe(3);
    expect(s.connections).toBe(1);
  });
});

describe("Basic authentication", () => {
  test("Basic over plain HTTP is refused at construction unless allowUnencrypted", () => {
    let err: unknown;
    try {
      client({ port: 5985, auth: "basic" });
    } catch (e) {
      err = e;
      seenErrors.push(e);
    }
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).code).toBe("WINRM_CONFIG");
    expect((err as Error).message).toMatch(/clear text/);
    expect(() => client({ port: 5985, auth: "basic", allowUnencrypted: true })).not.toThrow();
    expect(() => client({ port: 5986, auth: "basic", https: true })).not.toThrow();
  });

  test("wrong password: bad-credentials with the offered schemes listed", async () => {
    const s = await server({ basic: { user: USER, password: "something else" } });
    const err = await failure(client({ port: s.port, allowUnencrypted: true }).get(AUTH_URI));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.code).toBe("WINRM_AUTH");
    expect(err.reason).toBe("bad-credentials");
    expect(err.offeredSchemes).toEqual(["Basic", "Negotiate"]);
  });

  test("Basic not offered: scheme-not-offered listing what is", async () => {
    const s = await server({ challenge: ["Negotiate", "Kerberos"] });
    const err = await failure(client({ port: s.port, allowUnencrypted: true }).get(AUTH_URI));
    expect(err.reason).toBe("scheme-not-offered");
    expect(err.offeredSchemes).toEqual(["Negotiate", "Kerberos"]);
    expect(err.message).toContain("Negotiate, Kerberos");
  });

  test("NTLM not offered: scheme-not-offered", async () => {
    const s = await server({ challenge: ['Basic realm="WSMAN"'] });
    const err = await failure(client({ port: s.port, auth: "ntlm" }).get(AUTH_URI));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.reason).toBe("scheme-not-offered");
    expect(err.offeredSchemes).toEqual(["Basic"]);
  });
});

afterAll(() => {
  // Runs after every test above: no error, message or inspection leaks the password.
  expect(seenErrors.length).toBeGreaterThan(10);
  const b64 = Buffer.from(`${USER}:${PASSWORD}`).toString("base64");
  for (const err of seenErrors) {
    const text = `${String((err as Error).message)}\n${(err as Error).stack}\n${inspect(err, { depth: 10 })}\n${JSON.stringify(err)}`;
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(b64);
  }
  const c = new WinRMClient({ host: "h", auth: "basic", https: true, username: USER, password: PASSWORD });
  const ntlm = new WinRMClient({ host: "h", auth: "ntlm", username: USER, password: PASSWORD });
  for (const x of [c, ntlm]) {
    const text = `${inspect(x, { depth: 10, showHidden: true })}${JSON.stringify(x)}`;
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(b64);
  }
});
