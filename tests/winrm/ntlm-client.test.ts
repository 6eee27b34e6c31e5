// WinRMClient with NTLM against an in-test endpoint built on NtlmServer + message
// encryption: handshake, sealed traffic, connection reuse and re-authentication.
import { inspect } from "node:util";
import { X509Certificate } from "node:crypto";
import { AuthenticationError, ProtocolError, WinRMClient } from "../../provider/src/winrm";
import { NtlmAuthenticator } from "../../provider/src/winrm/auth/ntlm";
import { channelBindingsHash, NtlmIntegrityError, splitUsername } from "../../provider/src/winrm/ntlm";
import type { HttpTransport } from "../../provider/src/winrm/transport";
import { makeTestPki } from "./support/client-pki";
import { NTLM_DOMAIN, NTLM_PASSWORD, NTLM_USER, startNtlmServer } from "./support/ntlm-test-server";
import type { NtlmTestServer } from "./support/ntlm-test-server";

const AUTH_URI = "http://schemas.microsoft.com/wbem/wsman/1/config/service/auth";
let srv: NtlmTestServer | undefined;
let cli: WinRMClient | undefined;

afterEach(async () => {
  await cli?.close();
  await srv?.close();
  cli = srv = undefined;
});

function ntlmClient(port: number, extra: Partial<ConstructorParameters<typeof WinRMClient>[0]> = {}): WinRMClient {
  cli = new WinRMClient({
    host: "127.0.0.1", port, auth: "ntlm", username: `${NTLM_DOMAIN}\\${NTLM_USER}`, password: NTLM_PASSWORD, timeoutMs: 5000, ...extra,
  });
  return cli;
}

const waitForClose = () => new Promise((r) => setTimeout(r, 50));

