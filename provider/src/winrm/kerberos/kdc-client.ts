// The client side of the KDC exchanges (RFC 4120 sections 3.1 and 3.3):
//  - AS: a TGT from a password. We first ask without pre-authentication; the KDC answers
//    KDC_ERR_PREAUTH_REQUIRED with ETYPE-INFO2 naming the enctype, salt and s2kparams it
//    keeps for the user, we derive that key and ask again with PA-ENC-TIMESTAMP.
//  - TGS: a service ticket from a TGT, the request authenticated by an AP-REQ in
//    PA-TGS-REQ whose authenticator checksums the request body.
// KRB-ERRORs become typed errors (errors.ts) that name the code and say what to do.

import * as crypto from "node:crypto";
import { flagBit } from "./asn1";
import { KdcOption, KeyUsage, KrbErrorCode, MsgType, PaType } from "./constants";
import { enctypeById, findEnctype, SUPPORTED_ENCTYPES } from "./crypto";
import { errorFromKrbError, KerberosBadPasswordError, KerberosIntegrityError, KerberosProtocolError, KrbErrorContext } from "./errors";
import type { KdcAddress } from "./krb5-conf";
import { sendToKdc, KdcTransportOptions } from "./kdc-transport";
import {
  decodeEncKdcRepPart,
  decodeEtypeInfo,
  decodeEtypeInfo2,
  decodeKdcRep,
  decodeKrbError,
  decodeMethodData,
  encodeApReq,
  encodeAuthenticator,
  encodeEncryptedData,
  encodeKdcReq,
  encodeKdcReqBody,
  encodePaEncTsEnc,
  EncKdcRepPart,
  EncryptionKey,
  EtypeInfo2Entry,
  KdcReqBody,
  KrbError,
  messageType,
  PaData,
  Ticket,
} from "./messages";
import { formatPrincipal, Principal, sameName, tgsPrincipal } from "./principal";

/** A ticket with the session key that goes with it: what a TGT or service ticket gives us. */
export interface Credential {
  client: Principal;
  server: Principal;
  ticket: Ticket;
  sessionKey: EncryptionKey;
  flags: number;
  authtime: number;
  starttime?: number;
  endtime: number;
  renewTill?: number;
}

export interface KdcClientOptions {
  realm: string;
  kdcs: KdcAddress[];
  transport?: KdcTransportOptions;
  /** Clock (ms since epoch); tests move it to simulate skew. */
  now?: () => number;
  /** Ticket lifetime to ask for. Default 10 hours, as kinit. */
  lifetimeMs?: number;
  /** Enctypes to offer, strongest first. Default all we implement. */
  etypes?: number[];
}

const DEFAULT_LIFETIME_MS = 10 * 3600 * 1000;

/** A random nonce / sequence number kept below 2^31, as MIT does, for peers that read them as signed. */
function randomUint31(): number {
  return crypto.randomBytes(4).readUInt32BE(0) & 0x7fffffff;
}

/** RFC 4120 5.2.1 / 3961: the default salt is the realm followed by the name components. */
function defaultSalt(p: Principal): Buffer {
  return Buffer.from(p.realm + p.name.components.join(""), "utf8");
}

export class KdcClient {
  private readonly now: () => number;
  private readonly etypes: number[];

  constructor(private readonly opts: KdcClientOptions) {
    this.now = opts.now ?? Date.now;
    this.etypes = opts.etypes ?? SUPPORTED_ENCTYPES.map((e) => e.id);
  }

