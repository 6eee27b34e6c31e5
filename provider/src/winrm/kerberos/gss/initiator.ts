// The initiator side of Kerberos context establishment (RFC 4121 4.1): an AP-REQ with
// mutual authentication required, an authenticator carrying our subkey, an initial
// sequence number and the GSS checksum (channel bindings + flags); then the acceptor's
// AP-REP is verified (it must echo our authenticator's time, under the ticket's session
// key) before any message is protected. A KRB-ERROR token from the acceptor becomes the
// matching typed error.

import * as crypto from "node:crypto";
import { flagBit } from "../asn1";
import { ApOption, GssFlag, KeyUsage } from "../constants";
import { enctypeById } from "../crypto";
import { errorFromKrbError, KerberosIntegrityError, KerberosProtocolError } from "../errors";
import type { Credential } from "../kdc-client";
import { decodeApRep, decodeEncApRepPart, decodeKrbError, encodeApReq, encodeAuthenticator, EncryptionKey } from "../messages";
import { formatPrincipal } from "../principal";
import { gssChecksum } from "./authenticator-checksum";
import { frameWithTokId, TokId, unframeToken } from "./framing";
import { openSession } from "./open-session";
import type { GssSession } from "./session";

export interface KerberosInitiatorOptions {
  /** A service ticket for the acceptor and its session key. */
  credential: Credential;
  /** MD5 of the channel bindings (ntlm/channel-bindings channelBindingsHash) over HTTPS. */
  channelBindings?: Buffer;
  /** Clock (ms since epoch); tests move it to simulate skew. */
  now?: () => number;
}

/** Flags we ask for: mutual authentication, replay and sequence detection, confidentiality, integrity. */
export const INITIATOR_FLAGS = GssFlag.MUTUAL | GssFlag.REPLAY | GssFlag.SEQUENCE | GssFlag.CONF | GssFlag.INTEG;

export class KerberosInitiator {
  private readonly now: () => number;
  private readonly subkey: EncryptionKey;
  private readonly seq: number;
  private ctime = 0;
  private cusec = 0;
  private session?: GssSession;

  constructor(private readonly opts: KerberosInitiatorOptions) {
    this.now = opts.now ?? Date.now;
    const e = enctypeById(opts.credential.sessionKey.keytype);
    this.subkey = { keytype: e.id, keyvalue: e.randomKey() };
    // Below 2^30, as MIT does, for peers that treat sequence numbers as signed.
    this.seq = crypto.randomBytes(4).readUInt32BE(0) & 0x3fffffff;
  }

  /** The first context token: GSS-framed AP-REQ. */
  initialToken(): Buffer {
    const cred = this.opts.credential;
    const e = enctypeById(cred.sessionKey.keytype);
    const t = this.now();
    this.ctime = Math.floor(t / 1000) * 1000;
    this.cusec = (t % 1000) * 1000 + crypto.randomInt(1000);
    const authenticator = encodeAuthenticator({
      crealm: cred.client.realm,
      cname: cred.client.name,
      cksum: gssChecksum(INITIATOR_FLAGS, this.opts.channelBindings),
      ctime: this.ctime,
      cusec: this.cusec,
      subkey: this.subkey,
      seqNumber: this.seq,
    });
    const apReq = encodeApReq({
      options: flagBit(ApOption.MUTUAL_REQUIRED),
      ticket: cred.ticket,
      authenticator: { etype: e.id, cipher: e.encrypt(cred.sessionKey.keyvalue, KeyUsage.AP_REQ_AUTHENTICATOR, authenticator) },
    });
    return frameWithTokId(TokId.AP_REQ, apReq);
  }

  /** Verify the acceptor's reply token (AP-REP, or KRB-ERROR) and return the established session. */
  complete(token: Buffer): GssSession {
    if (this.session) throw new KerberosProtocolError("Kerberos context is already established");
    const cred = this.opts.credential;
    const { tokId, inner } = unframeToken(token);
    if (tokId === TokId.KRB_ERROR) {
      const err = decodeKrbError(inner);
      throw errorFromKrbError(
        { errorCode: err.errorCode, eText: err.eText, serverTime: err.stime + Math.floor(err.susec / 1000), realm: err.realm },
        { exchange: "AP", client: formatPrincipal(cred.client), target: formatPrincipal(cred.server), localTime: this.now() },
      );
    }
    if (tokId !== TokId.AP_REP) throw new KerberosProtocolError(`expected an AP-REP token, got TOK_ID ${tokId.toString(16).padStart(4, "0")}`);
    const encPart = decodeApRep(inner);
    const e = enctypeById(encPart.etype);
    let part;
    try {
      part = decodeEncApRepPart(e.decrypt(cred.sessionKey.keyvalue, KeyUsage.AP_REP_ENC_PART, encPart.cipher));
    } catch (err) {
      if (err instanceof KerberosIntegrityError) {
        throw new KerberosIntegrityError("the server's AP-REP does not decrypt under the ticket's session key: mutual authentication failed (is it really the server?)");
      }
      throw err;
    }
    if (part.ctime !== this.ctime || part.cusec !== this.cusec) {
      throw new KerberosIntegrityError("the server's AP-REP does not echo our authenticator's time: mutual authentication failed");
    }
    const key = part.subkey ?? this.subkey;
    this.session = openSession({
      role: "initiator",
      key: key.keyvalue,
      enctype: key.keytype,
      acceptorSubkey: part.subkey !== undefined,
      sendSeq: this.seq,
      recvSeq: part.seqNumber ?? this.seq,
    });
    return this.session;
  }
}
