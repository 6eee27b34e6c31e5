// RFC 4757 section 7 per-message tokens for rc4-hmac contexts (the RFC 1964 token layout
// with Microsoft's algorithms), framed like context tokens:
//   TOK_ID (02 01 wrap, 01 01 MIC) | SGN_ALG 11 00 (HMAC-MD5) | SEAL_ALG 10 00 (RC4) or
//   FF FF | FF FF | SND_SEQ (8, encrypted) | SGN_CKSUM (8) | confounder (8, wrap only)
// followed by the RC4-encrypted data and one padding byte (0x01). WinRM's header is
// everything before the data; its data part carries the padding byte (paddingLength 1).

import * as crypto from "node:crypto";
import { rc4Once, Rc4 } from "../../crypto/rc4";
import { KerberosIntegrityError, KerberosProtocolError } from "../errors";
import { hmacMd5 } from "../crypto/rc4-hmac";
import { frameToken, TokId, unframeToken } from "./framing";
import type { GssSession, SessionKeys, WinrmWrapped } from "./session";

const SGN_ALG_HMAC_MD5 = 0x1100;
const SEAL_ALG_RC4 = 0x1000;
const SEAL_ALG_NONE = 0xffff;
/** RFC 4757 7.3: the checksum salts for wrap and MIC tokens. */
const USAGE_SEAL = 13;
const USAGE_SIGN = 15;
const HEADER = 24; // TOK_ID .. SGN_CKSUM
const CONFOUNDER = 8;

function le32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

export class Rc4Session implements GssSession {
  readonly role;
  readonly enctype;
  private readonly key: Buffer;
  private sendSeq: number;
  private recvSeq: number;

  constructor(k: SessionKeys) {
    this.role = k.role;
    this.enctype = k.enctype;
    this.key = k.key;
    this.sendSeq = k.sendSeq;
    this.recvSeq = k.recvSeq;
  }

  /** SGN_CKSUM: HMAC-MD5 under the signing key of MD5(usage | header[0..8] | body), cut to 8 bytes. */
  private checksum(usage: number, head8: Buffer, body: Buffer): Buffer {
    const ksign = hmacMd5(this.key, Buffer.from("signaturekey\0", "latin1"));
    const md5 = crypto.createHash("md5").update(le32(usage)).update(head8).update(body).digest();
    return hmacMd5(ksign, md5).subarray(0, 8);
  }

  /** The RC4 key for the sequence number, keyed by the token's checksum. */
  private seqKey(cksum: Buffer): Buffer {
    return hmacMd5(hmacMd5(this.key, le32(0)), cksum);
  }

  /** The RC4 key for the data: the context key XOR 0xF0, keyed by the sequence number. */
  private dataKey(seqNumber: Buffer): Buffer {
    const local = Buffer.from(this.key.map((b) => b ^ 0xf0));
    return hmacMd5(hmacMd5(local, le32(0)), seqNumber.subarray(0, 4));
  }

  private seqBytes(seq: number, fromAcceptor: boolean): Buffer {
    const b = Buffer.alloc(8, fromAcceptor ? 0xff : 0x00);
    b.writeUInt32BE(seq >>> 0, 0);
    return b;
  }

  private head8(tokId: number, sealAlg: number): Buffer {
    const h = Buffer.alloc(8, 0xff);
    h.writeUInt16BE(tokId, 0);
    h.writeUInt16BE(SGN_ALG_HMAC_MD5, 2);
    if (tokId === TokId.WRAP_V1) h.writeUInt16BE(sealAlg, 4);
    return h;
  }

  wrap(plain: Buffer, confidential = true): Buffer {
    const head8 = this.head8(TokId.WRAP_V1, confidential ? SEAL_ALG_RC4 : SEAL_ALG_NONE);
    const seq = this.seqBytes(this.sendSeq++, this.role === "acceptor");
    const confounder = crypto.randomBytes(CONFOUNDER);
    const body = Buffer.concat([confounder, plain, Buffer.from([1])]); // one byte of padding, value 1
    const cksum = this.checksum(USAGE_SEAL, head8, body);
    const encSeq = rc4Once(this.seqKey(cksum), seq);
    const sealed = confidential ? rc4Once(this.dataKey(seq), body) : body;
    return frameToken(Buffer.concat([head8, encSeq, cksum, sealed]));
  }

