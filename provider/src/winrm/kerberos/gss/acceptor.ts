// The acceptor side of Kerberos context establishment, keyed by a keytab (what a Windows
// server does with its computer account's keys, and what the simulator uses): decrypt
// the ticket with the service key, the authenticator with the ticket's session key,
// check names, clocks, replays and channel bindings, then answer with an AP-REP that
// carries our own subkey (AES contexts, as MIT and Windows do) and sequence number.
// Every rejection carries a GSS-framed KRB-ERROR for the server to send back.

import * as crypto from "node:crypto";
import { ApOption, GssFlag, KeyUsage, KrbErrorCode, DEFAULT_CLOCK_SKEW_SECONDS, Etype } from "../constants";
import { flagBit } from "../asn1";
import { enctypeById, findEnctype } from "../crypto";
import { ApReqRejectedError, KerberosError } from "../errors";
import { findKey, KeytabEntry } from "../keytab";
import {
  Authenticator,
  decodeApReq,
  decodeAuthenticator,
  decodeEncTicketPart,
  encodeApRep,
  encodeEncApRepPart,
  encodeKrbError,
  EncTicketPart,
  EncryptionKey,
} from "../messages";
import { formatPrincipal, Principal, sameName } from "../principal";
import { parseGssChecksum } from "./authenticator-checksum";
import { frameWithTokId, TokId, unframeToken } from "./framing";
import { openSession } from "./open-session";
import type { GssSession } from "./session";

export interface KerberosAcceptorOptions {
  keytab: KeytabEntry[];
  /** MD5 of the expected channel bindings (HTTPS); a client that sends none is still accepted. */
  expectedChannelBindings?: Buffer;
  /** Refuse clients that send no channel bindings when some are expected (CbtHardeningLevel Strict). */
  requireChannelBindings?: boolean;
  clockSkewSeconds?: number;
  now?: () => number;
  /** Shared by all contexts of one server, so an authenticator is accepted once. */
  replayCache?: ReplayCache;
}

export interface AcceptedContext {
  /** The AP-REP token to return (mutual authentication), or undefined when the client did not ask for it. */
  responseToken?: Buffer;
  session: GssSession;
  client: Principal;
  /** The service principal the ticket was for. */
  service: Principal;
  /** GSS flags the initiator asked for. */
  flags: number;
  ticket: EncTicketPart;
}

/** Authenticators seen within the skew window (RFC 4120 3.2.3). */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  /** Records the authenticator; false when it was already there. */
  remember(id: string, expiresAt: number, now: number): boolean {
    for (const [k, exp] of this.seen) if (exp < now) this.seen.delete(k);
    if (this.seen.has(id)) return false;
    this.seen.set(id, expiresAt);
    return true;
  }
}

export class KerberosAcceptor {
  private readonly now: () => number;
  private readonly skewMs: number;
  private readonly replay: ReplayCache;

  constructor(private readonly opts: KerberosAcceptorOptions) {
    this.now = opts.now ?? Date.now;
    this.skewMs = (opts.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS) * 1000;
    this.replay = opts.replayCache ?? new ReplayCache();
  }

