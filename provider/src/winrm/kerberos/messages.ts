// Kerberos V5 messages (RFC 4120 section 5): the KDC exchanges (AS/TGS), the client/
// server exchange (AP-REQ/AP-REP), KRB-ERROR, and the structures inside them. Each has
// an encoder and a decoder; decoders check the APPLICATION tag, pvno and msg-type and
// keep a received Ticket's bytes exactly as they came.

import type { Tlv } from "../ntlm/der";
import {
  application,
  decodeInteger,
  explicit,
  Fields,
  fieldsOf,
  integer,
  kerberosFlags,
  kerberosString,
  kerberosTime,
  listOf,
  octets,
  openStructure,
  parseTlv,
  sequence,
  sequenceOf,
} from "./asn1";
import { AppTag, MsgType } from "./constants";
import { KerberosProtocolError } from "./errors";
import { decodePrincipalName, encodePrincipalName, PrincipalName } from "./principal";

const PVNO = 5;

// ---------------------------------------------------------------- building blocks

export interface EncryptedData {
  etype: number;
  kvno?: number;
  cipher: Buffer;
}

export function encodeEncryptedData(e: EncryptedData): Buffer {
  return sequence(explicit(0, integer(e.etype)), explicit(1, e.kvno === undefined ? undefined : integer(e.kvno)), explicit(2, octets(e.cipher)));
}

function decodeEncryptedData(t: Tlv, what = "EncryptedData"): EncryptedData {
  const f = fieldsOf(t, what);
  return { etype: f.int(0), kvno: f.optUint32(1), cipher: f.octets(2) };
}

export interface EncryptionKey {
  keytype: number;
  keyvalue: Buffer;
}

function encodeEncryptionKey(k: EncryptionKey): Buffer {
  return sequence(explicit(0, integer(k.keytype)), explicit(1, octets(k.keyvalue)));
}

function decodeEncryptionKey(t: Tlv, what = "EncryptionKey"): EncryptionKey {
  const f = fieldsOf(t, what);
  return { keytype: f.int(0), keyvalue: f.octets(1) };
}

export interface Checksum {
  cksumtype: number;
  checksum: Buffer;
}

function encodeChecksum(c: Checksum): Buffer {
  return sequence(explicit(0, integer(c.cksumtype)), explicit(1, octets(c.checksum)));
}

function decodeChecksum(t: Tlv, what = "Checksum"): Checksum {
  const f = fieldsOf(t, what);
  return { cksumtype: f.int(0), checksum: f.octets(1) };
}

export interface PaData {
  type: number;
  value: Buffer;
}

export function encodePaData(p: PaData): Buffer {
  return sequence(explicit(1, integer(p.type)), explicit(2, octets(p.value)));
}

function decodePaData(t: Tlv): PaData {
  const f = fieldsOf(t, "PA-DATA");
  return { type: f.int(1), value: f.octets(2) };
}

/** METHOD-DATA ::= SEQUENCE OF PA-DATA (the e-data of PREAUTH_REQUIRED). */
export function decodeMethodData(buf: Buffer): PaData[] {
  const t = parseTlv(buf, "METHOD-DATA", 0, true);
  return listOf(t, "METHOD-DATA").map(decodePaData);
}

/** ETYPE-INFO2-ENTRY (RFC 4120 5.2.7.5): how the KDC wants this user's key made. */
export interface EtypeInfo2Entry {
  etype: number;
  salt?: string;
  s2kparams?: Buffer;
}

export function decodeEtypeInfo2(buf: Buffer): EtypeInfo2Entry[] {
  return listOf(parseTlv(buf, "ETYPE-INFO2", 0, true), "ETYPE-INFO2").map((t) => {
    const f = fieldsOf(t, "ETYPE-INFO2-ENTRY");
    return { etype: f.int(0), salt: f.optString(1), s2kparams: f.optOctets(2) };
  });
}

export function encodeEtypeInfo2(entries: EtypeInfo2Entry[]): Buffer {
  return sequenceOf(
    entries.map((e) =>
      sequence(
        explicit(0, integer(e.etype)),
        explicit(1, e.salt === undefined ? undefined : kerberosString(e.salt)),
        explicit(2, e.s2kparams === undefined ? undefined : octets(e.s2kparams)),
      ),
    ),
  );
}

