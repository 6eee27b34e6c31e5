// RFC 4121 per-message tokens for AES contexts ("CFX"): a 16-byte header
// (TOK_ID 05 04, flags, 0xFF, EC, RRC, 64-bit sequence number); sealed data is
// E(plaintext | EC filler bytes | header) under KG-USAGE-{INITIATOR,ACCEPTOR}-SEAL,
// rotated right by RRC bytes. For WinRM we wrap as MIT's gss_wrap_iov does with a header
// and a padding buffer but no trailer: EC = 0 and RRC = 16 + 12, which moves the
// encrypted header copy and the HMAC in front of the data, so the WinRM header is
// 16 + 28 + 16 (confounder) = 60 bytes and the data part is exactly as long as the
// plaintext.

import * as crypto from "node:crypto";
import { KeyUsage } from "../constants";
import { enctypeById, Enctype } from "../crypto";
import { KerberosIntegrityError, KerberosProtocolError } from "../errors";
import { TokId } from "./framing";
import type { GssSession, SessionKeys, WinrmWrapped } from "./session";

const HEADER = 16;
const CONFOUNDER = 16;
const FLAG_SENT_BY_ACCEPTOR = 0x01;
const FLAG_SEALED = 0x02;
const FLAG_ACCEPTOR_SUBKEY = 0x04;

function rotateRight(buf: Buffer, n: number): Buffer {
  if (buf.length === 0) return buf;
  const r = n % buf.length;
  return r === 0 ? buf : Buffer.concat([buf.subarray(buf.length - r), buf.subarray(0, buf.length - r)]);
}

function rotateLeft(buf: Buffer, n: number): Buffer {
  if (buf.length === 0) return buf;
  const r = n % buf.length;
  return r === 0 ? buf : Buffer.concat([buf.subarray(r), buf.subarray(0, r)]);
}

function writeSeq(buf: Buffer, offset: number, seq: number): void {
  buf.writeBigUInt64BE(BigInt(seq), offset);
}

export class CfxSession implements GssSession {
  readonly role;
  readonly enctype;
  private readonly e: Enctype;
  private readonly key: Buffer;
  private readonly acceptorSubkey: boolean;
  private sendSeq: number;
  private recvSeq: number;

  constructor(k: SessionKeys) {
    this.role = k.role;
    this.enctype = k.enctype;
    this.e = enctypeById(k.enctype);
    this.key = k.key;
    this.acceptorSubkey = k.acceptorSubkey;
    this.sendSeq = k.sendSeq;
    this.recvSeq = k.recvSeq;
  }

  private get sealUsage(): number {
    return this.role === "initiator" ? KeyUsage.GSS_INITIATOR_SEAL : KeyUsage.GSS_ACCEPTOR_SEAL;
  }
  private get peerSealUsage(): number {
    return this.role === "initiator" ? KeyUsage.GSS_ACCEPTOR_SEAL : KeyUsage.GSS_INITIATOR_SEAL;
  }
  private get signUsage(): number {
    return this.role === "initiator" ? KeyUsage.GSS_INITIATOR_SIGN : KeyUsage.GSS_ACCEPTOR_SIGN;
  }
  private get peerSignUsage(): number {
    return this.role === "initiator" ? KeyUsage.GSS_ACCEPTOR_SIGN : KeyUsage.GSS_INITIATOR_SIGN;
  }

  private flags(sealed: boolean): number {
    return (this.role === "acceptor" ? FLAG_SENT_BY_ACCEPTOR : 0) | (sealed ? FLAG_SEALED : 0) | (this.acceptorSubkey ? FLAG_ACCEPTOR_SUBKEY : 0);
  }

  private header(tokId: number, flags: number, ec: number, rrc: number, seq: number): Buffer {
    const h = Buffer.alloc(HEADER, 0xff);
    h.writeUInt16BE(tokId, 0);
    h[2] = flags;
    if (tokId === TokId.WRAP_CFX) {
      h.writeUInt16BE(ec, 4);
      h.writeUInt16BE(rrc, 6);
    }
    writeSeq(h, 8, seq);
    return h;
  }

  wrap(plain: Buffer, confidential = true, rrc = 0): Buffer {
    const seq = this.sendSeq++;
    if (confidential) {
      const ec = 0;
      const plainHeader = this.header(TokId.WRAP_CFX, this.flags(true), ec, 0, seq);
      const cipher = this.e.encrypt(this.key, this.sealUsage, Buffer.concat([plain, Buffer.alloc(ec, 0xff), plainHeader]));
      return Buffer.concat([this.header(TokId.WRAP_CFX, this.flags(true), ec, rrc, seq), rotateRight(cipher, rrc)]);
    }
    const ec = this.e.checksumLength;
    const plainHeader = this.header(TokId.WRAP_CFX, this.flags(false), 0, 0, seq);
    const checksum = this.e.checksum(this.key, this.signUsage, Buffer.concat([plain, plainHeader]));
    return Buffer.concat([this.header(TokId.WRAP_CFX, this.flags(false), ec, rrc, seq), rotateRight(Buffer.concat([plain, checksum]), rrc)]);
  }

