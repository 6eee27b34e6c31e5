// Our CredSSP client against pyspnego's CredSSP acceptor (a referee we did not write),
// behind WinRM's HTTP header exchange (tests/peers/credssp_acceptor.py): the peer must
// see exactly the user, domain and password we delegated; it decrypts our messages with
// its own wrap/unwrap and checks our framing's Length field; it answers with its own
// encryption, over 16 KiB too; and it can be made to answer with a wrong pubKeyAuth,
// which our client must treat as a man in the middle, without sending the password.

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AuthenticationError, WinRMClient } from "../../provider/src/winrm";
import { CredSspServerKeyError } from "../../provider/src/winrm/credssp/errors";
import { CredSspAcceptorPeer } from "../peers/peers";
import { credSspSession } from "./support/credssp-session";
import { caught } from "../support/caught";

const PASSWORD = "S3cret!pw-Ümlaut";
const USERS = [`CORP:alice:${PASSWORD}`];
const CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config";

function client(port: number, over: Partial<ConstructorParameters<typeof WinRMClient>[0]> = {}): WinRMClient {
  return new WinRMClient({ host: "127.0.0.1", port, auth: "credssp", username: "CORP\\alice", password: PASSWORD, timeoutMs: 30_000, ...over });
}

describe.each([
  ["TLS 1.3 (pyspnego's default)", [], "TLSv1.3"],
  ["TLS 1.2", ["--tls-max", "1.2"], "TLSv1.2"],
])("over HTTP with message encryption, %s inside CredSSP", (_name, options, tlsVersion) => {
  let peer: CredSspAcceptorPeer;
  beforeAll(async () => {
    peer = await CredSspAcceptorPeer.start(USERS, options);
  });
  afterAll(async () => peer.stop());

  test("authenticates, delegates exactly our credentials, and exchanges encrypted messages", async () => {
    const c = client(peer.port);
    try {
      const reply = await c.get(CONFIG);
      expect(reply.ResourceURI).toBe(CONFIG);
      const [delegated] = await peer.waitFor("delegated");
      expect(delegated).toMatchObject({ domain: "CORP", user: "alice", password: PASSWORD, version: 6, tls: tlsVersion });
      const [request] = await peer.waitFor("request");
      expect(request.encrypted).toBe(true);
      expect(Number(reply.RequestBytes)).toBe(request.bytes);
      // Our Length field is the trailer length pyspnego computes for the same cipher suite.
      expect(request.length_fields).toEqual([request.expected_gcm_length_field]);
    } finally {
      await c.close();
    }
  });

  test("one handshake serves many requests on the connection", async () => {
    const before = peer.of("delegated").length;
    const s = credSspSession({ port: peer.port, username: "CORP\\alice", password: PASSWORD });
    try {
      for (let i = 0; i < 5; i++) await s.get(`${CONFIG}/${i}`);
      expect(s.authenticator.handshakes).toBe(1);
      expect(peer.of("delegated").length).toBe(before + 1);
    } finally {
      s.close();
    }
  });

  test("messages over 16 KiB go as multipart/x-multi-encrypted, both ways", async () => {
    const c = client(peer.port);
    try {
      const big = `<p:Big xmlns:p="urn:test">${"z".repeat(40_000)}big-reply</p:Big>`;
      const reply = await c.put(`${CONFIG}/big`, big);
      expect(reply.Padding).toBe("x".repeat(40_000)); // the peer's own multi-part answer, decrypted
      const requests = await peer.waitFor("request");
      const last = requests[requests.length - 1];
      expect(last.bytes).toBeGreaterThan(40_000);
      expect((last.length_fields as number[]).length).toBe(Math.ceil((last.bytes as number) / 16384));
    } finally {
      await c.close();
    }
  });
});

describe("versions, refusals and the server's key (TLS 1.3 acceptor)", () => {
  let peer: CredSspAcceptorPeer;
  beforeAll(async () => {
    peer = await CredSspAcceptorPeer.start(USERS);
  });
  afterAll(async () => peer.stop());

  test.each([2, 3, 4, 5, 6])("a client speaking version %i: the lower version is used and the key is bound accordingly", async (version) => {
    const before = peer.of("delegated").length;
    const s = credSspSession({ port: peer.port, username: "CORP\\alice", password: PASSWORD, options: { version } });
    try {
      await s.get(CONFIG);
      const delegated = await peer.waitFor("delegated", before + 1);
      expect(delegated[before]).toMatchObject({ version, user: "alice", password: PASSWORD });
    } finally {
      s.close();
    }
  });

  test("a wrong password: WINRM_AUTH naming CredSSP and the server's status; nothing delegated; no password in the error", async () => {
    const before = peer.of("delegated").length;
    const c = client(peer.port, { password: "not-the-Password" });
    try {
      const err = await caught(c.get(CONFIG));
      expect(err).toBeInstanceOf(AuthenticationError);
      const auth = err as AuthenticationError;
      expect(auth.code).toBe("WINRM_AUTH");
      expect(auth.authScheme).toBe("CredSSP");
      expect(auth.reason).toBe("bad-credentials");
      expect(auth.ntStatus).toBe(0x8009030c); // pyspnego's acceptor answers SEC_E_LOGON_DENIED
      expect(auth.message).toMatch(/CredSSP credentials for user "CORP\\alice".*SEC_E_LOGON_DENIED/);
      expect(`${auth.message}\n${auth.stack}`).not.toContain("not-the-Password");
      expect(peer.of("delegated").length).toBe(before);
    } finally {
      await c.close();
    }
  });
});

test("over HTTPS: no message encryption inside the outer TLS, credentials delegated", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "credssp-https-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=peer.test",
    "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")], { stdio: "ignore" });
  const peer = await CredSspAcceptorPeer.start(USERS, ["--https", path.join(dir, "cert.pem"), path.join(dir, "key.pem")]);
  const c = client(peer.port, { https: true, insecureSkipVerify: true });
  try {
    const reply = await c.get(CONFIG);
    expect(reply.ResourceURI).toBe(CONFIG);
    expect((await peer.waitFor("delegated"))[0]).toMatchObject({ user: "alice", password: PASSWORD });
    expect((await peer.waitFor("request"))[0].encrypted).toBe(false);
  } finally {
    await c.close();
    await peer.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a server whose pubKeyAuth does not match the TLS key: man-in-the-middle error, password never sent", async () => {
  const peer = await CredSspAcceptorPeer.start(USERS, ["--bad-server-pubkey"]);
  const c = client(peer.port);
  try {
    const err = await caught(c.get(CONFIG));
    expect(err).toBeInstanceOf(CredSspServerKeyError);
    expect((err as CredSspServerKeyError).code).toBe("WINRM_CREDSSP_SERVER_KEY");
    expect(err.message).toMatch(/man-in-the-middle is possible/);
    expect(err.message).toMatch(/credentials were NOT sent/);
    await new Promise((r) => setTimeout(r, 300));
    expect(peer.of("delegated")).toHaveLength(0);
    expect(peer.of("request")).toHaveLength(0);
  } finally {
    await c.close();
    await peer.stop();
  }
});
