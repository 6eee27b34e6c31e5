// The simulator's CredSSP server: offered only while Service/Auth/CredSSP=true, refused
// the way Windows refuses, strict about pubKeyAuth, the nonce, replays and whose
// credentials are delegated; the delegated credentials stay on the session, in memory.
// Our own client drives the happy paths (HTTP with encryption, HTTPS); a scripted
// client built from the wire library's parts drives the misbehaviour.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inspect } from "node:util";
import { AuthenticationError, WinRMClient } from "../../provider/src/winrm";
import { decodeNegotiationToken, encodeNegTokenResp } from "../../provider/src/winrm/gss/spnego";
import { startHost } from "../../simulator/src/index";
import type { SimHost, StartHostOptions } from "../../simulator/src/index";
import { credSspSession } from "../winrm/support/credssp-session";
import { runCredSsp } from "./support/credssp-driver";
import { post, wwwAuthenticate } from "./support/raw";
import { caught } from "../support/caught";

const ADMIN = { name: "vagrant", password: "Pa55w.rd-Sim!", admin: true };
const OTHER = { name: "operator", password: "0ther-Pa55!", admin: true };
const CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config";
const ENABLED = { "Service/Auth/CredSSP": "true" };
const STATUS_LOGON_FAILURE = 0xc000006d;

function start(extra: Partial<StartHostOptions> = {}): Promise<SimHost> {
  return startHost({ hostname: "srv01.corp.test", https: "127.0.0.1:0", users: [ADMIN, OTHER], ...extra });
}

function client(url: string, over: Partial<ConstructorParameters<typeof WinRMClient>[0]> = {}): WinRMClient {
  const u = new URL(url);
  return new WinRMClient({
    host: "127.0.0.1", port: Number(u.port), https: u.protocol === "https:", insecureSkipVerify: true,
    auth: "credssp", username: ADMIN.name, password: ADMIN.password, timeoutMs: 30_000, ...over,
  });
}

describe("offered only while Service/Auth/CredSSP=true (Windows' default is false)", () => {
  let host: SimHost;
  beforeAll(async () => {
    host = await start();
  });
  afterAll(async () => host.stop());

  test("disabled: the 401 lists no CredSSP, and a CredSSP token gets that same plain 401", async () => {
    const anonymous = await post(host.httpUrl!, "");
    expect(anonymous.status).toBe(401);
    expect(wwwAuthenticate(anonymous)).toEqual(["Negotiate", "Kerberos"]);
    const r = await runCredSsp(host.httpUrl!, { user: ADMIN.name, password: ADMIN.password });
    expect(r.outcome).toBe("refused");
    expect(r.stage).toBe("tls");
    expect(r.last.status).toBe(401);
    expect(wwwAuthenticate(r.last)).toEqual(["Negotiate", "Kerberos"]);
    expect(r.last.body).toBe("");
  });

  test.each(["httpUrl", "httpsUrl"] as const)("disabled (%s): our client says the server does not accept CredSSP and how to fix it", async (which) => {
    const c = client(host[which]!);
    try {
      const err = await caught(c.get(CONFIG));
      expect(err).toBeInstanceOf(AuthenticationError);
      expect((err as AuthenticationError).code).toBe("WINRM_AUTH");
      expect((err as AuthenticationError).reason).toBe("scheme-not-offered");
      expect(err.message).toMatch(/does not accept CredSSP: its WinRM service has Service\/Auth\/CredSSP = false/);
      expect(err.message).toMatch(/CredSSPServer/);
    } finally {
      await c.close();
    }
  });

  test("enabled at run time: listed last, and our client gets in over HTTP and HTTPS; disabled again: refused", async () => {
    host.state.setConfig("Service/Auth/CredSSP", "true");
    const anonymous = await post(host.httpUrl!, "");
    expect(wwwAuthenticate(anonymous)).toEqual(["Negotiate", "Kerberos", "CredSSP"]);
    for (const url of [host.httpUrl!, host.httpsUrl!]) {
      const c = client(url);
      try {
        expect(await c.runCommand("hostname")).toEqual({ stdout: "srv01\r\n", stderr: "", exitCode: 0 });
        expect((await c.runCommand("whoami")).stdout).toBe("srv01\\vagrant\r\n");
      } finally {
        await c.close();
      }
    }
    host.state.setConfig("Service/Auth/CredSSP", "false");
    const c = client(host.httpUrl!);
    try {
      expect(((await caught(c.get(CONFIG))) as AuthenticationError).reason).toBe("scheme-not-offered");
    } finally {
      await c.close();
    }
  });
});

