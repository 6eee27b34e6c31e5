// MIT Kerberos referees our GSS-API code, in a throwaway realm with a real KDC:
//  - a python-gssapi acceptor (MIT underneath) accepts our AP-REQ, unwraps our wrap tokens
//    (whole and split the WinRM way) and verifies our MICs; we unwrap and verify its own;
//  - MIT's own initiator (python-gssapi, from a kinit'd credential cache) is accepted by our
//    keytab acceptor — the one the simulator uses — and the same exchanges run the other way.
// Both for an AES service (aes256-cts-hmac-sha1-96) and an rc4-hmac-only one (RFC 4757).

import { KerberosAcceptor, KerberosClientContext, KerberosInitiator } from "../../provider/src/winrm/kerberos/gss";
import { SpnegoClientContext } from "../../provider/src/winrm/gss/spnego-client";
import { decodeNegotiationToken } from "../../provider/src/winrm/gss/spnego";
import { Mech } from "../../provider/src/winrm/gss/context";
import type { GssSession } from "../../provider/src/winrm/kerberos/gss";
import { KdcClient } from "../../provider/src/winrm/kerberos/kdc-client";
import { loadKeytab } from "../../provider/src/winrm/kerberos/keytab";
import { parsePrincipal, servicePrincipal } from "../../provider/src/winrm/kerberos/principal";
import { mitKdcUnavailableReason, MitRealm, startMitRealm } from "../../testkit/mit-kdc";
import { GssapiPeer, gssapiPeerUnavailableReason } from "./support/gssapi-peer";

const unavailable = mitKdcUnavailableReason() ?? gssapiPeerUnavailableReason();
const describeInterop = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`Kerberos interop tests skipped: ${unavailable}`);

const HOSTS = [
  { label: "aes256-cts-hmac-sha1-96", fqdn: "srv01.corp.test", etype: 18 },
  { label: "rc4-hmac", fqdn: "legacy01.corp.test", etype: 23 },
];

