// Kerberos encodings and local files without a KDC: DER details (signed INTEGERs,
// KerberosTime, flags), the RFC 4120 messages round-tripping, malformed input as
// KerberosProtocolError, principal names, krb5.conf (profile syntax, [domain_realm]),
// damaged ccache/keytab files, and which typed error each KRB-ERROR code becomes. Files
// written by MIT tools are parsed in kerberos-kdc.test.ts.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { decodeInteger, flagBit, integer, kerberosFlags, kerberosTime, parseTlv, sequenceOf } from "../../provider/src/winrm/kerberos/asn1";
import { parseCcache } from "../../provider/src/winrm/kerberos/ccache";
import { KdcOption, MsgType, PaType } from "../../provider/src/winrm/kerberos/constants";
import {
  errorFromKrbError,
  KerberosBadPasswordError,
  KerberosClockSkewError,
  KerberosConfigError,
  KerberosNoSpnError,
  KerberosPrincipalUnknownError,
  KerberosProtocolError,
  KerberosRejectedError,
  KerberosRejection,
} from "../../provider/src/winrm/kerberos/errors";
import { parseKeytab } from "../../provider/src/winrm/kerberos/keytab";
import { parseKrb5Config, realmForHost, kdcsForRealm, parseKdcAddress } from "../../provider/src/winrm/kerberos/krb5-conf";
import {
  decodeApReq,
  decodeAuthenticator,
  decodeEncApRepPart,
  decodeEncKdcRepPart,
  decodeEncTicketPart,
  decodeEtypeInfo2,
  decodeKdcReq,
  decodeKrbError,
  decodeMethodData,
  decodeTicket,
  encodeApReq,
  encodeAuthenticator,
  encodeEncApRepPart,
  encodeEncKdcRepPart,
  encodeEncTicketPart,
  encodeEtypeInfo2,
  encodeKdcReq,
  encodeKdcReqBody,
  encodeKrbError,
  encodePaData,
  encodeTicket,
} from "../../provider/src/winrm/kerberos/messages";
import { formatPrincipal, parsePrincipal, servicePrincipal } from "../../provider/src/winrm/kerberos/principal";

const T = Date.UTC(2024, 0, 2, 3, 4, 5);
const alice = parsePrincipal("alice@CORP.TEST");
const http = servicePrincipal("HTTP", "SRV01.corp.test", "CORP.TEST");

describe("DER details", () => {
  it.each([
    [0, "020100"],
    [127, "02017f"],
    [128, "02020080"],
    [-1, "0201ff"],
    [-128, "020180"],
    [-129, "0202ff7f"],
    [-138, "0202ff76"],
    [0x7fffffff, "02047fffffff"],
    [0xffffffff, "020500ffffffff"],
  ])("INTEGER %d is %s and reads back", (n, hex) => {
    expect(integer(n).toString("hex")).toBe(hex);
    expect(decodeInteger(parseTlv(Buffer.from(hex, "hex"), "x"), "x")).toBe(n);
  });

  it("KerberosTime is GeneralizedTime in whole seconds, UTC", () => {
    expect(kerberosTime(T + 999).toString("latin1").slice(2)).toBe("20240102030405Z");
  });

  it("KerberosFlags number their bits from the most significant", () => {
    expect(kerberosFlags(flagBit(KdcOption.FORWARDABLE) | flagBit(KdcOption.CANONICALIZE)).toString("hex")).toBe("03050040010000");
  });
});

