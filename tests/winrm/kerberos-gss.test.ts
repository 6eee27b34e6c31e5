// Our Kerberos initiator against our keytab acceptor, with tickets made here (no KDC):
// context establishment with mutual authentication, RFC 4121 (AES) and RFC 4757 (rc4)
// per-message tokens, WinRM's header/data split and multipart framing, and every way an
// AP-REQ or a token is refused. tests/winrm/kerberos-interop.test.ts checks the same
// against MIT's GSS-API.

import { createHash } from "node:crypto";
import { Etype, KeyUsage, KrbErrorCode } from "../../provider/src/winrm/kerberos/constants";
import { enctypeById } from "../../provider/src/winrm/kerberos/crypto";
import {
  ApReqRejectedError,
  KerberosClockSkewError,
  KerberosIntegrityError,
  KerberosRejectedError,
} from "../../provider/src/winrm/kerberos/errors";
import { KerberosAcceptor, KerberosInitiator, unframeToken, TokId } from "../../provider/src/winrm/kerberos/gss";
import type { Credential } from "../../provider/src/winrm/kerberos/kdc-client";
import type { KeytabEntry } from "../../provider/src/winrm/kerberos/keytab";
import { encodeEncTicketPart, encodeTicket, decodeTicket } from "../../provider/src/winrm/kerberos/messages";
import { parsePrincipal, servicePrincipal } from "../../provider/src/winrm/kerberos/principal";
import {
  decryptWithKerberos,
  encryptWithKerberos,
  KERBEROS_ENCRYPTED_PROTOCOL,
  SPNEGO_ENCRYPTED_PROTOCOL,
} from "../../provider/src/winrm/kerberos/winrm-encryption";
import { gssChannelBindingsStruct } from "../../provider/src/winrm/ntlm/channel-bindings";

const REALM = "CORP.TEST";
const client = parsePrincipal(`alice@${REALM}`);
const service = servicePrincipal("HTTP", "srv01.corp.test", REALM);

/** A service ticket as a KDC would issue it, and the keytab that opens it. */
function issue(etype: number, opts: { now?: number; lifetimeMs?: number; kvno?: number } = {}): { credential: Credential; keytab: KeytabEntry[] } {
  const e = enctypeById(etype);
  const serviceKey = e.randomKey();
  const sessionKey = { keytype: etype, keyvalue: e.randomKey() };
  const now = opts.now ?? Date.now();
  const endtime = now + (opts.lifetimeMs ?? 3600_000);
  const encPart = encodeEncTicketPart({ flags: 0, key: sessionKey, crealm: REALM, cname: client.name, authtime: now, endtime });
  const kvno = opts.kvno ?? 1;
  const ticket = decodeTicket(encodeTicket({ realm: REALM, sname: service.name, encPart: { etype, kvno, cipher: e.encrypt(serviceKey, KeyUsage.KDC_REP_TICKET, encPart) } }));
  return {
    credential: { client, server: service, ticket, sessionKey, flags: 0, authtime: now, endtime },
    keytab: [{ principal: service, timestamp: now, kvno, enctype: etype, key: serviceKey }],
  };
}

function establish(etype: number, extra: { channelBindings?: Buffer; expected?: Buffer } = {}) {
  const { credential, keytab } = issue(etype);
  const initiator = new KerberosInitiator({ credential, channelBindings: extra.channelBindings });
  const acceptor = new KerberosAcceptor({ keytab, expectedChannelBindings: extra.expected });
  const accepted = acceptor.accept(initiator.initialToken());
  const clientSession = initiator.complete(accepted.responseToken!);
  return { clientSession, serverSession: accepted.session, accepted };
}

