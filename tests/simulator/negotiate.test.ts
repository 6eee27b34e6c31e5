// The Negotiate handshake at the HTTP level: SPNEGO-wrapped NTLM tokens are accepted
// (pywinrm and our client send raw NTLMSSP, covered elsewhere), the security context
// belongs to the connection, and sealed messages are checked.

import * as http from "node:http";
import * as https from "node:https";
import { X509Certificate } from "node:crypto";
import { channelBindingsHash, NtlmClient, unwrapSpnego, wrapSpnegoAuth, wrapSpnegoInit } from "../../provider/src/winrm/ntlm";
import { decryptMessage, ENCRYPTED_CONTENT_TYPE, encryptMessage } from "../../provider/src/winrm/encryption";
import { startHost, SimHost } from "../../simulator/src/index";
import { ACTION, envelope, parse, post, text, URI, wwwAuthenticate } from "./support/raw";
import { SOAP_CONTENT_TYPE } from "../../provider/src/winrm/soap";

const PW = "Negotiate-pw-3";
let host: SimHost;
let agent: http.Agent;

beforeEach(async () => {
  host = await startHost({ hostname: "srv01.corp.test", users: [{ name: "admin", password: PW, admin: true }] });
  // One socket: the NTLM context lives on the connection.
  agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
});
afterEach(async () => {
  agent.destroy();
  await host.stop();
});

async function handshake() {
  const client = new NtlmClient({ username: "admin", password: PW });
  const first = await post(host.httpUrl!, "", { Authorization: `Negotiate ${wrapSpnegoInit(client.negotiate()).toString("base64")}` }, agent);
  expect(first.status).toBe(401);
  const [challengeHeader] = wwwAuthenticate(first);
  expect(challengeHeader).toMatch(/^Negotiate [A-Za-z0-9+/=]+$/);
  const { ntlm: challenge, wasSpnego } = unwrapSpnego(Buffer.from(challengeHeader.slice("Negotiate ".length), "base64"));
  expect(wasSpnego).toBe(true); // answered in kind
  expect(challenge.readUInt32LE(8)).toBe(2);
  const { message, session } = client.authenticate(challenge);
  return { message, session };
}

function sealedGet(session: ReturnType<NtlmClient["authenticate"]>["session"]) {
  const { xml, messageId } = envelope({ action: ACTION.get, resourceUri: `${URI.config}/service/auth` });
  return { body: encryptMessage(session, Buffer.from(xml)), messageId };
}

test("SPNEGO-wrapped NTLM: sealed requests and responses; the context stays on the connection", async () => {
  const { message, session } = await handshake();
  const raw = (body: Buffer, headers: Record<string, string>, a: http.Agent) =>
    new Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      const u = new URL(host.httpUrl!);
      const req = http.request({ method: "POST", hostname: u.hostname, port: u.port, path: u.pathname, headers, agent: a }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
      });
      req.on("error", reject);
      req.end(body);
    });

  const one = sealedGet(session);
  const r1 = await raw(one.body, { Authorization: `Negotiate ${wrapSpnegoAuth(message).toString("base64")}`, "Content-Type": ENCRYPTED_CONTENT_TYPE }, agent);
  expect(r1.status).toBe(200);
  // SPNEGO clients get a final NegTokenResp (accept-completed, context tag [1] = 0xa1).
  const completed = Buffer.from(String(r1.headers["www-authenticate"]).slice("Negotiate ".length), "base64");
  expect(completed[0]).toBe(0xa1);
  const d1 = parse(decryptMessage(session, r1.body).plain.toString("utf8"));
  expect(text(d1, "RelatesTo")).toBe(one.messageId);
  expect(text(d1, "Negotiate")).toBe("true");

  const two = sealedGet(session);
  const r2 = await raw(two.body, { "Content-Type": ENCRYPTED_CONTENT_TYPE }, agent);
  expect(r2.status).toBe(200);
  expect(text(parse(decryptMessage(session, r2.body).plain.toString("utf8")), "RelatesTo")).toBe(two.messageId);

  // a fault comes back sealed too
  const bad = envelope({ action: ACTION.get, resourceUri: "http://schemas.microsoft.com/wbem/wsman/1/nothing" });
  const r3 = await raw(encryptMessage(session, Buffer.from(bad.xml)), { "Content-Type": ENCRYPTED_CONTENT_TYPE }, agent);
  expect(r3.status).toBe(500);
  expect(r3.headers["content-type"]).toBe(ENCRYPTED_CONTENT_TYPE);
  expect(text(parse(decryptMessage(session, r3.body).plain.toString("utf8")), "RelatesTo")).toBe(bad.messageId);

  // plaintext on the authenticated HTTP connection: refused like Windows (AllowUnencrypted=false)
  const plain = envelope({ action: ACTION.get, resourceUri: URI.config });
  const r4 = await raw(Buffer.from(plain.xml), { "Content-Type": SOAP_CONTENT_TYPE }, agent);
  expect(r4.status).toBe(500);
  expect(r4.body.length).toBe(0);

  // a tampered sealed message fails the integrity check
  const tampered = sealedGet(session).body;
  tampered[tampered.length - 30] ^= 0xff;
  const r5 = await raw(tampered, { "Content-Type": ENCRYPTED_CONTENT_TYPE }, agent);
  expect(r5.status).toBe(400);

  // another connection has no context
  const other = new http.Agent({ keepAlive: false });
  const r6 = await raw(sealedGet(session).body, { "Content-Type": ENCRYPTED_CONTENT_TYPE }, other);
  expect(r6.status).toBe(401);
  other.destroy();
});