  /** Accept a GSS-framed AP-REQ (a bare AP-REQ is taken too). */
  accept(token: Buffer): AcceptedContext {
    let apReqBytes = token;
    if (token[0] === 0x60) {
      const { tokId, inner } = unframeToken(token);
      if (tokId !== TokId.AP_REQ) throw new ApReqRejectedError({ krbErrorCode: KrbErrorCode.AP_ERR_MSG_TYPE, detail: `TOK_ID ${tokId.toString(16)} is not an AP-REQ`, errorToken: this.errorToken(KrbErrorCode.AP_ERR_MSG_TYPE) });
      apReqBytes = inner;
    }
    const apReq = decodeApReq(apReqBytes);
    const service: Principal = { name: apReq.ticket.sname, realm: apReq.ticket.realm };
    const reject = (code: number, detail: string): never => {
      throw new ApReqRejectedError({ krbErrorCode: code, detail, errorToken: this.errorToken(code, service) });
    };

    // The service key from the keytab.
    const encPart = apReq.ticket.encPart;
    const entry = findKey(this.opts.keytab, service, encPart.etype, encPart.kvno);
    if (!entry) {
      const other = this.opts.keytab.some((e) => e.enctype === encPart.etype && sameName(e.principal.name, service.name) && e.principal.realm === service.realm);
      reject(other ? KrbErrorCode.AP_ERR_BADKEYVER : KrbErrorCode.AP_ERR_NOKEY,
        `the keytab has no ${findEnctype(encPart.etype)?.name ?? `etype ${encPart.etype}`} key${encPart.kvno !== undefined ? ` version ${encPart.kvno}` : ""} for ${formatPrincipal(service)}`);
    }
    const ticket = this.decryptOr(() => decodeEncTicketPart(enctypeById(encPart.etype).decrypt(entry!.key, KeyUsage.KDC_REP_TICKET, encPart.cipher)), reject, "ticket");
    const sessionKey = ticket.key;
    const sessionEnctype = enctypeById(sessionKey.keytype);
    const auth: Authenticator = this.decryptOr(
      () => decodeAuthenticator(sessionEnctype.decrypt(sessionKey.keyvalue, KeyUsage.AP_REQ_AUTHENTICATOR, apReq.authenticator.cipher)),
      reject,
      "authenticator",
    );

    const client: Principal = { name: ticket.cname, realm: ticket.crealm };
    if (auth.crealm !== ticket.crealm || !sameName(auth.cname, ticket.cname)) {
      reject(KrbErrorCode.AP_ERR_BADMATCH, `authenticator names ${auth.cname.components.join("/")}@${auth.crealm}, the ticket ${formatPrincipal(client)}`);
    }
    const now = this.now();
    const clientTime = auth.ctime + Math.floor(auth.cusec / 1000);
    if (Math.abs(now - clientTime) > this.skewMs) {
      reject(KrbErrorCode.AP_ERR_SKEW, `client clock is ${Math.round((clientTime - now) / 1000)} s off`);
    }
    if ((ticket.starttime ?? ticket.authtime) - now > this.skewMs) reject(KrbErrorCode.AP_ERR_TKT_NYV, "ticket is not yet valid");
    if (now - ticket.endtime > this.skewMs) reject(KrbErrorCode.AP_ERR_TKT_EXPIRED, "ticket has expired");
    const replayId = `${formatPrincipal(client)}|${auth.ctime}|${auth.cusec}|${crypto.createHash("sha256").update(apReq.authenticator.cipher).digest("hex")}`;
    if (!this.replay.remember(replayId, now + 2 * this.skewMs, now)) reject(KrbErrorCode.AP_ERR_REPEAT, "authenticator was already used");

    if (!auth.cksum) reject(KrbErrorCode.AP_ERR_INAPP_CKSUM, "authenticator carries no GSS-API checksum");
    let gss;
    try {
      gss = parseGssChecksum(auth.cksum!);
    } catch (err) {
      return reject(KrbErrorCode.AP_ERR_INAPP_CKSUM, (err as Error).message);
    }
    const sentBindings = !gss.channelBindings.equals(Buffer.alloc(16));
    const expected = this.opts.expectedChannelBindings;
    if (expected && sentBindings && !gss.channelBindings.equals(expected)) {
      reject(KrbErrorCode.AP_ERR_INAPP_CKSUM, "channel bindings do not match this TLS connection");
    }
    if (expected && !sentBindings && this.opts.requireChannelBindings) reject(KrbErrorCode.AP_ERR_INAPP_CKSUM, "channel bindings are required");

    const mutual = (apReq.options & flagBit(ApOption.MUTUAL_REQUIRED)) !== 0 || (gss.flags & GssFlag.MUTUAL) !== 0;
    const initiatorKey: EncryptionKey = auth.subkey ?? sessionKey;
    // RFC 4121 acceptor subkey for AES contexts; rc4 contexts keep the initiator's key (as MIT does).
    const acceptorSubkey: EncryptionKey | undefined =
      mutual && initiatorKey.keytype !== Etype.RC4_HMAC ? { keytype: initiatorKey.keytype, keyvalue: enctypeById(initiatorKey.keytype).randomKey() } : undefined;
    const ourSeq = mutual ? crypto.randomBytes(4).readUInt32BE(0) & 0x3fffffff : auth.seqNumber ?? 0;
    let responseToken: Buffer | undefined;
    if (mutual) {
      const repPart = encodeEncApRepPart({ ctime: auth.ctime, cusec: auth.cusec, subkey: acceptorSubkey, seqNumber: ourSeq });
      responseToken = frameWithTokId(
        TokId.AP_REP,
        encodeApRep({ etype: sessionEnctype.id, cipher: sessionEnctype.encrypt(sessionKey.keyvalue, KeyUsage.AP_REP_ENC_PART, repPart) }),
      );
    }
    const contextKey = acceptorSubkey ?? initiatorKey;
    const session = openSession({
      role: "acceptor",
      key: contextKey.keyvalue,
      enctype: contextKey.keytype,
      acceptorSubkey: acceptorSubkey !== undefined,
      sendSeq: ourSeq,
      recvSeq: auth.seqNumber ?? 0,
    });
    return { responseToken, session, client, service, flags: gss.flags, ticket };
  }

  /** A GSS-framed KRB-ERROR for `code`, naming `service` when known. */
  errorToken(code: number, service?: Principal): Buffer {
    const now = this.now();
    return frameWithTokId(
      TokId.KRB_ERROR,
      encodeKrbError({
        stime: now,
        susec: (now % 1000) * 1000,
        errorCode: code,
        realm: service?.realm ?? "",
        sname: service?.name ?? { nameType: 0, components: [""] },
      }),
    );
  }

  private decryptOr<T>(fn: () => T, reject: (code: number, detail: string) => never, what: string): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof KerberosError && !(err instanceof ApReqRejectedError)) {
        return reject(KrbErrorCode.AP_ERR_BAD_INTEGRITY, `the ${what} does not decrypt with the keytab's key: ${err.message}`);
      }
      throw err;
    }
  }
}