  /** AS exchange: a TGT for `client` (or a ticket for `service`, default krbtgt/REALM). */
  async getInitialCredential(client: Principal, password: string, service: Principal = tgsPrincipal(client.realm)): Promise<Credential> {
    const ctx: KrbErrorContext = { exchange: "AS", client: formatPrincipal(client), target: formatPrincipal(service) };
    const body = (): KdcReqBody => ({
      options: flagBit(KdcOption.FORWARDABLE) | flagBit(KdcOption.CANONICALIZE),
      cname: client.name,
      realm: client.realm,
      sname: service.name,
      till: this.now() + (this.opts.lifetimeMs ?? DEFAULT_LIFETIME_MS),
      nonce: randomUint31(),
      etypes: this.etypes,
    });

    // 1. Without pre-authentication: learn the etype/salt (or get the reply directly).
    let req = body();
    let reply = await this.send(encodeKdcReq(MsgType.AS_REQ, [], encodeKdcReqBody(req)));
    let hints: EtypeInfo2Entry[] = [];
    if (messageType(reply) === MsgType.KRB_ERROR) {
      const err = decodeKrbError(reply);
      if (err.errorCode !== KrbErrorCode.PREAUTH_REQUIRED) throw this.typed(err, ctx);
      hints = etypeHints(err.eData ? decodeMethodData(err.eData) : []);
      const hint = hints.find((h) => findEnctype(h.etype));
      if (!hint) throw this.typed({ ...err, errorCode: KrbErrorCode.ETYPE_NOSUPP, eText: "no ETYPE-INFO2 entry for an enctype we support" }, ctx);
      const enctype = enctypeById(hint.etype);
      const key = enctype.stringToKey(password, hint.salt !== undefined ? Buffer.from(hint.salt, "utf8") : defaultSalt(client), hint.s2kparams);
      // 2. With PA-ENC-TIMESTAMP under that key.
      const t = this.now();
      const encTs = enctype.encrypt(key, KeyUsage.AS_REQ_PA_ENC_TIMESTAMP, encodePaEncTsEnc(t, (t % 1000) * 1000));
      const pa: PaData = { type: PaType.ENC_TIMESTAMP, value: encodeEncryptedData({ etype: enctype.id, cipher: encTs }) };
      req = body();
      reply = await this.send(encodeKdcReq(MsgType.AS_REQ, [pa], encodeKdcReqBody(req)));
      if (messageType(reply) === MsgType.KRB_ERROR) throw this.typed(decodeKrbError(reply), ctx);
      return this.finishAsRep(reply, req, client, password, hints, ctx);
    }
    return this.finishAsRep(reply, req, client, password, hints, ctx);
  }

  private finishAsRep(reply: Buffer, req: KdcReqBody, client: Principal, password: string, hints: EtypeInfo2Entry[], ctx: KrbErrorContext): Credential {
    if (messageType(reply) !== MsgType.AS_REP) throw new KerberosProtocolError(`KDC answered an AS-REQ with message type ${messageType(reply)}`);
    const rep = decodeKdcRep(reply, MsgType.AS_REP);
    const enctype = enctypeById(rep.encPart.etype);
    // The reply may carry its own ETYPE-INFO2 (RFC 4120 5.2.7.5); it wins for the reply key.
    const replyHints = etypeHints(rep.padata);
    const hint = replyHints.find((h) => h.etype === enctype.id) ?? hints.find((h) => h.etype === enctype.id);
    const salt = hint?.salt !== undefined ? Buffer.from(hint.salt, "utf8") : defaultSalt(client);
    const key = enctype.stringToKey(password, salt, hint?.s2kparams);
    let part: EncKdcRepPart;
    try {
      part = decodeEncKdcRepPart(enctype.decrypt(key, KeyUsage.AS_REP_ENC_PART, rep.encPart.cipher));
    } catch (err) {
      if (err instanceof KerberosIntegrityError) {
        throw new KerberosBadPasswordError({ errorCode: KrbErrorCode.AP_ERR_BAD_INTEGRITY, realm: client.realm }, ctx);
      }
      throw err;
    }
    return this.credentialFrom(part, req, { name: rep.cname, realm: rep.crealm }, rep.ticket);
  }