  unwrap(token: Buffer): Buffer {
    const { tokId, inner } = unframeToken(token);
    if (tokId !== TokId.WRAP_V1) throw new KerberosProtocolError(`expected an RFC 4757 wrap token (02 01), got ${tokId.toString(16).padStart(4, "0")}`);
    const t = Buffer.concat([Buffer.from([0x02, 0x01]), inner]);
    if (t.length < HEADER + CONFOUNDER + 1) throw new KerberosProtocolError("RFC 4757 wrap token is too short");
    if (t.readUInt16BE(2) !== SGN_ALG_HMAC_MD5) throw new KerberosProtocolError("RFC 4757 wrap token does not use HMAC-MD5");
    const sealAlg = t.readUInt16BE(4);
    if (sealAlg !== SEAL_ALG_RC4 && sealAlg !== SEAL_ALG_NONE) throw new KerberosProtocolError(`unknown SEAL_ALG ${sealAlg.toString(16)}`);
    if (t.readUInt16BE(6) !== 0xffff) throw new KerberosProtocolError("RFC 4757 wrap token filler is not 0xFFFF");
    const cksum = t.subarray(16, 24);
    const seq = this.openSeq(t.subarray(8, 16), cksum);
    const sealed = t.subarray(HEADER);
    const body = sealAlg === SEAL_ALG_RC4 ? rc4Once(this.dataKey(seq), sealed) : Buffer.from(sealed);
    const expected = this.checksum(USAGE_SEAL, t.subarray(0, 8), body);
    if (!crypto.timingSafeEqual(expected, cksum)) throw new KerberosIntegrityError("RFC 4757 wrap token checksum does not verify");
    const pad = body[body.length - 1];
    if (pad < 1 || pad > 8 || body.length < CONFOUNDER + pad) throw new KerberosIntegrityError("RFC 4757 wrap token has bad padding");
    this.checkSeq(seq);
    return body.subarray(CONFOUNDER, body.length - pad);
  }

  wrapWinrm(plain: Buffer): WinrmWrapped {
    const token = this.wrap(plain);
    const dataLength = plain.length + 1;
    return { header: token.subarray(0, token.length - dataLength), data: token.subarray(token.length - dataLength), paddingLength: 1 };
  }

  unwrapWinrm(header: Buffer, data: Buffer): Buffer {
    return this.unwrap(Buffer.concat([header, data]));
  }

  getMic(message: Buffer): Buffer {
    const head8 = this.head8(TokId.MIC_V1, SEAL_ALG_NONE);
    const seq = this.seqBytes(this.sendSeq++, this.role === "acceptor");
    const cksum = this.checksum(USAGE_SIGN, head8, message);
    return frameToken(Buffer.concat([head8, rc4Once(this.seqKey(cksum), seq), cksum]));
  }

  verifyMic(message: Buffer, mic: Buffer): void {
    const { tokId, inner } = unframeToken(mic);
    if (tokId !== TokId.MIC_V1 || inner.length !== HEADER - 2) throw new KerberosProtocolError("not an RFC 4757 MIC token");
    const t = Buffer.concat([Buffer.from([0x01, 0x01]), inner]);
    const cksum = t.subarray(16, 24);
    if (!crypto.timingSafeEqual(this.checksum(USAGE_SIGN, t.subarray(0, 8), message), cksum)) throw new KerberosIntegrityError("GSS MIC does not verify");
    this.checkSeq(this.openSeq(t.subarray(8, 16), cksum));
  }

  /** Decrypt SND_SEQ and check its direction bytes; returns the 8 plaintext bytes. */
  private openSeq(encSeq: Buffer, cksum: Buffer): Buffer {
    const seq = new Rc4(this.seqKey(cksum)).update(encSeq);
    const fromAcceptor = this.role === "initiator";
    if (!seq.subarray(4).equals(Buffer.alloc(4, fromAcceptor ? 0xff : 0x00))) {
      throw new KerberosIntegrityError("GSS token claims the wrong direction (a reflected message?)");
    }
    return seq;
  }

  private checkSeq(seq: Buffer): void {
    const n = seq.readUInt32BE(0);
    if (n !== this.recvSeq >>> 0) {
      throw new KerberosIntegrityError(`GSS token sequence number ${n} where ${this.recvSeq >>> 0} was expected (replayed, lost or reordered message)`);
    }
    this.recvSeq++;
  }
}