describe("RFC 4120 messages round-trip", () => {
  it("AS-REQ with PA-DATA; the body's bytes are what the TGS checksum covers", () => {
    const body = { options: flagBit(KdcOption.FORWARDABLE), cname: alice.name, realm: "CORP.TEST", sname: http.name, till: T, nonce: 0x7fffffff, etypes: [18, 17, 23] };
    const bodyBytes = encodeKdcReqBody(body);
    const req = decodeKdcReq(encodeKdcReq(MsgType.AS_REQ, [{ type: PaType.ENC_TIMESTAMP, value: Buffer.from("x") }], bodyBytes));
    expect(req.msgType).toBe(MsgType.AS_REQ);
    expect(req.rawBody).toEqual(bodyBytes);
    expect(req.padata).toEqual([{ type: PaType.ENC_TIMESTAMP, value: Buffer.from("x") }]);
    expect(req.body).toMatchObject({ realm: "CORP.TEST", nonce: 0x7fffffff, etypes: [18, 17, 23], till: T });
    expect(req.body.sname?.components).toEqual(["HTTP", "srv01.corp.test"]);
  });

  it("KRB-ERROR with METHOD-DATA carrying ETYPE-INFO2", () => {
    const info = encodeEtypeInfo2([{ etype: 18, salt: "CORP.TESTalice", s2kparams: Buffer.from([0, 0, 16, 0]) }, { etype: 23 }]);
    const eData = sequenceOf([encodePaData({ type: PaType.ETYPE_INFO2, value: info })]);
    const err = decodeKrbError(encodeKrbError({ stime: T, susec: 5, errorCode: 25, realm: "CORP.TEST", sname: { nameType: 2, components: ["krbtgt", "CORP.TEST"] }, eText: "hint", eData }));
    expect(err).toMatchObject({ stime: T, susec: 5, errorCode: 25, realm: "CORP.TEST", eText: "hint" });
    const [pa] = decodeMethodData(err.eData!);
    expect(decodeEtypeInfo2(pa.value)).toEqual([{ etype: 18, salt: "CORP.TESTalice", s2kparams: Buffer.from([0, 0, 16, 0]) }, { etype: 23, salt: undefined, s2kparams: undefined }]);
  });

  it("Ticket, EncTicketPart, AP-REQ, Authenticator, EncAPRepPart and EncKDCRepPart", () => {
    const key = { keytype: 18, keyvalue: Buffer.alloc(32, 1) };
    const ticketBytes = encodeTicket({ realm: "CORP.TEST", sname: http.name, encPart: { etype: 18, kvno: 3, cipher: Buffer.from("c") } });
    const ticket = decodeTicket(ticketBytes);
    expect(ticket.raw).toEqual(ticketBytes);
    expect(ticket.encPart).toEqual({ etype: 18, kvno: 3, cipher: Buffer.from("c") });
    const ap = decodeApReq(encodeApReq({ options: flagBit(2), ticket, authenticator: { etype: 18, cipher: Buffer.from("a") } }));
    expect(ap.ticket.raw).toEqual(ticketBytes);
    expect(ap.options).toBe(flagBit(2));
    const auth = decodeAuthenticator(
      Buffer.concat([encodeAuthenticator({ crealm: "CORP.TEST", cname: alice.name, ctime: T, cusec: 999999, subkey: key, seqNumber: 0x3fffffff, cksum: { cksumtype: 0x8003, checksum: Buffer.alloc(24) } }), Buffer.alloc(5)]),
    );
    expect(auth).toMatchObject({ crealm: "CORP.TEST", ctime: T, cusec: 999999, seqNumber: 0x3fffffff, subkey: key, cksum: { cksumtype: 0x8003 } });
    expect(decodeEncApRepPart(encodeEncApRepPart({ ctime: T, cusec: 1, subkey: key, seqNumber: 7 }))).toEqual({ ctime: T, cusec: 1, subkey: key, seqNumber: 7 });
    const part = { flags: flagBit(1), key, crealm: "CORP.TEST", cname: alice.name, authtime: T, endtime: T + 36e5 };
    expect(decodeEncTicketPart(encodeEncTicketPart(part))).toMatchObject(part);
    const rep = { key, nonce: 42, flags: 0, authtime: T, endtime: T + 1000, srealm: "CORP.TEST", sname: http.name };
    expect(decodeEncKdcRepPart(encodeEncKdcRepPart(25, rep))).toMatchObject(rep);
    expect(decodeEncKdcRepPart(encodeEncKdcRepPart(26, rep))).toMatchObject(rep);
  });

  it("sequence numbers a peer encoded as negative Int32 read back as unsigned", () => {
    expect(decodeEncApRepPart(encodeEncApRepPart({ ctime: T, cusec: 0, seqNumber: -2 })).seqNumber).toBe(0xfffffffe);
  });

  it.each([
    ["truncated", (b: Buffer) => b.subarray(0, b.length - 3)],
    ["trailing bytes", (b: Buffer) => Buffer.concat([b, Buffer.from([0])])],
    ["another message's tag", (b: Buffer) => Buffer.concat([Buffer.from([0x6f]), b.subarray(1)])],
  ])("refuses a KRB-ERROR with %s as KerberosProtocolError", (_what, damage) => {
    const good = encodeKrbError({ stime: T, susec: 0, errorCode: 6, realm: "R", sname: http.name });
    expect(() => decodeKrbError(damage(good))).toThrow(KerberosProtocolError);
  });
});