  /** TGS exchange: a ticket for `service` using `tgt`. */
  async getServiceCredential(tgt: Credential, service: Principal): Promise<Credential> {
    const ctx: KrbErrorContext = { exchange: "TGS", client: formatPrincipal(tgt.client), target: formatPrincipal(service) };
    const tgtEnctype = enctypeById(tgt.sessionKey.keytype);
    const req: KdcReqBody = {
      options: flagBit(KdcOption.FORWARDABLE) | flagBit(KdcOption.CANONICALIZE),
      realm: service.realm,
      sname: service.name,
      till: this.now() + (this.opts.lifetimeMs ?? DEFAULT_LIFETIME_MS),
      nonce: randomUint31(),
      etypes: this.etypes,
    };
    const bodyBytes = encodeKdcReqBody(req);
    const t = this.now();
    const authenticator = encodeAuthenticator({
      crealm: tgt.client.realm,
      cname: tgt.client.name,
      cksum: {
        cksumtype: tgtEnctype.checksumType,
        checksum: tgtEnctype.checksum(tgt.sessionKey.keyvalue, KeyUsage.TGS_REQ_PA_AUTHENTICATOR_CKSUM, bodyBytes),
      },
      ctime: t,
      cusec: (t % 1000) * 1000,
    });
    const apReq = encodeApReq({
      options: 0,
      ticket: tgt.ticket,
      authenticator: { etype: tgtEnctype.id, cipher: tgtEnctype.encrypt(tgt.sessionKey.keyvalue, KeyUsage.TGS_REQ_PA_AUTHENTICATOR, authenticator) },
    });
    const reply = await this.send(encodeKdcReq(MsgType.TGS_REQ, [{ type: PaType.TGS_REQ, value: apReq }], bodyBytes));
    if (messageType(reply) === MsgType.KRB_ERROR) throw this.typed(decodeKrbError(reply), ctx);
    if (messageType(reply) !== MsgType.TGS_REP) throw new KerberosProtocolError(`KDC answered a TGS-REQ with message type ${messageType(reply)}`);
    const rep = decodeKdcRep(reply, MsgType.TGS_REP);
    const part = decodeEncKdcRepPart(
      enctypeById(rep.encPart.etype).decrypt(tgt.sessionKey.keyvalue, KeyUsage.TGS_REP_ENC_PART_SESSION_KEY, rep.encPart.cipher),
    );
    const cred = this.credentialFrom(part, req, { name: rep.cname, realm: rep.crealm }, rep.ticket);
    if (cred.server.name.components[0] === "krbtgt" && service.name.components[0] !== "krbtgt") {
      throw new KerberosProtocolError(
        `the KDC referred the request for ${formatPrincipal(service)} to realm ${cred.server.name.components[1]}; cross-realm referrals are not supported — set the realm of the host in krb5.conf [domain_realm]`,
      );
    }
    return cred;
  }

  private credentialFrom(part: EncKdcRepPart, req: KdcReqBody, client: Principal, ticket: Ticket): Credential {
    if (part.nonce !== req.nonce) throw new KerberosProtocolError("KDC reply nonce does not match the request (a replayed or forged reply)");
    if (!req.sname || !sameName(part.sname, req.sname)) {
      // CANONICALIZE lets the KDC return the canonical name; it must still be a service of the requested realm.
      if (part.srealm !== req.realm) throw new KerberosProtocolError(`KDC issued a ticket for ${part.sname.components.join("/")}@${part.srealm}, not the requested realm ${req.realm}`);
    }
    return {
      client,
      server: { name: part.sname, realm: part.srealm },
      ticket,
      sessionKey: part.key,
      flags: part.flags,
      authtime: part.authtime,
      starttime: part.starttime,
      endtime: part.endtime,
      renewTill: part.renewTill,
    };
  }

  private send(request: Buffer): Promise<Buffer> {
    return sendToKdc(this.opts.realm, this.opts.kdcs, request, this.opts.transport);
  }

  private typed(err: KrbError, ctx: KrbErrorContext) {
    return errorFromKrbError(
      { errorCode: err.errorCode, eText: err.eText, serverTime: err.stime + Math.floor(err.susec / 1000), realm: err.realm },
      { ...ctx, localTime: this.now() },
    );
  }
}

/** ETYPE-INFO2 (or the older ETYPE-INFO) entries from a list of PA-DATA. */
function etypeHints(padata: PaData[]): EtypeInfo2Entry[] {
  const info2 = padata.find((p) => p.type === PaType.ETYPE_INFO2);
  if (info2) return decodeEtypeInfo2(info2.value);
  const info = padata.find((p) => p.type === PaType.ETYPE_INFO);
  if (info) return decodeEtypeInfo(info.value);
  const pwSalt = padata.find((p) => p.type === PaType.PW_SALT);
  return pwSalt ? SUPPORTED_ENCTYPES.map((e) => ({ etype: e.id, salt: pwSalt.value.toString("utf8") })) : [];
}

