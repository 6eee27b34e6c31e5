// Interop referee: the `ntlm_auth` package (what pywinrm/requests_ntlm use) acting as the
// client against our NtlmServer, and pywinrm's own encryption framing against ours.
import { createHash } from "node:crypto";
import { decryptMessage, encryptMessage } from "../../provider/src/winrm/encryption";
import { channelBindingsHash, NtlmClient, NtlmError, NtlmServer, NtlmSession } from "../../provider/src/winrm/ntlm";
import { decodeAuthenticate } from "../../provider/src/winrm/ntlm/messages";
import { makeCertDer } from "./support/certs";
import { peerUnavailableReason, PythonNtlmPeer } from "./support/python-peer";
import { SOAP_CONTENT_TYPE } from "../../provider/src/winrm/soap";

const unavailable = peerUnavailableReason();
if (unavailable) {
  // Visible in the test output rather than a silent pass.
  console.warn(`ntlm interop tests skipped: ${unavailable}`);
}
const describeInterop = unavailable ? describe.skip : describe;

const identity = { netbiosDomain: "CORP", netbiosComputer: "SRV01", dnsDomain: "corp.test", dnsComputer: "srv01.corp.test" };
const USERS: Record<string, string> = { alice: "C0rrect-Horse!", "bob.smith": "s3cr3t-ünï" };

function server(extra: { expectedChannelBindingsHash?: Buffer } = {}): NtlmServer {
  return new NtlmServer({
    identity,
    lookupPassword: (user) => USERS[user.toLowerCase()],
    ...extra,
  });
}