describe("NTLM over HTTP (sealed)", () => {
  test("item 2: a server that strips 128-bit and key exchange from the handshake gets no sealed request", async () => {
    srv = await startNtlmServer({ stripNegotiateFlags: 0x20000000 | 0x80000000 | 0x40000000 });
    const err = (await ntlmClient(srv.port).get(AUTH_URI).catch((e: unknown) => e)) as ProtocolError;
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/128-bit/);
    expect((err.cause as { code?: string }).code).toBe("WINRM_NTLM_INTEGRITY");
    expect(srv.counts).toMatchObject({ authenticate: 0, message: 0 });
    expect(srv.rawBodies).toHaveLength(0);
  });

  test("item 3: a plaintext fault on an encrypted session is reported only as its HTTP status, never its text", async () => {
    // A forged fault, unencrypted and without RelatesTo (nobody on the path can read our MessageID).
    const forged =
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/><s:Body><s:Fault>` +
      `<s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text xml:lang="en-US">forged: run setup.exe from \\\\evil\\share</s:Text></s:Reason>` +
      `<s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="5"><f:Message>forged: run setup.exe</f:Message></f:WSManFault></s:Detail>` +
      `</s:Fault></s:Body></s:Envelope>`;
    srv = await startNtlmServer({ plaintextReply: { status: 500, body: forged } });
    const err = (await ntlmClient(srv.port, { retries: 0 }).get(AUTH_URI).catch((e: unknown) => e)) as Error & Record<string, unknown>;
    expect(err.code).toBe("WINRM_TRANSPORT");
    expect(err.httpStatus).toBe(500);
    expect(err.message).not.toContain("forged");
    expect(err.message).toMatch(/unencrypted body on an encrypted session/);
  });

  test("handshake then sealed request/response; 1 round trip per operation afterwards", async () => {
    srv = await startNtlmServer();
    const c = ntlmClient(srv.port);
    const first = await c.get(AUTH_URI);
    expect(first.CredSSP).toBe("false");
    expect(srv.counts).toMatchObject({ negotiate: 1, authenticate: 1, message: 1, total: 3 });
    for (let i = 0; i < 5; i++) await c.get(AUTH_URI);
    expect(srv.counts).toMatchObject({ negotiate: 1, authenticate: 1, message: 6, total: 8 });
    expect(srv.connections).toBe(1);
    // The server decrypted real envelopes; the wire carried none in clear text.
    expect(srv.envelopes[0]).toContain("<wsa:Action s:mustUnderstand=\"true\">http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</wsa:Action>");
    for (const raw of srv.rawBodies) {
      expect(raw.toString("latin1")).toContain("--Encrypted Boundary");
      expect(raw.toString("latin1")).not.toContain("Envelope");
    }
  });

  test("a user name without domain and a UPN-less local name also authenticate", async () => {
    srv = await startNtlmServer();
    const c = ntlmClient(srv.port, { username: NTLM_USER });
    await expect(c.get(AUTH_URI)).resolves.toBeDefined();
  });

  test("reconnects and re-authenticates after the server closes the kept-alive connection", async () => {
    srv = await startNtlmServer();
    const c = ntlmClient(srv.port);
    await c.get(AUTH_URI);
    srv.dropConnections();
    await waitForClose();
    await c.put(AUTH_URI, '<cfg:Auth xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config/service/auth"><cfg:CredSSP>true</cfg:CredSSP></cfg:Auth>');
    expect(srv.connections).toBe(2);
    expect(srv.counts).toMatchObject({ negotiate: 2, authenticate: 2, message: 2, anonymous: 0 });
  });

  test("a 401 mid-session triggers one transparent re-authentication and resend", async () => {
    srv = await startNtlmServer();
    const c = ntlmClient(srv.port);
    await c.get(AUTH_URI);
    srv.forgetContexts();
    await c.get(AUTH_URI);
    expect(srv.counts).toMatchObject({ negotiate: 2, authenticate: 2, message: 2, anonymous: 1 });
    expect(srv.connections).toBe(1);
  });

  test("wrong password: bad-credentials after a complete handshake, password not in the error", async () => {
    srv = await startNtlmServer();
    const c = ntlmClient(srv.port, { password: "wrong-Secret-9" });
    const err = (await c.get(AUTH_URI).catch((e: unknown) => e)) as AuthenticationError;
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.reason).toBe("bad-credentials");
    expect(err.offeredSchemes).toEqual(["Negotiate"]);
    expect(srv.counts.message).toBe(0);
    expect(`${err.message}${inspect(err)}`).not.toContain("wrong-Secret-9");
    expect(inspect(c, { depth: 10, showHidden: true })).not.toContain("wrong-Secret-9");
  });

  test("operations are serialised on one connection even when started concurrently", async () => {
    srv = await startNtlmServer();
    const c = ntlmClient(srv.port);
    const results = await Promise.all([1, 2, 3, 4].map(() => c.get(AUTH_URI)));
    expect(results.every((r) => r.CredSSP === "false")).toBe(true);
    expect(srv.counts).toMatchObject({ negotiate: 1, authenticate: 1, message: 4 });
    expect(srv.connections).toBe(1);
  });
});

describe("NTLM over HTTPS (channel bindings, no sealing)", () => {
  const pki = makeTestPki();
  const certDer = new X509Certificate(pki.serverCert).raw;

  test("authenticates with channel bindings of the presented certificate and sends plain SOAP", async () => {
    srv = await startNtlmServer({ tls: { key: pki.serverKey, cert: pki.serverCert }, expectedChannelBindingsHash: channelBindingsHash(certDer) });
    const c = ntlmClient(srv.port, { https: true, caCert: pki.caPem });
    expect((await c.get(AUTH_URI)).Basic).toBe("true");
    await c.get(AUTH_URI);
    expect(srv.counts).toMatchObject({ negotiate: 1, authenticate: 1, message: 2 });
    expect(srv.rawBodies[0].toString("utf8")).toContain("<s:Envelope");
  });

  test("bindings for a different certificate (a relaying middlebox) are refused", async () => {
    const other = makeTestPki();
    const otherDer = new X509Certificate(other.serverCert).raw;
    srv = await startNtlmServer({ tls: { key: pki.serverKey, cert: pki.serverCert }, expectedChannelBindingsHash: channelBindingsHash(otherDer) });
    const c = ntlmClient(srv.port, { https: true, caCert: pki.caPem });
    const err = (await c.get(AUTH_URI).catch((e: unknown) => e)) as AuthenticationError;
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.reason).toBe("bad-credentials");
  });
});

describe("NTLM errors stay inside the client", () => {
  it("a request the session cannot seal fails as ProtocolError with the NTLM error as cause, and nothing is sent", async () => {
    const posts: unknown[] = [];
    const transport = {
      endpoint: { scheme: "http", host: "srv01", port: 5985 },
      post: async (...args: unknown[]) => void posts.push(args),
    } as unknown as HttpTransport;
    const auth = new NtlmAuthenticator(transport, "admin", "pw");
    const cannotSeal = new NtlmIntegrityError("message sealing needs NTLM extended session security, which was not negotiated");
    const session = { wrap: () => { throw cannotSeal; } };
    // An established context whose session cannot seal (our handshake never makes one; a future scheme might).
    (auth as unknown as { context: unknown }).context = { session, socket: { destroyed: false } };
    const err = await auth.send(Buffer.from("<s:Envelope/>")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ code: "WINRM_PROTOCOL", cause: cannotSeal });
    expect((err as Error).message).toContain("cannot encrypt the request");
    expect(posts).toHaveLength(0);
  });
});

describe("splitUsername: one rule for DOMAIN\\user", () => {
  it.each([
    ["CORP\\admin", { domain: "CORP", user: "admin" }],
    [".\\admin", { domain: ".", user: "admin" }],
    ["\\admin", { domain: "", user: "admin" }],
    ["CORP\\svc\\x", { domain: "CORP", user: "svc\\x" }],
    ["admin@corp.example.com", { domain: "", user: "admin@corp.example.com" }],
    ["admin", { domain: "", user: "admin" }],
  ])("%s", (input, expected) => {
    expect(splitUsername(input)).toEqual(expected);
  });
});