/** ETYPE-INFO-ENTRY (RFC 4120 5.2.7.4), the older form some KDCs send for rc4/des. */
export function decodeEtypeInfo(buf: Buffer): EtypeInfo2Entry[] {
  return listOf(parseTlv(buf, "ETYPE-INFO", 0, true), "ETYPE-INFO").map((t) => {
    const f = fieldsOf(t, "ETYPE-INFO-ENTRY");
    const salt = f.optOctets(1);
    return { etype: f.int(0), salt: salt?.toString("utf8") };
  });
}

/** PA-ENC-TS-ENC ::= SEQUENCE { patimestamp [0] KerberosTime, pausec [1] Microseconds OPTIONAL }. */
export function encodePaEncTsEnc(ms: number, usec: number): Buffer {
  return sequence(explicit(0, kerberosTime(ms)), explicit(1, integer(usec)));
}

// ---------------------------------------------------------------- Ticket

export interface Ticket {
  realm: string;
  sname: PrincipalName;
  encPart: EncryptedData;
  /** DER of the whole Ticket as received, so it is passed on byte for byte. */
  raw: Buffer;
}

export function encodeTicket(t: Omit<Ticket, "raw">): Buffer {
  return application(
    AppTag.TICKET,
    sequence(
      explicit(0, integer(PVNO)),
      explicit(1, kerberosString(t.realm)),
      explicit(2, encodePrincipalName(t.sname)),
      explicit(3, encodeEncryptedData(t.encPart)),
    ),
  );
}

export function decodeTicket(raw: Buffer): Ticket {
  const f = openStructure(raw, AppTag.TICKET, "Ticket");
  if (f.int(0) !== PVNO) throw new KerberosProtocolError("Ticket is not Kerberos version 5");
  return { realm: f.string(1), sname: decodePrincipalName(f.req(2), "Ticket sname"), encPart: decodeEncryptedData(f.req(3)), raw };
}

/** EncTicketPart (RFC 4120 5.3): what only the service (or the KDC) can read. */
export interface EncTicketPart {
  flags: number;
  key: EncryptionKey;
  crealm: string;
  cname: PrincipalName;
  authtime: number;
  starttime?: number;
  endtime: number;
  renewTill?: number;
}

export function encodeEncTicketPart(p: EncTicketPart): Buffer {
  return application(
    AppTag.ENC_TICKET_PART,
    sequence(
      explicit(0, kerberosFlags(p.flags)),
      explicit(1, encodeEncryptionKey(p.key)),
      explicit(2, kerberosString(p.crealm)),
      explicit(3, encodePrincipalName(p.cname)),
      explicit(4, sequence(explicit(0, integer(1)), explicit(1, octets(Buffer.alloc(0))))), // TransitedEncoding: none
      explicit(5, kerberosTime(p.authtime)),
      explicit(6, p.starttime === undefined ? undefined : kerberosTime(p.starttime)),
      explicit(7, kerberosTime(p.endtime)),
      explicit(8, p.renewTill === undefined ? undefined : kerberosTime(p.renewTill)),
    ),
  );
}

export function decodeEncTicketPart(buf: Buffer): EncTicketPart {
  const f = openStructure(buf, AppTag.ENC_TICKET_PART, "EncTicketPart");
  return {
    flags: f.flags(0),
    key: decodeEncryptionKey(f.req(1)),
    crealm: f.string(2),
    cname: decodePrincipalName(f.req(3), "EncTicketPart cname"),
    authtime: f.time(5),
    starttime: f.optTime(6),
    endtime: f.time(7),
    renewTill: f.optTime(8),
  };
}

// ---------------------------------------------------------------- AS-REQ / TGS-REQ

export interface KdcReqBody {
  /** KDCOptions as a uint32 (flagBit(n) values or'ed). */
  options: number;
  cname?: PrincipalName;
  realm: string;
  sname?: PrincipalName;
  from?: number;
  till: number;
  rtime?: number;
  nonce: number;
  etypes: number[];
  additionalTickets?: Buffer[];
}