describe("principal names", () => {
  it("parses and formats service names, escapes and realms", () => {
    expect(formatPrincipal(parsePrincipal("HTTP/srv01.corp.test@CORP.TEST"))).toBe("HTTP/srv01.corp.test@CORP.TEST");
    expect(parsePrincipal("a\\/b\\@c/d@R").name.components).toEqual(["a/b@c", "d"]);
    expect(formatPrincipal(parsePrincipal("a\\/b\\@c/d@R"))).toBe("a\\/b\\@c/d@R");
    expect(parsePrincipal("alice", "CORP.TEST").realm).toBe("CORP.TEST");
    expect(parsePrincipal("krbtgt/CORP.TEST@CORP.TEST").name.nameType).toBe(2);
    expect(http.name).toEqual({ nameType: 3, components: ["HTTP", "srv01.corp.test"] });
    expect(() => parsePrincipal("alice")).toThrow(KerberosConfigError);
    expect(() => parsePrincipal("a//b@R")).toThrow(/empty component/);
  });
});

describe("krb5.conf", () => {
  const text = `
# comment
; also a comment
[libdefaults]
    default_realm = CORP.TEST
    udp_preference_limit = 1
    clockskew = 5m
    default_ccache_name = FILE:/tmp/cc_%{uid}
[realms]
    CORP.TEST = {
        kdc = dc1.corp.test
        kdc = tcp/dc2.corp.test:8888
        admin_server = dc1.corp.test
        auth_to_local = {
            nested = ignored
        }
    }
    V6.TEST = {
        kdc = [::1]:750 *
    }
[domain_realm]
    .corp.test = CORP.TEST
    special.corp.test = V6.TEST
    .child.corp.test = CHILD.CORP.TEST
`;
  const cfg = parseKrb5Config(text, "test.conf");

  it("reads libdefaults, realms with several KDCs, and transport prefixes", () => {
    expect(cfg.defaultRealm).toBe("CORP.TEST");
    expect(cfg.udpPreferenceLimit).toBe(1);
    expect(cfg.clockSkew).toBe(300);
    expect(cfg.defaultCcacheName).toBe("FILE:/tmp/cc_%{uid}");
    expect(kdcsForRealm(cfg, "CORP.TEST")).toEqual([
      { host: "dc1.corp.test", port: 88, transport: undefined },
      { host: "dc2.corp.test", port: 8888, transport: "tcp" },
    ]);
    expect(kdcsForRealm(cfg, "V6.TEST")).toEqual([{ host: "::1", port: 750, transport: undefined }]);
  });

  it("maps hosts to realms: exact entry, longest domain suffix, default realm", () => {
    expect(realmForHost(cfg, "special.corp.test")).toBe("V6.TEST");
    expect(realmForHost(cfg, "srv01.child.corp.test")).toBe("CHILD.CORP.TEST");
    expect(realmForHost(cfg, "SRV01.corp.test")).toBe("CORP.TEST");
    expect(realmForHost(cfg, "corp.test")).toBe("CORP.TEST");
    expect(realmForHost(cfg, "elsewhere.example")).toBe("CORP.TEST");
    expect(realmForHost(parseKrb5Config(""), "srv.example.org")).toBe("EXAMPLE.ORG");
    expect(realmForHost(parseKrb5Config(""), "10.1.2.3")).toBeUndefined();
  });

  it("says where it looked when a realm has no KDC", () => {
    expect(() => kdcsForRealm(cfg, "OTHER.TEST")).toThrow(/no KDC known for realm OTHER\.TEST.*\[realms\] OTHER\.TEST.*test\.conf/);
  });

  it("follows include directives and rejects broken syntax with the line number", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "krb5conf-"));
    try {
      fs.writeFileSync(path.join(dir, "extra.conf"), "[realms]\n EXTRA.TEST = {\n  kdc = 10.0.0.1\n }\n");
      const withInclude = parseKrb5Config(`include ${path.join(dir, "extra.conf")}\n[libdefaults]\n default_realm = EXTRA.TEST\n`);
      expect(kdcsForRealm(withInclude, "EXTRA.TEST")).toEqual([{ host: "10.0.0.1", port: 88, transport: undefined }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => parseKrb5Config("[realms]\n R = {\n kdc = x\n", "bad.conf")).toThrow(/bad\.conf: a "\{" is never closed/);
    expect(() => parseKrb5Config("kdc = x\n", "bad.conf")).toThrow(/bad\.conf:1: a relation before any \[section\]/);
    expect(() => parseKdcAddress("https://kdcproxy/KdcProxy")).toThrow(/KKDCP/);
  });
});

