// Kerberos at the HTTP level of a simulated host with a keytab from a real MIT realm,
// probed with hand-made requests (our initiator builds the AP-REQ; MIT issued the
// ticket): the raw AP-REQ under Negotiate (pywinrm, pypsrp) and under Kerberos, SPNEGO
// as Windows sends it (Microsoft's Kerberos OID first), the AP-REP in the 200, the
// KRB-ERROR in the 401 of a refusal, the encryption protocol bound to the scheme, and
// `--keytab` / the hosts file on the command line.

import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { SOAP_CONTENT_TYPE } from "../../provider/src/winrm/soap";
import {
  decryptWithKerberos,
  encryptWithKerberos,
  getServiceTicket,
  KERBEROS_ENCRYPTED_PROTOCOL,
  KerberosInitiator,
  SPNEGO_ENCRYPTED_PROTOCOL,
} from "../../provider/src/winrm/kerberos";
import type { GssSession } from "../../provider/src/winrm/kerberos";
import { Mech } from "../../provider/src/winrm/gss/context";
import { decodeNegotiationToken, encodeNegTokenInit } from "../../provider/src/winrm/gss/spnego";
import { startHost } from "../../simulator/src";
import type { SimHost } from "../../simulator/src";
import { mitKdcUnavailableReason, MitRealm, startMitRealm } from "../../testkit/mit-kdc";
import { ACTION, envelope, ROOT, URI } from "./support/raw";
import { GssapiPeer, gssapiPeerUnavailableReason } from "../winrm/support/gssapi-peer";

const unavailable = mitKdcUnavailableReason() ?? gssapiPeerUnavailableReason();
const describeKdc = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`simulator Kerberos HTTP tests skipped: ${unavailable}`);

jest.setTimeout(60_000);

const FQDN = "srv01.corp.test";
const ALICE = { name: "alice", password: "Alice-Pass-1" };

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function send(url: string, body: Buffer, headers: Record<string, string>, agent: http.Agent): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ method: "POST", hostname: u.hostname, port: u.port, path: u.pathname, headers: { "Content-Length": String(body.length), ...headers }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function authToken(r: Reply, scheme: string): Buffer {
  const v = r.headers["www-authenticate"];
  const line = (Array.isArray(v) ? v : [v ?? ""]).find((h) => h.startsWith(`${scheme} `));
  if (!line) throw new Error(`no ${scheme} token in ${JSON.stringify(v)}`);
  return Buffer.from(line.slice(scheme.length + 1), "base64");
}