/** KDC-REQ-BODY on its own: the TGS-REQ authenticator checksums exactly these bytes. */
export function encodeKdcReqBody(b: KdcReqBody): Buffer {
  return sequence(
    explicit(0, kerberosFlags(b.options)),
    explicit(1, b.cname && encodePrincipalName(b.cname)),
    explicit(2, kerberosString(b.realm)),
    explicit(3, b.sname && encodePrincipalName(b.sname)),
    explicit(4, b.from === undefined ? undefined : kerberosTime(b.from)),
    explicit(5, kerberosTime(b.till)),
    explicit(6, b.rtime === undefined ? undefined : kerberosTime(b.rtime)),
    explicit(7, integer(b.nonce)),
    explicit(8, sequenceOf(b.etypes.map(integer))),
    explicit(11, b.additionalTickets && b.additionalTickets.length > 0 ? sequenceOf(b.additionalTickets) : undefined),
  );
}

/** AS-REQ or TGS-REQ around an already-encoded body. */
export function encodeKdcReq(msgType: typeof MsgType.AS_REQ | typeof MsgType.TGS_REQ, padata: PaData[], body: Buffer): Buffer {
  return application(
    msgType,
    sequence(
      explicit(1, integer(PVNO)),
      explicit(2, integer(msgType)),
      explicit(3, padata.length > 0 ? sequenceOf(padata.map(encodePaData)) : undefined),
      explicit(4, body),
    ),
  );
}

export interface KdcReq {
  msgType: number;
  padata: PaData[];
  body: KdcReqBody;
  /** The body's bytes as received (for the PA-TGS-REQ checksum). */
  rawBody: Buffer;
}

/** Decode an AS-REQ or TGS-REQ (the tests' fake KDC and log checks use this). */
export function decodeKdcReq(buf: Buffer): KdcReq {
  const outer = parseTlv(buf, "KDC-REQ", 0, true);
  const msgType = outer.tag & 0x1f;
  if (msgType !== MsgType.AS_REQ && msgType !== MsgType.TGS_REQ) throw new KerberosProtocolError(`not a KDC request (tag ${msgType})`);
  const f = openStructure(buf, msgType, "KDC-REQ");
  checkHeader(f, msgType, "KDC-REQ", 1);
  const b = fieldsOf(f.req(4), "KDC-REQ-BODY");
  return {
    msgType,
    padata: f.optList(3)?.map(decodePaData) ?? [],
    rawBody: f.raw(4),
    body: {
      options: b.flags(0),
      cname: b.has(1) ? decodePrincipalName(b.req(1)) : undefined,
      realm: b.string(2),
      sname: b.has(3) ? decodePrincipalName(b.req(3)) : undefined,
      from: b.optTime(4),
      till: b.time(5),
      rtime: b.optTime(6),
      nonce: b.uint32(7),
      etypes: b.list(8).map((t) => decodeInteger(t, "KDC-REQ-BODY etype")),
    },
  };
}

function checkHeader(f: Fields, msgType: number, what: string, first: number): void {
  if (f.int(first) !== PVNO) throw new KerberosProtocolError(`${what} is not Kerberos version 5`);
  if (f.int(first + 1) !== msgType) throw new KerberosProtocolError(`${what} has msg-type ${f.int(first + 1)}, expected ${msgType}`);
}

// ---------------------------------------------------------------- AS-REP / TGS-REP

export interface KdcRep {
  msgType: number;
  padata: PaData[];
  crealm: string;
  cname: PrincipalName;
  ticket: Ticket;
  encPart: EncryptedData;
}

export function decodeKdcRep(buf: Buffer, expect: typeof MsgType.AS_REP | typeof MsgType.TGS_REP): KdcRep {
  const f = openStructure(buf, expect, expect === MsgType.AS_REP ? "AS-REP" : "TGS-REP");
  checkHeader(f, expect, "KDC-REP", 0);
  return {
    msgType: expect,
    padata: f.optList(2)?.map(decodePaData) ?? [],
    crealm: f.string(3),
    cname: decodePrincipalName(f.req(4), "KDC-REP cname"),
    ticket: decodeTicket(f.raw(5)),
    encPart: decodeEncryptedData(f.req(6)),
  };
}

/** EncKDCRepPart (RFC 4120 5.4.2): the session key and ticket facts for the client. */
export interface EncKdcRepPart {
  key: EncryptionKey;
  nonce: number;
  flags: number;
  authtime: number;
  starttime?: number;
  endtime: number;
  renewTill?: number;
  srealm: string;
  sname: PrincipalName;
}