describeInterop("ntlm_auth (python) client against NtlmServer", () => {
  let peer: PythonNtlmPeer;
  beforeEach(() => {
    peer = new PythonNtlmPeer();
  });
  afterEach(async () => {
    await peer.close();
  });

  async function handshake(srv: NtlmServer, init: Record<string, unknown>): Promise<Buffer> {
    const { negotiate, error } = await peer.call({ op: "init", ...init });
    expect(error).toBeUndefined();
    const challenge = srv.challenge(Buffer.from(negotiate, "hex"));
    const step = await peer.call({ op: "step", challenge: challenge.toString("hex") });
    expect(step.error).toBeUndefined();
    return Buffer.from(step.authenticate, "hex");
  }

  async function exchange(session: NtlmSession, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const fromPython = Buffer.from(`<s:Envelope>request ${i} from python</s:Envelope>`);
      const wrapped = await peer.call({ op: "wrap", data: fromPython.toString("hex") });
      expect(session.unwrap(Buffer.from(wrapped.sealed, "hex"), Buffer.from(wrapped.signature, "hex")).equals(fromPython)).toBe(true);

      const fromUs = Buffer.from(`<s:Envelope>response ${i} from server ${"x".repeat(i * 100)}</s:Envelope>`);
      const { sealed, signature } = session.wrap(fromUs);
      const unwrapped = await peer.call({ op: "unwrap", sealed: sealed.toString("hex"), signature: signature.toString("hex") });
      expect(unwrapped.error).toBeUndefined();
      expect(Buffer.from(unwrapped.data, "hex").equals(fromUs)).toBe(true);
    }
  }

  it("accepts the right password, verifies the MIC, and both sides seal/unseal several messages", async () => {
    const srv = server();
    const auth = await handshake(srv, { user: "alice", password: USERS.alice, domain: "CORP" });
    // ntlm_auth adds a MIC because our challenge carries MsvAvTimestamp.
    const decoded = decodeAuthenticate(auth);
    expect(decoded.mic).toBeDefined();
    expect(decoded.mic!.equals(Buffer.alloc(16))).toBe(false);
    expect(decoded.lmChallengeResponse.equals(Buffer.alloc(24))).toBe(true);

    const result = srv.authenticate(auth);
    expect(result.user).toBe("alice");
    expect(result.domain).toBe("CORP");
    await exchange(result.session, 3);
  });

  it("handles non-ASCII passwords and a user given without domain", async () => {
    const srv = server();
    const auth = await handshake(srv, { user: "Bob.Smith", password: USERS["bob.smith"], domain: "" });
    const result = srv.authenticate(auth);
    expect(result.user).toBe("Bob.Smith");
    expect(result.domain).toBe("");
    await exchange(result.session, 1);
  });

  it("rejects a wrong password with WINRM_NTLM_AUTH_FAILED and never echoes the password", async () => {
    const srv = server();
    const wrong = "Wrong-Password-42";
    const auth = await handshake(srv, { user: "alice", password: wrong, domain: "CORP" });
    let caught: unknown;
    try {
      srv.authenticate(auth);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(NtlmError);
    expect((caught as NtlmError).code).toBe("WINRM_NTLM_AUTH_FAILED");
    expect((caught as NtlmError).message).not.toContain(wrong);
    expect((caught as NtlmError).message).not.toContain(USERS.alice);
  });

  it("rejects a MIC that was tampered with", async () => {
    const srv = server();
    const auth = await handshake(srv, { user: "alice", password: USERS.alice, domain: "CORP" });
    auth[72] ^= 0x01; // first MIC byte
    expect(() => srv.authenticate(auth)).toThrow(expect.objectContaining({ code: "WINRM_NTLM_AUTH_FAILED" }));
  });

  describe("channel bindings (RFC 5929 tls-server-end-point)", () => {
    for (const kind of ["rsa-sha256", "ec-sha384", "rsa-sha512", "rsa-sha1"] as const) {
      it(`agrees with ntlm_auth for a ${kind} certificate`, async () => {
        const cert = makeCertDer(kind);
        // RFC 5929: SHA-1 (and MD5) signatures are upgraded to SHA-256.
        const hashName = { "rsa-sha256": "sha256", "ec-sha384": "sha384", "rsa-sha512": "sha512", "rsa-sha1": "sha256" }[kind];
        const appData = Buffer.concat([Buffer.from("tls-server-end-point:"), createHash(hashName).update(cert).digest()]);
        const srv = server({ expectedChannelBindingsHash: channelBindingsHash(cert) });
        const auth = await handshake(srv, { user: "alice", password: USERS.alice, domain: "CORP", cbt_app_data: appData.toString("hex") });
        expect(srv.authenticate(auth).user).toBe("alice");
      });
    }

    it("rejects bindings for a different certificate", async () => {
      const srv = server({ expectedChannelBindingsHash: channelBindingsHash(makeCertDer("rsa-sha256")) });
      const other = makeCertDer("rsa-sha256", "evil.example");
      const appData = Buffer.concat([Buffer.from("tls-server-end-point:"), createHash("sha256").update(other).digest()]);
      const auth = await handshake(srv, { user: "alice", password: USERS.alice, domain: "CORP", cbt_app_data: appData.toString("hex") });
      expect(() => srv.authenticate(auth)).toThrow(expect.objectContaining({ code: "WINRM_NTLM_AUTH_FAILED" }));
    });

    it("accepts a client that sends no bindings even when the server expects some", async () => {
      const srv = server({ expectedChannelBindingsHash: channelBindingsHash(makeCertDer("rsa-sha256")) });
      const auth = await handshake(srv, { user: "alice", password: USERS.alice, domain: "CORP" });
      expect(srv.authenticate(auth).user).toBe("alice");
    });
  });

  it("our client-role session interoperates with ntlm_auth's server-role SessionSecurity", async () => {
    const exportedKey = Buffer.from("00112233445566778899aabbccddeeff", "hex");
    const randoms = [Buffer.alloc(8, 0x11), exportedKey];
    const client = new NtlmClient({ username: "alice", password: USERS.alice, domain: "CORP", random: () => randoms.shift()! });
    const srv = server();
    const { message, session } = client.authenticate(srv.challenge(client.negotiate()));
    const flags = decodeAuthenticate(message).flags;
    expect((await peer.call({ op: "server_session", flags: String(flags), key: exportedKey.toString("hex") })).error).toBeUndefined();
    for (let i = 0; i < 3; i++) {
      const request = Buffer.from(`client request ${i}`);
      const { sealed, signature } = session.wrap(request);
      const got = await peer.call({ op: "unwrap", sealed: sealed.toString("hex"), signature: signature.toString("hex") });
      expect(got.error).toBeUndefined();
      expect(Buffer.from(got.data, "hex").equals(request)).toBe(true);
      const reply = Buffer.from(`server reply ${i}`);
      const wrapped = await peer.call({ op: "wrap", data: reply.toString("hex") });
      expect(session.unwrap(Buffer.from(wrapped.sealed, "hex"), Buffer.from(wrapped.signature, "hex")).equals(reply)).toBe(true);
    }
  });

  describe("message encryption framing against pywinrm's Encryption class", () => {
    it("pywinrm-encrypted requests decrypt on our side and our responses decrypt in pywinrm", async () => {
      const srv = server();
      const { session } = srv.authenticate(await handshake(srv, { user: "alice", password: USERS.alice, domain: "CORP" }));
      for (let i = 0; i < 3; i++) {
        const request = Buffer.from(`<?xml version="1.0"?><s:Envelope>request ${i} ✓</s:Envelope>`);
        const encrypted = await peer.call({ op: "encrypt", data: request.toString("hex") });
        expect(encrypted.error).toBeUndefined();
        const { plain, innerContentType } = decryptMessage(session, Buffer.from(encrypted.body, "hex"));
        expect(plain.equals(request)).toBe(true);
        expect(innerContentType).toBe(SOAP_CONTENT_TYPE);

        const response = Buffer.from(`<s:Envelope>response ${i} ${"y".repeat(5000)}</s:Envelope>`);
        const body = encryptMessage(session, response);
        const decrypted = await peer.call({ op: "decrypt", body: body.toString("hex") });
        expect(decrypted.error).toBeUndefined();
        expect(Buffer.from(decrypted.data, "hex").equals(response)).toBe(true);
      }
    });
  });
});