describeKdc("a simulated host with a keytab, at the HTTP level", () => {
  let realm: MitRealm;
  let host: SimHost;
  let agent: http.Agent;
  beforeAll(async () => {
    realm = await startMitRealm({ users: [ALICE], hosts: [{ fqdn: FQDN }] });
    host = await startHost({ hostname: FQDN, users: [{ ...ALICE, admin: true }], keytab: realm.keytabFor(FQDN) });
  });
  afterAll(async () => {
    await host?.stop();
    await realm?.stop();
  });
  beforeEach(() => {
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  });
  afterEach(() => agent.destroy());

  const initiator = async () => new KerberosInitiator({ credential: (await getServiceTicket(FQDN, { username: "alice", password: ALICE.password, env: realm.env })).credential });

  /** A sealed WS-Transfer Get on the authenticated connection, and its decrypted answer. */
  async function sealedGet(session: GssSession, protocol: typeof SPNEGO_ENCRYPTED_PROTOCOL | typeof KERBEROS_ENCRYPTED_PROTOCOL, sendAs = protocol) {
    const { xml } = envelope({ action: ACTION.get, resourceUri: `${URI.config}/service/auth` });
    const body = encryptWithKerberos(session, Buffer.from(xml), sendAs);
    const r = await send(host.httpUrl!, body, { "Content-Type": `multipart/encrypted;protocol="${sendAs}";boundary="Encrypted Boundary"` }, agent);
    return { status: r.status, contentType: String(r.headers["content-type"]), xml: r.status === 200 ? decryptWithKerberos(session, r.body, protocol).plain.toString() : "" };
  }

  it("the 401 advertises Negotiate and Kerberos (Service/Auth/Kerberos=true)", async () => {
    const r = await send(host.httpUrl!, Buffer.alloc(0), {}, agent);
    expect(r.status).toBe(401);
    expect(r.headers["www-authenticate"]).toBe("Negotiate, Kerberos"); // two header lines, joined by Node
  });

  it("a raw AP-REQ under Negotiate: 200 with the raw AP-REP, then SPNEGO-session-encrypted messages", async () => {
    const init = await initiator();
    const r = await send(host.httpUrl!, Buffer.alloc(0), { Authorization: `Negotiate ${init.initialToken().toString("base64")}` }, agent);
    expect(r.status).toBe(200);
    const session = init.complete(authToken(r, "Negotiate"));
    const got = await sealedGet(session, SPNEGO_ENCRYPTED_PROTOCOL);
    expect(got.status).toBe(200);
    expect(got.contentType).toBe(`multipart/encrypted;protocol="${SPNEGO_ENCRYPTED_PROTOCOL}";boundary="Encrypted Boundary"`);
    expect(got.xml).toMatch(/<cfg:Kerberos>true<\/cfg:Kerberos>/);
    expect(host.sessions()).toEqual([expect.objectContaining({ scheme: "Negotiate", mechanism: "kerberos", principal: "alice@CORP.TEST" })]);
  });

  it("under the Kerberos scheme the messages are HTTP-Kerberos-session-encrypted, and SPNEGO's protocol is not taken", async () => {
    const init = await initiator();
    const r = await send(host.httpUrl!, Buffer.alloc(0), { Authorization: `Kerberos ${init.initialToken().toString("base64")}` }, agent);
    expect(r.status).toBe(200);
    const session = init.complete(authToken(r, "Kerberos"));
    const got = await sealedGet(session, KERBEROS_ENCRYPTED_PROTOCOL);
    expect(got.status).toBe(200);
    expect(got.contentType).toContain(`protocol="${KERBEROS_ENCRYPTED_PROTOCOL}"`);
    // pypsrp: "When Kerberos (not Negotiate) was used, we need to send a special protocol value and not SPNEGO."
    expect((await sealedGet(session, KERBEROS_ENCRYPTED_PROTOCOL, SPNEGO_ENCRYPTED_PROTOCOL)).status).toBe(500);
  });

  it("SPNEGO as Windows sends it (Microsoft's Kerberos OID first): accept-completed, that OID, the AP-REP", async () => {
    const init = await initiator();
    const token = encodeNegTokenInit({ mechTypes: [Mech.MS_KERBEROS, Mech.KERBEROS, Mech.NTLM], mechToken: init.initialToken() });
    const r = await send(host.httpUrl!, Buffer.alloc(0), { Authorization: `Negotiate ${token.toString("base64")}` }, agent);
    expect(r.status).toBe(200);
    const resp = decodeNegotiationToken(authToken(r, "Negotiate"));
    expect(resp.kind).toBe("resp");
    if (resp.kind !== "resp") return;
    expect(resp.token).toMatchObject({ negState: "accept-completed", supportedMech: Mech.MS_KERBEROS });
    expect(resp.token.mechListMIC).toBeUndefined();
    const session = init.complete(resp.token.responseToken!);
    expect((await sealedGet(session, SPNEGO_ENCRYPTED_PROTOCOL)).status).toBe(200);
  });

  it("MIT's own SPNEGO initiator (python-gssapi after kinit) is accepted, and completes on the host's answer", async () => {
    const peer = new GssapiPeer(realm.env);
    try {
      const first = await peer.call("initiate", { ccache: realm.kinit("alice", ALICE.password), target: `HTTP@${FQDN}`, mech: "spnego" });
      const r = await send(host.httpUrl!, Buffer.alloc(0), { Authorization: `Negotiate ${peer.buf(first, "token").toString("base64")}` }, agent);
      expect(r.status).toBe(200);
      expect(await peer.call("initiate_step", { token: authToken(r, "Negotiate") })).toMatchObject({ complete: true });
      expect(host.sessions().at(-1)).toMatchObject({ scheme: "Negotiate", mechanism: "kerberos", principal: "alice@CORP.TEST" });
    } finally {
      await peer.close();
    }
  });

  it("a refused AP-REQ gets a 401 carrying the KRB-ERROR: a replay is KRB_AP_ERR_REPEAT, a skewed clock KRB_AP_ERR_SKEW", async () => {
    const init = await initiator();
    const apReq = init.initialToken();
    expect((await send(host.httpUrl!, Buffer.alloc(0), { Authorization: `Negotiate ${apReq.toString("base64")}` }, agent)).status).toBe(200);
    agent.destroy();
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const replay = await send(host.httpUrl!, Buffer.alloc(0), { Authorization: `Negotiate ${apReq.toString("base64")}` }, agent);
    expect(replay.status).toBe(401);
    expect(() => init.complete(authToken(replay, "Negotiate"))).toThrow(/KRB_AP_ERR_REPEAT \(34\)/);

    host.faults.clockSkewSeconds = -600;
    try {
      const late = await initiator();
      const r = await send(host.httpUrl!, Buffer.alloc(0), { Authorization: `Negotiate ${late.initialToken().toString("base64")}` }, agent);
      expect(r.status).toBe(401);
      expect(() => late.complete(authToken(r, "Negotiate"))).toThrow(expect.objectContaining({ code: "WINRM_KRB_CLOCK_SKEW", skewSeconds: expect.any(Number) }));
    } finally {
      host.faults.clockSkewSeconds = 0;
    }
  });

  it("a plaintext message on a Kerberos-authenticated HTTP connection gets the bare 500 (AllowUnencrypted=false)", async () => {
    const init = await initiator();
    const { xml } = envelope({ action: ACTION.get, resourceUri: `${URI.config}/service/auth` });
    const r = await send(host.httpUrl!, Buffer.from(xml), { Authorization: `Negotiate ${init.initialToken().toString("base64")}`, "Content-Type": SOAP_CONTENT_TYPE }, agent);
    expect(r.status).toBe(500);
    expect(r.body.length).toBe(0);
  });

  it("a host without a keytab advertises Kerberos but refuses an AP-REQ with the plain 401", async () => {
    const bare = await startHost({ hostname: FQDN, users: [{ ...ALICE, admin: true }] });
    try {
      const r = await send(bare.httpUrl!, Buffer.alloc(0), { Authorization: `Negotiate ${(await initiator()).initialToken().toString("base64")}` }, agent);
      expect(r.status).toBe(401);
      expect(r.headers["www-authenticate"]).toBe("Negotiate, Kerberos"); // two header lines, joined by Node
    } finally {
      await bare.stop();
    }
  });

  describe("the command line", () => {
    const CLI = path.join(ROOT, "dist", "simulator", "src", "cli.js");
    const procs: ChildProcess[] = [];
    afterEach(() => {
      for (const p of procs.splice(0)) p.kill("SIGTERM");
    });
    async function ready(args: string[]): Promise<Record<string, unknown>> {
      const proc = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      procs.push(proc);
      let stderr = "";
      proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      const line = await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: proc.stdout! }).once("line", resolve);
        proc.once("exit", (code) => reject(new Error(`sim exited ${code}: ${stderr}`)));
      });
      return JSON.parse(line) as Record<string, unknown>;
    }

    it("--keytab FILE makes the host a realm member (kerberosRealm in the ready line)", async () => {
      const info = await ready(["--hostname", FQDN, "--user", `alice:${ALICE.password}:admin`, "--keytab", realm.keytabFor(FQDN)]);
      expect(info).toMatchObject({ ready: true, hostname: FQDN, kerberosRealm: "CORP.TEST" });
      const init = await initiator();
      const r = await send(String(info.http), Buffer.alloc(0), { Authorization: `Negotiate ${init.initialToken().toString("base64")}` }, agent);
      expect(r.status).toBe(200);
      init.complete(authToken(r, "Negotiate"));
    });

    it('"keytab" in a hosts file, per host; a keytab for another host is refused at start', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sim-keytab-"));
      try {
        const file = path.join(dir, "hosts.json");
        fs.writeFileSync(file, JSON.stringify([
          { hostname: FQDN, http: "127.0.0.1:0", users: [{ name: "alice", password: ALICE.password, admin: true }], keytab: realm.keytabFor(FQDN) },
          { hostname: "ws01.corp.test", http: "127.0.0.1:0", users: [{ name: "alice", password: ALICE.password, admin: true }] },
        ]));
        const info = (await ready(["--hosts-file", file])) as { hosts: Array<Record<string, unknown>> };
        expect(info.hosts.map((h) => h.kerberosRealm)).toEqual(["CORP.TEST", undefined]);

        fs.writeFileSync(file, JSON.stringify([{ hostname: "other.corp.test", users: [{ name: "a", password: "p" }], keytab: realm.keytabFor(FQDN) }]));
        await expect(ready(["--hosts-file", file])).rejects.toThrow(/exited 1: sim: could not start: .*has no key for HTTP\/other\.corp\.test \(it holds HTTP\/srv01\.corp\.test@CORP\.TEST/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