describe.each([
  ["aes256-cts-hmac-sha1-96", Etype.AES256_CTS_HMAC_SHA1_96],
  ["aes128-cts-hmac-sha1-96", Etype.AES128_CTS_HMAC_SHA1_96],
  ["rc4-hmac", Etype.RC4_HMAC],
])("%s context", (_name, etype) => {
  it("establishes with mutual authentication and names the client", () => {
    const { accepted, clientSession, serverSession } = establish(etype);
    expect(unframeToken(accepted.responseToken!).tokId).toBe(TokId.AP_REP);
    expect(accepted.client.name.components).toEqual(["alice"]);
    expect(accepted.service.name.components).toEqual(["HTTP", "srv01.corp.test"]);
    expect(clientSession.enctype).toBe(etype);
    expect(serverSession.enctype).toBe(etype);
  });

  it("wraps and unwraps in both directions, in order", () => {
    const { clientSession, serverSession } = establish(etype);
    for (let i = 0; i < 3; i++) {
      const req = Buffer.from(`<s:Envelope>request ${i}</s:Envelope>`);
      expect(serverSession.unwrap(clientSession.wrap(req))).toEqual(req);
      const rep = Buffer.from(`<s:Envelope>reply ${i}</s:Envelope>`.repeat(i + 1));
      expect(clientSession.unwrap(serverSession.wrap(rep))).toEqual(rep);
    }
  });

  it("splits wraps the way WinRM frames them", () => {
    const { clientSession, serverSession } = establish(etype);
    const plain = Buffer.from("x".repeat(1000));
    const w = clientSession.wrapWinrm(plain);
    if (etype === Etype.RC4_HMAC) {
      expect(w.paddingLength).toBe(1);
      expect(w.data.length).toBe(plain.length + 1);
    } else {
      // 16-byte header, rotated trailer (16-byte encrypted header copy + 12-byte HMAC), 16-byte confounder.
      expect(w.header.length).toBe(60);
      expect(w.header.readUInt16BE(6)).toBe(28); // RRC
      expect(w.data.length).toBe(plain.length);
    }
    expect(serverSession.unwrapWinrm(w.header, w.data)).toEqual(plain);
  });

  it("sign-only wraps verify and still carry the data", () => {
    const { clientSession, serverSession } = establish(etype);
    const token = clientSession.wrap(Buffer.from("in the clear"), false);
    expect(token.includes(Buffer.from("in the clear"))).toBe(true);
    expect(serverSession.unwrap(token).toString()).toBe("in the clear");
  });

  it("MICs verify, and fail for other data", () => {
    const { clientSession, serverSession } = establish(etype);
    const mic = serverSession.getMic(Buffer.from("mechListMIC input"));
    clientSession.verifyMic(Buffer.from("mechListMIC input"), mic);
    const mic2 = serverSession.getMic(Buffer.from("a"));
    expect(() => clientSession.verifyMic(Buffer.from("b"), mic2)).toThrow(KerberosIntegrityError);
  });

  it("refuses a tampered token, a replayed token and a reflected token", () => {
    const { clientSession, serverSession } = establish(etype);
    const token = clientSession.wrap(Buffer.from("payload"));
    const tampered = Buffer.from(token);
    tampered[tampered.length - 3] ^= 0x40;
    expect(() => serverSession.unwrap(tampered)).toThrow(KerberosIntegrityError);
    expect(serverSession.unwrap(token).toString()).toBe("payload");
    expect(() => serverSession.unwrap(token)).toThrow(/sequence number/);
    // A token we sent ourselves must not be accepted back.
    expect(() => clientSession.unwrap(clientSession.wrap(Buffer.from("mirror")))).toThrow(/direction/);
  });

  it("multipart-encrypts a SOAP body under both protocol names", () => {
    const { clientSession, serverSession } = establish(etype);
    for (const protocol of [KERBEROS_ENCRYPTED_PROTOCOL, SPNEGO_ENCRYPTED_PROTOCOL] as const) {
      const soap = Buffer.from('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"/>\r\n');
      const body = encryptWithKerberos(clientSession, soap, protocol);
      expect(body.toString("latin1")).toContain(`\tContent-Type: ${protocol}\r\n`);
      expect(body.toString("latin1")).toContain(`Length=${soap.length + (etype === Etype.RC4_HMAC ? 1 : 0)}\r\n`);
      expect(body.toString("latin1").endsWith("--Encrypted Boundary--\r\n")).toBe(true);
      const { plain, innerContentType } = decryptWithKerberos(serverSession, body, protocol);
      expect(plain).toEqual(soap);
      expect(innerContentType).toBe("application/soap+xml;charset=UTF-8");
    }
  });
});