describe("damaged credential caches and keytabs", () => {
  it("reports truncation and unknown formats as KerberosConfigError naming the file", () => {
    expect(() => parseCcache(Buffer.from([0x05, 0x04, 0x00, 0x0c]), "/tmp/cc")).toThrow(/\/tmp\/cc is truncated/);
    expect(() => parseCcache(Buffer.from([0x05, 0x01]), "/tmp/cc")).toThrow(/format 0x501/);
    expect(() => parseKeytab(Buffer.from([0x05, 0x02, 0x00, 0x00, 0x00, 0x40, 0x00]), "/tmp/kt")).toThrow(/\/tmp\/kt is truncated/);
    expect(() => parseKeytab(Buffer.from([0x07, 0x02]), "/tmp/kt")).toThrow(/bad magic/);
  });
});

describe("KRB-ERROR codes become typed errors (the classes themselves: tests/errors.test.ts)", () => {
  const ctx = { exchange: "AS" as const, client: "alice@CORP.TEST", target: "HTTP/srv01.corp.test@CORP.TEST", localTime: T };
  const facts = (errorCode: number) => ({ errorCode, serverTime: T + 30_000, realm: "CORP.TEST" });
  it.each([
    [37, "AS", KerberosClockSkewError],
    [37, "AP", KerberosClockSkewError],
    [6, "AS", KerberosPrincipalUnknownError],
    [24, "AS", KerberosBadPasswordError],
    [31, "AS", KerberosBadPasswordError],
    [31, "AP", KerberosRejectedError],
    [7, "TGS", KerberosNoSpnError],
    [7, "AS", KerberosRejectedError],
    [68, "AS", KerberosRejectedError],
  ] as const)("code %d in %s is %p", (code, exchange, cls) => {
    const err = errorFromKrbError(facts(code), { ...ctx, exchange });
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(KerberosRejection);
    expect(err.krbErrorCode).toBe(code);
  });

  it("messages name the code and say what to do", () => {
    expect((errorFromKrbError(facts(37), ctx) as KerberosClockSkewError).skewSeconds).toBe(30);
    expect(errorFromKrbError(facts(68), ctx).message).toMatch(/KDC_ERR_WRONG_REALM \(68\).*realm is wrong.*\[domain_realm\]/);
    expect(errorFromKrbError(facts(41), { ...ctx, exchange: "AP" }).message).toMatch(/KRB_AP_ERR_MODIFIED \(41\) from the server while authenticating to HTTP\/srv01.*keytab/);
    const unknown = errorFromKrbError(facts(99), ctx);
    expect(unknown.krbErrorName).toBe("KRB_ERROR_99");
    expect(unknown.message).toMatch(/RFC 4120 section 7\.5\.9/);
  });
});
