// The simulator's Kerberos module (simulator/src/kerberos.ts) with keytabs exported from a
// real MIT realm: MIT's own initiator and ours are accepted for HTTP/<fqdn> and
// WSMAN/<fqdn>, mapped to the local account of the same name, channel bindings checked
// per CbtHardeningLevel; a keytab for another host is refused at load.

import { createHash } from "node:crypto";
import { getServiceTicket, KerberosConfigError, KerberosInitiator } from "../../provider/src/winrm/kerberos";
import { gssChannelBindingsStruct } from "../../provider/src/winrm/ntlm/channel-bindings";
import { HostIdentity } from "../../simulator/src/identity";
import { HostKerberos } from "../../simulator/src/kerberos";
import { mitKdcUnavailableReason, MitRealm, startMitRealm } from "../../testkit/mit-kdc";
import { GssapiPeer, gssapiPeerUnavailableReason } from "../winrm/support/gssapi-peer";

const unavailable = mitKdcUnavailableReason() ?? gssapiPeerUnavailableReason();
const describeKdc = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`simulator Kerberos tests skipped: ${unavailable}`);

const FQDN = "srv01.corp.test";

describeKdc("simulated host accepting Kerberos with its keytab", () => {
  let realm: MitRealm;
  const identity = new HostIdentity(FQDN, [{ name: "alice", password: "local-pw", admin: true }]);
  beforeAll(async () => {
    realm = await startMitRealm({
      users: [
        { name: "alice", password: "Alice-Pass-1" },
        { name: "zoe", password: "Zoe-Pass-1" },
      ],
      hosts: [{ fqdn: FQDN }, { fqdn: "other.corp.test" }],
    });
  });
  afterAll(async () => realm?.stop());

  const ticket = (user: string, password: string, service = "HTTP") => getServiceTicket(FQDN, { username: user, password, service, env: realm.env });

  it("accepts MIT's initiator and maps alice@CORP.TEST to the local account alice", async () => {
    const host = HostKerberos.load(realm.keytabFor(FQDN), identity);
    expect(host.realm).toBe("CORP.TEST");
    const peer = new GssapiPeer(realm.env);
    try {
      const first = await peer.call("initiate", { ccache: realm.kinit("alice", "Alice-Pass-1"), target: `HTTP@${FQDN}` });
      const out = host.accept(peer.buf(first, "token"), false);
      if (out.kind !== "ok") throw new Error(out.reason);
      expect(out.account.name).toBe("alice");
      expect(out.principal).toBe("alice@CORP.TEST");
      expect((await peer.call("initiate_step", { token: out.responseToken! })).complete).toBe(true);
      const w = out.session.wrapWinrm(Buffer.from("<s:Envelope/>"));
      expect(peer.buf(await peer.call("unwrap_winrm", { header: w.header, data: w.data }), "data").toString()).toBe("<s:Envelope/>");
    } finally {
      await peer.close();
    }
  });

  it("accepts tickets for WSMAN/<fqdn> as well", async () => {
    const host = HostKerberos.load(realm.keytabFor(FQDN), identity);
    const { credential } = await ticket("alice", "Alice-Pass-1", "WSMAN");
    const out = host.accept(new KerberosInitiator({ credential }).initialToken(), false);
    expect(out.kind).toBe("ok");
  });

  it("refuses a principal with no local account, and a replayed AP-REQ", async () => {
    const host = HostKerberos.load(realm.keytabFor(FQDN), identity);
    const zoe = await ticket("zoe", "Zoe-Pass-1");
    expect(host.accept(new KerberosInitiator({ credential: zoe.credential }).initialToken(), false)).toMatchObject({
      kind: "rejected",
      reason: "no local account for zoe@CORP.TEST",
    });
    const alice = await ticket("alice", "Alice-Pass-1");
    const token = new KerberosInitiator({ credential: alice.credential }).initialToken();
    expect(host.accept(token, false).kind).toBe("ok");
    const again = host.accept(token, false);
    expect(again).toMatchObject({ kind: "rejected", reason: expect.stringMatching(/KRB_AP_ERR_REPEAT \(34\)/) });
    expect(again.kind === "rejected" && again.errorToken).toBeTruthy();
  });

  it("checks HTTPS channel bindings as CbtHardeningLevel says", async () => {
    const cb = createHash("md5").update(gssChannelBindingsStruct(Buffer.from("tls-server-end-point:listener"))).digest();
    const wrong = createHash("md5").update(gssChannelBindingsStruct(Buffer.from("tls-server-end-point:proxy"))).digest();
    let level = "Relaxed";
    const host = HostKerberos.load(realm.keytabFor(FQDN), identity, { httpsChannelBindings: cb, cbtHardeningLevel: () => level });
    const token = async (channelBindings?: Buffer) => new KerberosInitiator({ credential: (await ticket("alice", "Alice-Pass-1")).credential, channelBindings }).initialToken();
    expect(host.accept(await token(cb), true).kind).toBe("ok");
    expect(host.accept(await token(), true).kind).toBe("ok");
    expect(host.accept(await token(wrong), true)).toMatchObject({ kind: "rejected", reason: expect.stringMatching(/KRB_AP_ERR_INAPP_CKSUM/) });
    // Over plain HTTP there are no bindings to check.
    expect(host.accept(await token(wrong), false).kind).toBe("ok");
    level = "Strict";
    expect(host.accept(await token(), true)).toMatchObject({ kind: "rejected" });
    level = "None";
    expect(host.accept(await token(wrong), true).kind).toBe("ok");
  });

  it("refuses at load a keytab that has no key for HTTP/<this host>", () => {
    expect(() => HostKerberos.load(realm.keytabFor("other.corp.test"), identity)).toThrow(KerberosConfigError);
    expect(() => HostKerberos.load(realm.keytabFor("other.corp.test"), identity)).toThrow(/no key for HTTP\/srv01\.corp\.test \(it holds HTTP\/other\.corp\.test@CORP\.TEST, WSMAN\/other\.corp\.test@CORP\.TEST\)/);
  });
});