describe("AP-REQ refusals", () => {
  const errorCode = (fn: () => unknown): number => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(ApReqRejectedError);
      const e = err as ApReqRejectedError;
      expect(unframeToken(e.errorToken).tokId).toBe(TokId.KRB_ERROR);
      return e.krbErrorCode;
    }
    throw new Error("accepted");
  };

  it("a replayed AP-REQ is KRB_AP_ERR_REPEAT", () => {
    const { credential, keytab } = issue(Etype.AES256_CTS_HMAC_SHA1_96);
    const acceptor = new KerberosAcceptor({ keytab });
    const token = new KerberosInitiator({ credential }).initialToken();
    acceptor.accept(token);
    expect(errorCode(() => acceptor.accept(token))).toBe(KrbErrorCode.AP_ERR_REPEAT);
  });

  it("a client clock 10 minutes off is KRB_AP_ERR_SKEW, and the client gets a clock-skew error", () => {
    const { credential, keytab } = issue(Etype.AES256_CTS_HMAC_SHA1_96);
    const initiator = new KerberosInitiator({ credential, now: () => Date.now() - 600_000 });
    const acceptor = new KerberosAcceptor({ keytab });
    let token: Buffer | undefined;
    try {
      acceptor.accept(initiator.initialToken());
    } catch (err) {
      expect((err as ApReqRejectedError).krbErrorCode).toBe(KrbErrorCode.AP_ERR_SKEW);
      token = (err as ApReqRejectedError).errorToken;
    }
    const clientErr = (() => {
      try {
        initiator.complete(token!);
      } catch (err) {
        return err;
      }
    })();
    expect(clientErr).toBeInstanceOf(KerberosClockSkewError);
    expect((clientErr as KerberosClockSkewError).code).toBe("WINRM_KRB_CLOCK_SKEW");
    expect((clientErr as Error).message).toMatch(/KRB_AP_ERR_SKEW \(37\).*synchronise/);
    expect((clientErr as KerberosClockSkewError).skewSeconds).toBeGreaterThanOrEqual(599);
  });

  it("a keytab without the ticket's key version is KRB_AP_ERR_BADKEYVER; without the principal, KRB_AP_ERR_NOKEY", () => {
    const { credential, keytab } = issue(Etype.AES256_CTS_HMAC_SHA1_96, { kvno: 3 });
    const stale = keytab.map((k) => ({ ...k, kvno: 2 }));
    expect(errorCode(() => new KerberosAcceptor({ keytab: stale }).accept(new KerberosInitiator({ credential }).initialToken()))).toBe(KrbErrorCode.AP_ERR_BADKEYVER);
    const other = keytab.map((k) => ({ ...k, principal: servicePrincipal("HTTP", "other.corp.test", REALM) }));
    expect(errorCode(() => new KerberosAcceptor({ keytab: other }).accept(new KerberosInitiator({ credential }).initialToken()))).toBe(KrbErrorCode.AP_ERR_NOKEY);
  });

  it("a keytab whose key does not open the ticket is KRB_AP_ERR_BAD_INTEGRITY", () => {
    const { credential, keytab } = issue(Etype.AES128_CTS_HMAC_SHA1_96);
    const wrongKey = keytab.map((k) => ({ ...k, key: enctypeById(k.enctype).randomKey() }));
    expect(errorCode(() => new KerberosAcceptor({ keytab: wrongKey }).accept(new KerberosInitiator({ credential }).initialToken()))).toBe(KrbErrorCode.AP_ERR_BAD_INTEGRITY);
  });

  it("an expired ticket is KRB_AP_ERR_TKT_EXPIRED", () => {
    const { credential, keytab } = issue(Etype.AES256_CTS_HMAC_SHA1_96, { now: Date.now() - 7200_000, lifetimeMs: 600_000 });
    expect(errorCode(() => new KerberosAcceptor({ keytab }).accept(new KerberosInitiator({ credential }).initialToken()))).toBe(KrbErrorCode.AP_ERR_TKT_EXPIRED);
  });

  it("channel bindings: matching ones are accepted, other ones are KRB_AP_ERR_INAPP_CKSUM, none is accepted unless required", () => {
    const cb = createHash("md5").update(gssChannelBindingsStruct(Buffer.from("tls-server-end-point:0123"))).digest();
    const other = Buffer.alloc(16, 7);
    expect(establish(Etype.AES256_CTS_HMAC_SHA1_96, { channelBindings: cb, expected: cb }).accepted.client.name.components).toEqual(["alice"]);
    const { credential, keytab } = issue(Etype.AES256_CTS_HMAC_SHA1_96);
    expect(errorCode(() => new KerberosAcceptor({ keytab, expectedChannelBindings: cb }).accept(new KerberosInitiator({ credential, channelBindings: other }).initialToken()))).toBe(
      KrbErrorCode.AP_ERR_INAPP_CKSUM,
    );
    expect(new KerberosAcceptor({ keytab, expectedChannelBindings: cb }).accept(new KerberosInitiator({ credential }).initialToken()).responseToken).toBeDefined();
    expect(
      errorCode(() => new KerberosAcceptor({ keytab, expectedChannelBindings: cb, requireChannelBindings: true }).accept(new KerberosInitiator({ credential }).initialToken())),
    ).toBe(KrbErrorCode.AP_ERR_INAPP_CKSUM);
  });

  it("an AP-REP that does not decrypt under the session key fails mutual authentication", () => {
    const a = issue(Etype.AES256_CTS_HMAC_SHA1_96);
    const b = issue(Etype.AES256_CTS_HMAC_SHA1_96);
    const initiator = new KerberosInitiator({ credential: a.credential });
    initiator.initialToken();
    const foreign = new KerberosAcceptor({ keytab: b.keytab }).accept(new KerberosInitiator({ credential: b.credential }).initialToken());
    expect(() => initiator.complete(foreign.responseToken!)).toThrow(/mutual authentication failed/);
  });

  it("a KRB-ERROR token from the server becomes a typed error naming the code", () => {
    const { credential, keytab } = issue(Etype.AES256_CTS_HMAC_SHA1_96);
    const initiator = new KerberosInitiator({ credential });
    initiator.initialToken();
    const token = new KerberosAcceptor({ keytab }).errorToken(KrbErrorCode.AP_ERR_MODIFIED);
    expect(() => initiator.complete(token)).toThrow(KerberosRejectedError);
    expect(() => initiator.complete(token)).toThrow(/KRB_AP_ERR_MODIFIED \(41\).*keytab/);
  });
});