describeInterop("MIT GSS-API referees our Kerberos", () => {
  let realm: MitRealm;
  beforeAll(async () => {
    realm = await startMitRealm({
      users: [{ name: "alice", password: "Alice-Pass-1" }],
      hosts: [{ fqdn: "srv01.corp.test" }, { fqdn: "legacy01.corp.test", enctypes: ["arcfour-hmac:normal"] }],
    });
  });
  afterAll(async () => realm?.stop());

  const kdc = () => new KdcClient({ realm: "CORP.TEST", kdcs: [{ host: "127.0.0.1", port: realm.kdcPort }] });
  const messages = [Buffer.from("<s:Envelope>hello</s:Envelope>"), Buffer.alloc(0), Buffer.from("y".repeat(5000))];

  /** Both directions of wrap, WinRM wrap and MIC between our session and the peer's context. */
  async function exchange(ours: GssSession, peer: GssapiPeer) {
    for (const m of messages) {
      expect(peer.buf(await peer.call("unwrap", { token: ours.wrap(m) }), "data")).toEqual(m);
      expect(ours.unwrap(peer.buf(await peer.call("wrap", { data: m }), "token"))).toEqual(m);

      const w = ours.wrapWinrm(m);
      // MIT's IOV unwrap (as pyspnego calls it for WinRM) leaves rc4's padding byte in the data,
      // which is why pypsrp counts the padding in OriginalContent's Length.
      const unwrapped = peer.buf(await peer.call("unwrap_winrm", { header: w.header, data: w.data }), "data");
      expect(unwrapped).toEqual(Buffer.concat([m, Buffer.alloc(w.paddingLength, w.paddingLength)]));
      const theirs = await peer.call("wrap_winrm", { data: m });
      const header = peer.buf(theirs, "header");
      const padding = peer.buf(theirs, "padding");
      // Same layout as MIT's gss_wrap_iov: same header size and padding.
      expect(header.length).toBe(w.header.length);
      expect(padding.length).toBe(w.paddingLength);
      expect(ours.unwrapWinrm(header, Buffer.concat([peer.buf(theirs, "data"), padding]))).toEqual(m);
    }
    const mic = ours.getMic(Buffer.from("mechListMIC"));
    await peer.call("verify_mic", { data: Buffer.from("mechListMIC"), mic });
    ours.verifyMic(Buffer.from("theirs"), peer.buf(await peer.call("get_mic", { data: Buffer.from("theirs") }), "mic"));
  }

  describe.each(HOSTS)("$label service", ({ fqdn, etype }) => {
    it("a python-gssapi acceptor accepts our AP-REQ, and tokens pass both ways", async () => {
      const client = kdc();
      const tgt = await client.getInitialCredential(parsePrincipal("alice@CORP.TEST"), "Alice-Pass-1");
      const credential = await client.getServiceCredential(tgt, servicePrincipal("HTTP", fqdn, "CORP.TEST"));
      expect(credential.ticket.encPart.etype).toBe(etype);
      expect(credential.sessionKey.keytype).toBe(etype);

      const peer = new GssapiPeer(realm.env);
      try {
        const initiator = new KerberosInitiator({ credential });
        const accepted = await peer.call("accept", { keytab: realm.keytabFor(fqdn), token: initiator.initialToken() });
        expect(accepted.complete).toBe(true);
        expect(accepted.initiator).toBe("alice@CORP.TEST");
        expect(accepted.mech).toBe("1.2.840.113554.1.2.2");
        const session = initiator.complete(peer.buf(accepted, "token"));
        expect(session.enctype).toBe(etype);
        await exchange(session, peer);
      } finally {
        await peer.close();
      }
    });

    it("our keytab acceptor accepts MIT's own initiator (kinit + python-gssapi), and tokens pass both ways", async () => {
      const ccache = realm.kinit("alice", "Alice-Pass-1");
      const peer = new GssapiPeer(realm.env);
      try {
        const first = await peer.call("initiate", { ccache, target: `HTTP@${fqdn}` });
        const acceptor = new KerberosAcceptor({ keytab: loadKeytab(realm.keytabFor(fqdn)) });
        const accepted = acceptor.accept(peer.buf(first, "token"));
        expect(accepted.client.name.components).toEqual(["alice"]);
        expect(accepted.client.realm).toBe("CORP.TEST");
        expect(accepted.service.name.components).toEqual(["HTTP", fqdn]);
        expect(accepted.session.enctype).toBe(etype);
        expect((await peer.call("initiate_step", { token: accepted.responseToken! })).complete).toBe(true);
        await exchange(accepted.session, peer);
      } finally {
        await peer.close();
      }
    });
  });

  it("SPNEGO with Kerberos, as our Negotiate and CredSSP send it: MIT's SPNEGO acceptor takes the NegTokenInit, its AP-REP completes our side, WinRM wraps pass both ways", async () => {
    const client = kdc();
    const tgt = await client.getInitialCredential(parsePrincipal("alice@CORP.TEST"), "Alice-Pass-1");
    const credential = await client.getServiceCredential(tgt, servicePrincipal("HTTP", "srv01.corp.test", "CORP.TEST"));
    const peer = new GssapiPeer(realm.env);
    try {
      const spnego = new SpnegoClientContext([new KerberosClientContext({ credential })]);
      const init = (await spnego.step())!;
      expect(decodeNegotiationToken(init)).toMatchObject({ kind: "init", token: { mechTypes: [Mech.KERBEROS] } });
      const accepted = await peer.call("accept", { keytab: realm.keytabFor("srv01.corp.test"), token: init });
      // MIT names the mechanism SPNEGO settled on.
      expect(accepted).toMatchObject({ complete: true, initiator: "alice@CORP.TEST", mech: Mech.KERBEROS });
      const reply = peer.buf(accepted, "token");
      expect(decodeNegotiationToken(reply)).toMatchObject({ kind: "resp", token: { negState: "accept-completed", supportedMech: Mech.KERBEROS } });
      expect(await spnego.step(reply)).toBeUndefined();
      expect(spnego.complete).toBe(true);
      for (const m of messages) {
        const w = spnego.wrapWinrm(m);
        expect(peer.buf(await peer.call("unwrap_winrm", { header: w.header, data: w.data }), "data")).toEqual(m);
        const theirs = await peer.call("wrap_winrm", { data: m });
        expect(spnego.unwrapWinrm(peer.buf(theirs, "header"), Buffer.concat([peer.buf(theirs, "data"), peer.buf(theirs, "padding")]))).toEqual(m);
      }
      // CredSSP's pubKeyAuth is a whole wrap token.
      expect(peer.buf(await peer.call("unwrap", { token: spnego.wrap(Buffer.from("pubKeyAuth")) }), "data").toString()).toBe("pubKeyAuth");
    } finally {
      await peer.close();
    }
  });

  it("MIT's acceptor refuses a tampered wrap token from us", async () => {
    const client = kdc();
    const tgt = await client.getInitialCredential(parsePrincipal("alice@CORP.TEST"), "Alice-Pass-1");
    const credential = await client.getServiceCredential(tgt, servicePrincipal("HTTP", "srv01.corp.test", "CORP.TEST"));
    const peer = new GssapiPeer(realm.env);
    try {
      const initiator = new KerberosInitiator({ credential });
      const accepted = await peer.call("accept", { keytab: realm.keytabFor("srv01.corp.test"), token: initiator.initialToken() });
      const session = initiator.complete(peer.buf(accepted, "token"));
      const token = session.wrap(Buffer.from("payload"));
      token[token.length - 1] ^= 1;
      await expect(peer.call("unwrap", { token })).rejects.toThrow(/MIT GSS-API/);
    } finally {
      await peer.close();
    }
  });
});