  unwrap(token: Buffer): Buffer {
    if (token.length < HEADER) throw new KerberosProtocolError("GSS wrap token is shorter than its header");
    if (token.readUInt16BE(0) !== TokId.WRAP_CFX) {
      throw new KerberosProtocolError(`expected an RFC 4121 wrap token (05 04), got ${token.subarray(0, 2).toString("hex")}`);
    }
    const flags = token[2];
    this.checkFlags(flags);
    if (token[3] !== 0xff) throw new KerberosProtocolError("GSS wrap token filler byte is not 0xFF");
    const ec = token.readUInt16BE(4);
    const rrc = token.readUInt16BE(6);
    const seq = Number(token.readBigUInt64BE(8));
    const body = rotateLeft(token.subarray(HEADER), rrc);
    let plain: Buffer;
    if (flags & FLAG_SEALED) {
      const decrypted = this.e.decrypt(this.key, this.peerSealUsage, body);
      if (decrypted.length < ec + HEADER) throw new KerberosProtocolError("GSS wrap token is too short for its EC");
      const innerHeader = decrypted.subarray(decrypted.length - HEADER);
      const expected = Buffer.from(token.subarray(0, HEADER));
      expected.writeUInt16BE(0, 6); // the encrypted copy has RRC = 0
      if (!innerHeader.equals(expected)) throw new KerberosIntegrityError("GSS wrap token header does not match its encrypted copy");
      plain = decrypted.subarray(0, decrypted.length - ec - HEADER);
    } else {
      if (body.length < ec) throw new KerberosProtocolError("GSS wrap token is shorter than its checksum");
      plain = body.subarray(0, body.length - ec);
      const checksum = body.subarray(body.length - ec);
      const h = Buffer.from(token.subarray(0, HEADER));
      h.writeUInt16BE(0, 4);
      h.writeUInt16BE(0, 6);
      const expected = this.e.checksum(this.key, this.peerSignUsage, Buffer.concat([plain, h]));
      if (expected.length !== checksum.length || !crypto.timingSafeEqual(expected, checksum)) {
        throw new KerberosIntegrityError("GSS wrap token checksum does not verify");
      }
    }
    this.checkSeq(seq);
    return Buffer.from(plain);
  }

  wrapWinrm(plain: Buffer): WinrmWrapped {
    const trailer = HEADER + this.e.checksumLength; // encrypted header copy + HMAC
    const token = this.wrap(plain, true, trailer);
    const headerLength = HEADER + trailer + CONFOUNDER;
    return { header: token.subarray(0, headerLength), data: token.subarray(headerLength), paddingLength: 0 };
  }

  unwrapWinrm(header: Buffer, data: Buffer): Buffer {
    return this.unwrap(Buffer.concat([header, data]));
  }

  getMic(message: Buffer): Buffer {
    const h = this.header(TokId.MIC_CFX, this.flags(false), 0, 0, this.sendSeq++);
    return Buffer.concat([h, this.e.checksum(this.key, this.signUsage, Buffer.concat([message, h]))]);
  }

  verifyMic(message: Buffer, mic: Buffer): void {
    if (mic.length < HEADER || mic.readUInt16BE(0) !== TokId.MIC_CFX) throw new KerberosProtocolError("not an RFC 4121 MIC token");
    this.checkFlags(mic[2]);
    if (!mic.subarray(3, 8).equals(Buffer.alloc(5, 0xff))) throw new KerberosProtocolError("MIC token filler is not 0xFF");
    const h = mic.subarray(0, HEADER);
    const expected = this.e.checksum(this.key, this.peerSignUsage, Buffer.concat([message, h]));
    const got = mic.subarray(HEADER);
    if (got.length !== expected.length || !crypto.timingSafeEqual(got, expected)) throw new KerberosIntegrityError("GSS MIC does not verify");
    this.checkSeq(Number(mic.readBigUInt64BE(8)));
  }

  private checkFlags(flags: number): void {
    const fromAcceptor = (flags & FLAG_SENT_BY_ACCEPTOR) !== 0;
    if (fromAcceptor !== (this.role === "initiator")) {
      throw new KerberosIntegrityError("GSS token claims the wrong direction (a reflected message?)");
    }
    if (this.acceptorSubkey && !(flags & FLAG_ACCEPTOR_SUBKEY)) {
      throw new KerberosIntegrityError("GSS token is not under the acceptor subkey the context agreed on");
    }
  }

  private checkSeq(seq: number): void {
    if (seq !== this.recvSeq) {
      throw new KerberosIntegrityError(`GSS token sequence number ${seq} where ${this.recvSeq} was expected (replayed, lost or reordered message)`);
    }
    this.recvSeq++;
  }
}