/** Accepts both [APPLICATION 25] and [APPLICATION 26]: Windows and MIT use 26 for AS replies too. */
export function decodeEncKdcRepPart(buf: Buffer): EncKdcRepPart {
  const outer = parseTlv(buf, "EncKDCRepPart");
  const app = outer.tag & 0x1f;
  if ((outer.tag & 0xe0) !== 0x60 || (app !== AppTag.ENC_AS_REP_PART && app !== AppTag.ENC_TGS_REP_PART)) {
    throw new KerberosProtocolError("decrypted KDC reply part is not an EncASRepPart or EncTGSRepPart");
  }
  // The plaintext may carry padding after the DER (block-cipher enctypes): read only the element.
  const f = openStructure(buf.subarray(0, outer.end), app, "EncKDCRepPart");
  return {
    key: decodeEncryptionKey(f.req(0)),
    nonce: f.uint32(2),
    flags: f.flags(4),
    authtime: f.time(5),
    starttime: f.optTime(6),
    endtime: f.time(7),
    renewTill: f.optTime(8),
    srealm: f.string(9),
    sname: decodePrincipalName(f.req(10), "EncKDCRepPart sname"),
  };
}

export function encodeEncKdcRepPart(app: typeof AppTag.ENC_AS_REP_PART | typeof AppTag.ENC_TGS_REP_PART, p: EncKdcRepPart): Buffer {
  return application(
    app,
    sequence(
      explicit(0, encodeEncryptionKey(p.key)),
      explicit(1, sequenceOf([sequence(explicit(0, integer(0)), explicit(1, kerberosTime(p.authtime)))])), // last-req
      explicit(2, integer(p.nonce)),
      explicit(4, kerberosFlags(p.flags)),
      explicit(5, kerberosTime(p.authtime)),
      explicit(6, p.starttime === undefined ? undefined : kerberosTime(p.starttime)),
      explicit(7, kerberosTime(p.endtime)),
      explicit(8, p.renewTill === undefined ? undefined : kerberosTime(p.renewTill)),
      explicit(9, kerberosString(p.srealm)),
      explicit(10, encodePrincipalName(p.sname)),
    ),
  );
}

// ---------------------------------------------------------------- AP-REQ / AP-REP

export interface ApReq {
  /** APOptions as a uint32. */
  options: number;
  ticket: Ticket;
  authenticator: EncryptedData;
}

export function encodeApReq(r: ApReq): Buffer {
  return application(
    MsgType.AP_REQ,
    sequence(
      explicit(0, integer(PVNO)),
      explicit(1, integer(MsgType.AP_REQ)),
      explicit(2, kerberosFlags(r.options)),
      explicit(3, r.ticket.raw),
      explicit(4, encodeEncryptedData(r.authenticator)),
    ),
  );
}

export function decodeApReq(buf: Buffer): ApReq {
  const f = openStructure(buf, MsgType.AP_REQ, "AP-REQ");
  checkHeader(f, MsgType.AP_REQ, "AP-REQ", 0);
  return { options: f.flags(2), ticket: decodeTicket(f.raw(3)), authenticator: decodeEncryptedData(f.req(4)) };
}

/** Authenticator (RFC 4120 5.5.1): proof that the client holds the ticket's session key, now. */
export interface Authenticator {
  crealm: string;
  cname: PrincipalName;
  cksum?: Checksum;
  /** Client time, whole seconds (ms since epoch), and its microseconds. */
  ctime: number;
  cusec: number;
  subkey?: EncryptionKey;
  seqNumber?: number;
}

export function encodeAuthenticator(a: Authenticator): Buffer {
  return application(
    AppTag.AUTHENTICATOR,
    sequence(
      explicit(0, integer(PVNO)),
      explicit(1, kerberosString(a.crealm)),
      explicit(2, encodePrincipalName(a.cname)),
      explicit(3, a.cksum && encodeChecksum(a.cksum)),
      explicit(4, integer(a.cusec)),
      explicit(5, kerberosTime(a.ctime)),
      explicit(6, a.subkey && encodeEncryptionKey(a.subkey)),
      explicit(7, a.seqNumber === undefined ? undefined : integer(a.seqNumber)),
    ),
  );
}

export function decodeAuthenticator(buf: Buffer): Authenticator {
  const outer = parseTlv(buf, "Authenticator");
  const f = openStructure(buf.subarray(0, outer.end), AppTag.AUTHENTICATOR, "Authenticator");
  if (f.int(0) !== PVNO) throw new KerberosProtocolError("Authenticator is not Kerberos version 5");
  return {
    crealm: f.string(1),
    cname: decodePrincipalName(f.req(2), "Authenticator cname"),
    cksum: f.has(3) ? decodeChecksum(f.req(3)) : undefined,
    cusec: f.int(4),
    ctime: f.time(5),
    subkey: f.has(6) ? decodeEncryptionKey(f.req(6)) : undefined,
    seqNumber: f.optUint32(7),
  };
}