test("item 9: a bad sealed message on a connection is refused and the next genuine one is still served", async () => {
  const client = new NtlmClient({ username: "admin", password: PW });
  const first = await post(host.httpUrl!, "", { Authorization: `Negotiate ${client.negotiate().toString("base64")}` }, agent);
  const challenge = Buffer.from(wwwAuthenticate(first)[0].slice("Negotiate ".length), "base64");
  const { message, session } = client.authenticate(challenge);
  const done = await post(host.httpUrl!, "", { Authorization: `Negotiate ${message.toString("base64")}` }, agent);
  expect(done.status).toBe(200);
  const sealed = (body: Buffer) =>
    new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const u = new URL(host.httpUrl!);
      const req = http.request(
        { method: "POST", hostname: u.hostname, port: u.port, path: u.pathname, headers: { "Content-Type": ENCRYPTED_CONTENT_TYPE }, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  const one = sealedGet(session);
  const r1 = await sealed(one.body);
  expect(r1.status).toBe(200);
  expect(text(parse(decryptMessage(session, r1.body).plain.toString("utf8")), "RelatesTo")).toBe(one.messageId);
  // Someone on the path replays the first message, then corrupts a copy of it: both refused...
  expect((await sealed(one.body)).status).toBe(400);
  const corrupt = Buffer.from(one.body);
  corrupt[corrupt.length - 40] ^= 0xff;
  expect((await sealed(corrupt)).status).toBe(400);
  // ...and the client's next message on the same connection is still understood.
  const two = sealedGet(session);
  const r = await sealed(two.body);
  expect(r.status).toBe(200);
  expect(text(parse(decryptMessage(session, r.body).plain.toString("utf8")), "RelatesTo")).toBe(two.messageId);
});

test("a wrong password fails the NTLM exchange with the 401 scheme list", async () => {
  const client = new NtlmClient({ username: "admin", password: "not-it" });
  const first = await post(host.httpUrl!, "", { Authorization: `Negotiate ${client.negotiate().toString("base64")}` }, agent);
  const challenge = Buffer.from(wwwAuthenticate(first)[0].slice("Negotiate ".length), "base64");
  expect(unwrapSpnego(challenge).wasSpnego).toBe(false); // raw in, raw out
  const { message } = client.authenticate(challenge);
  const r = await post(host.httpUrl!, "", { Authorization: `Negotiate ${message.toString("base64")}` }, agent);
  expect(r.status).toBe(401);
  expect(wwwAuthenticate(r)).toEqual(["Negotiate", "Kerberos"]);
});

describe("channel binding over HTTPS", () => {
  let tlsHost: SimHost;
  let tlsAgent: https.Agent;
  beforeEach(async () => {
    tlsHost = await startHost({ hostname: "srv02.corp.test", http: false, https: "127.0.0.1:0", users: [{ name: "admin", password: PW, admin: true }] });
    tlsAgent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  });
  afterEach(async () => {
    tlsAgent.destroy();
    await tlsHost.stop();
  });

  async function authWith(cbt: Buffer | undefined): Promise<number> {
    const client = new NtlmClient({ username: "admin", password: PW });
    const first = await post(tlsHost.httpsUrl!, "", { Authorization: `Negotiate ${client.negotiate().toString("base64")}` }, tlsAgent);
    const challenge = Buffer.from(wwwAuthenticate(first)[0].slice("Negotiate ".length), "base64");
    const { message } = client.authenticate(challenge, cbt ? { channelBindingsHash: cbt } : {});
    const { xml } = envelope({ action: ACTION.get, resourceUri: URI.config });
    return (await post(tlsHost.httpsUrl!, xml, { Authorization: `Negotiate ${message.toString("base64")}` }, tlsAgent)).status;
  }

  test("the right CBT and no CBT pass (Relaxed); a wrong one is refused", async () => {
    expect(await authWith(channelBindingsHash(new X509Certificate(tlsHost.certPem!).raw))).toBe(200);
    expect(await authWith(undefined)).toBe(200);
    expect(await authWith(Buffer.alloc(16, 7))).toBe(401);
  });

  test("CbtHardeningLevel=None ignores the CBT", async () => {
    tlsHost.state.setConfig("Service/Auth/CbtHardeningLevel", "None");
    expect(await authWith(Buffer.alloc(16, 7))).toBe(200);
  });
});