describe("our client against the simulator", () => {
  let host: SimHost;
  beforeAll(async () => {
    host = await start({ set: ENABLED });
  });
  afterAll(async () => host.stop());

  test.each(["httpUrl", "httpsUrl"] as const)("%s: one handshake (5 round trips) serves every request on the connection", async (which) => {
    const u = new URL(host[which]!);
    const s = credSspSession({ port: Number(u.port), https: u.protocol === "https:", username: ADMIN.name, password: ADMIN.password });
    try {
      const before = host.requestCount;
      await s.get(CONFIG);
      expect(host.requestCount - before).toBe(5 + 1); // TLS x2, SPNEGO x2, credentials; then the Get
      for (let i = 0; i < 4; i++) await s.get(CONFIG);
      expect(host.requestCount - before).toBe(5 + 5);
      expect(s.authenticator.handshakes).toBe(1);
    } finally {
      s.close();
    }
  });

  test("over 16 KiB each way (multipart/x-multi-encrypted) over HTTP", async () => {
    const c = client(host.httpUrl!);
    try {
      const long = "0123456789abcdef".repeat(2048); // 32 KiB of argument, and of output
      const r = await c.runCommand("cmd", ["/c", "echo", long]);
      expect(r.stdout).toBe(`${long}\r\n`);
    } finally {
      await c.close();
    }
  });

  test("a connection the host dropped: the client authenticates again and carries on", async () => {
    const s = credSspSession({ port: Number(new URL(host.httpUrl!).port), username: ADMIN.name, password: ADMIN.password });
    try {
      await s.get(CONFIG);
      host.faults.restart();
      await s.get(CONFIG);
      expect(s.authenticator.handshakes).toBe(2);
    } finally {
      s.close();
    }
  });

  test("a wrong password: WINRM_AUTH naming CredSSP and STATUS_LOGON_FAILURE; the password in no message", async () => {
    const c = client(host.httpUrl!, { password: "Wrong-Pa55" });
    try {
      const err = (await caught(c.get(CONFIG))) as AuthenticationError;
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(err.authScheme).toBe("CredSSP");
      expect(err.ntStatus).toBe(STATUS_LOGON_FAILURE);
      expect(err.message).toMatch(/STATUS_LOGON_FAILURE \(0xC000006D\)/);
      expect(`${err.message}${err.stack}`).not.toMatch(/Wrong-Pa55|Pa55w\.rd-Sim!/);
    } finally {
      await c.close();
    }
  });

  test.each([2, 3, 4, 5, 6])("a host speaking CredSSP version %i", async (version) => {
    const old = await start({ set: ENABLED, credsspVersion: version, https: false });
    const c = client(old.httpUrl!);
    try {
      expect((await c.runCommand("hostname")).stdout).toBe("srv01\r\n");
      const bad = client(old.httpUrl!, { password: "nope" });
      const err = (await caught(bad.get(CONFIG))) as AuthenticationError;
      await bad.close();
      expect(err.code).toBe("WINRM_AUTH");
      // errorCode exists in versions 3, 4 and 6 only (MS-CSSP 2.2.1).
      expect(err.ntStatus).toBe([3, 4, 6].includes(version) ? STATUS_LOGON_FAILURE : undefined);
    } finally {
      await c.close();
      await old.stop();
    }
  });
});