export function encodeApRep(encPart: EncryptedData): Buffer {
  return application(
    MsgType.AP_REP,
    sequence(explicit(0, integer(PVNO)), explicit(1, integer(MsgType.AP_REP)), explicit(2, encodeEncryptedData(encPart))),
  );
}

export function decodeApRep(buf: Buffer): EncryptedData {
  const f = openStructure(buf, MsgType.AP_REP, "AP-REP");
  checkHeader(f, MsgType.AP_REP, "AP-REP", 0);
  return decodeEncryptedData(f.req(2));
}

/** EncAPRepPart (RFC 4120 5.5.2): the server's answer, proving it could read our authenticator. */
export interface EncApRepPart {
  ctime: number;
  cusec: number;
  subkey?: EncryptionKey;
  seqNumber?: number;
}

export function encodeEncApRepPart(p: EncApRepPart): Buffer {
  return application(
    AppTag.ENC_AP_REP_PART,
    sequence(
      explicit(0, kerberosTime(p.ctime)),
      explicit(1, integer(p.cusec)),
      explicit(2, p.subkey && encodeEncryptionKey(p.subkey)),
      explicit(3, p.seqNumber === undefined ? undefined : integer(p.seqNumber)),
    ),
  );
}

export function decodeEncApRepPart(buf: Buffer): EncApRepPart {
  const outer = parseTlv(buf, "EncAPRepPart");
  const f = openStructure(buf.subarray(0, outer.end), AppTag.ENC_AP_REP_PART, "EncAPRepPart");
  return {
    ctime: f.time(0),
    cusec: f.int(1),
    subkey: f.has(2) ? decodeEncryptionKey(f.req(2)) : undefined,
    seqNumber: f.optUint32(3),
  };
}

// ---------------------------------------------------------------- KRB-ERROR

export interface KrbError {
  ctime?: number;
  cusec?: number;
  stime: number;
  susec: number;
  errorCode: number;
  crealm?: string;
  cname?: PrincipalName;
  realm: string;
  sname: PrincipalName;
  eText?: string;
  eData?: Buffer;
}

export function encodeKrbError(e: KrbError): Buffer {
  return application(
    MsgType.KRB_ERROR,
    sequence(
      explicit(0, integer(PVNO)),
      explicit(1, integer(MsgType.KRB_ERROR)),
      explicit(2, e.ctime === undefined ? undefined : kerberosTime(e.ctime)),
      explicit(3, e.cusec === undefined ? undefined : integer(e.cusec)),
      explicit(4, kerberosTime(e.stime)),
      explicit(5, integer(e.susec)),
      explicit(6, integer(e.errorCode)),
      explicit(7, e.crealm === undefined ? undefined : kerberosString(e.crealm)),
      explicit(8, e.cname && encodePrincipalName(e.cname)),
      explicit(9, kerberosString(e.realm)),
      explicit(10, encodePrincipalName(e.sname)),
      explicit(11, e.eText === undefined ? undefined : kerberosString(e.eText)),
      explicit(12, e.eData === undefined ? undefined : octets(e.eData)),
    ),
  );
}

export function decodeKrbError(buf: Buffer): KrbError {
  const f = openStructure(buf, MsgType.KRB_ERROR, "KRB-ERROR");
  checkHeader(f, MsgType.KRB_ERROR, "KRB-ERROR", 0);
  return {
    ctime: f.optTime(2),
    cusec: f.optInt(3),
    stime: f.time(4),
    susec: f.int(5),
    errorCode: f.int(6),
    crealm: f.optString(7),
    cname: f.has(8) ? decodePrincipalName(f.req(8)) : undefined,
    realm: f.string(9),
    sname: decodePrincipalName(f.req(10), "KRB-ERROR sname"),
    eText: f.optString(11),
    eData: f.optOctets(12),
  };
}

/** The APPLICATION tag number of a Kerberos message, or undefined when it is not one. */
export function messageType(buf: Buffer): number | undefined {
  if (buf.length < 2 || (buf[0] & 0xe0) !== 0x60) return undefined;
  return buf[0] & 0x1f;
}