describe("what the server checks", () => {
  let host: SimHost;
  beforeAll(async () => {
    host = await start({ set: ENABLED });
  });
  afterAll(async () => host.stop());
  const me = { user: ADMIN.name, password: ADMIN.password };

  test("the scripted client itself gets in (so its refusals below mean something)", async () => {
    const r = await runCredSsp(host.httpUrl!, me);
    expect(r.outcome).toBe("done");
    expect(r.last.status).toBe(200);
  });

  test("a wrong password: 401 whose CredSSP token is a TSRequest with errorCode STATUS_LOGON_FAILURE", async () => {
    const r = await runCredSsp(host.httpUrl!, { ...me, password: "wrong" });
    expect(r).toMatchObject({ outcome: "refused", stage: "pubkey" });
    expect(r.serverRequest).toEqual({ version: 6, errorCode: STATUS_LOGON_FAILURE });
  });

  test.each([2, 5])("version %i has no errorCode: a wrong password gets the plain 401", async (version) => {
    const r = await runCredSsp(host.httpUrl!, { ...me, password: "wrong", version });
    expect(r).toMatchObject({ outcome: "refused", stage: "pubkey", serverRequest: undefined });
    expect(wwwAuthenticate(r.last)).toEqual(["Negotiate", "Kerberos", "CredSSP"]);
  });

  test("pubKeyAuth over another key (what a man in the middle's channel gives): refused", async () => {
    const r = await runCredSsp(host.httpUrl!, { ...me, proveKey: Buffer.alloc(270, 1) });
    expect(r).toMatchObject({ outcome: "refused", stage: "pubkey", serverRequest: undefined });
    expect(r.last.status).toBe(401);
  });

  test("version 6 without the client nonce, or with a short one: refused", async () => {
    const none = await runCredSsp(host.httpUrl!, { ...me, mutate: (stage, req) => (stage === "pubkey" ? { ...req, clientNonce: undefined } : req) });
    expect(none).toMatchObject({ outcome: "refused", stage: "pubkey" });
    const short = await runCredSsp(host.httpUrl!, { ...me, mutate: (stage, req) => (stage === "pubkey" ? { ...req, clientNonce: Buffer.alloc(16, 9) } : req) });
    expect(short).toMatchObject({ outcome: "refused", stage: "pubkey" });
  });

  test("a nonce seen before (a replayed pubKeyAuth TSRequest): refused", async () => {
    const nonce = Buffer.alloc(32, 0x5a);
    expect((await runCredSsp(host.httpUrl!, { ...me, nonce })).outcome).toBe("done");
    const again = await runCredSsp(host.httpUrl!, { ...me, nonce });
    expect(again).toMatchObject({ outcome: "refused", stage: "pubkey", serverRequest: undefined });
  });

  test.each(["negotiate", "pubkey"] as const)("the %s token sent a second time on the connection: refused", async (stage) => {
    const r = await runCredSsp(host.httpUrl!, { ...me, replay: stage });
    expect(r.replayed!.status).toBe(401);
    expect(wwwAuthenticate(r.replayed!)).toEqual(["Negotiate", "Kerberos", "CredSSP"]);
  });

  test("SPNEGO without the mechListMIC Windows requires after an NTLM MIC: refused", async () => {
    const r = await runCredSsp(host.httpUrl!, {
      ...me,
      mutate: (stage, req) => {
        if (stage !== "pubkey") return req;
        // NegTokenResp [1] { [2] responseToken, [3] mechListMIC }: keep only the token.
        const t = decodeNegotiationToken(req.negoTokens![0]);
        if (t.kind !== "resp") throw new Error("expected a NegTokenResp");
        return { ...req, negoTokens: [encodeNegTokenResp({ responseToken: t.token.responseToken })] };
      },
    });
    expect(r).toMatchObject({ outcome: "refused", stage: "pubkey" });
    expect(r.serverRequest?.errorCode).toBe(STATUS_LOGON_FAILURE);
  });

  test("TSCredentials for another user, or with another password: refused without a token (the plain 401)", async () => {
    for (const delegate of [
      { domainName: "", userName: OTHER.name, password: OTHER.password },
      { domainName: "", userName: ADMIN.name, password: "not-his" },
    ]) {
      const r = await runCredSsp(host.httpUrl!, { ...me, delegate });
      expect(r).toMatchObject({ outcome: "refused", stage: "credentials", serverRequest: undefined });
      expect(wwwAuthenticate(r.last)).toEqual(["Negotiate", "Kerberos", "CredSSP"]);
      r.agent.destroy();
    }
  });
});

describe("the session keeps the delegated credentials, in memory only", () => {
  test("CredSSP: on the session; never serialised; NTLM: none; the state file keeps the key pair, not the password", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sim-credssp-"));
    const stateFile = path.join(dir, "state.json");
    let host = await start({ set: ENABLED, stateFile });
    try {
      const r = await runCredSsp(host.httpUrl!, { user: ADMIN.name, domain: "SRV01", password: ADMIN.password });
      expect(r.outcome).toBe("done");
      const [session] = host.sessions();
      expect(session.scheme).toBe("CredSSP");
      expect(session.account.name).toBe(ADMIN.name);
      const d = session.delegatedCredentials!;
      expect([d.domain, d.user, d.password, d.qualifiedName]).toEqual(["SRV01", ADMIN.name, ADMIN.password, "SRV01\\vagrant"]);
      // Serialised or printed by accident (a log line, a state dump), they show no password.
      expect(JSON.stringify(d)).toBe(JSON.stringify({ domain: "SRV01", user: ADMIN.name, password: "<redacted>" }));
      expect(inspect(d, { depth: 5 })).not.toContain(ADMIN.password);
      expect(Object.keys(d)).not.toContain("password");
      r.agent.destroy();

      const ntlm = new WinRMClient({ host: "127.0.0.1", port: Number(new URL(host.httpUrl!).port), auth: "ntlm", username: ADMIN.name, password: ADMIN.password });
      await ntlm.get(CONFIG);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const schemes = host.sessions().map((s) => [s.scheme, s.delegatedCredentials]);
      expect(schemes).toContainEqual(["Negotiate", undefined]);
      await ntlm.close();

      await host.stop();
      const saved = fs.readFileSync(stateFile, "utf8");
      expect(saved).not.toContain(ADMIN.password);
      const parsed = JSON.parse(saved) as { tls?: { certPem: string }; credsspTls?: { certPem: string } };
      expect(parsed.credsspTls?.certPem).toMatch(/BEGIN CERTIFICATE/);
      expect(parsed.credsspTls!.certPem).not.toBe(parsed.tls!.certPem);

      host = await start({ set: ENABLED, stateFile });
      const again = await runCredSsp(host.httpUrl!, { user: ADMIN.name, password: ADMIN.password });
      expect(again.serverCert).toEqual(r.serverCert); // the same key pair after a restart
      again.agent.destroy();
    } finally {
      await host.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
