// Encode/decode of the three NTLM messages (MS-NLMP 2.2.1). Pure byte layout: no
// cryptography here. Every decoder validates signature, type and field bounds and throws
// NtlmMessageError on anything malformed, so peers can't crash us with junk.

import { Flag, MessageType, NTLMSSP_SIGNATURE, OUR_VERSION } from "./constants";
import { NtlmMessageError } from "./errors";

export interface NegotiateMessage {
  flags: number;
  /** OEM domain / workstation the client volunteered (usually empty). */
  domain: string;
  workstation: string;
  version?: Buffer;
}

export interface ChallengeMessage {
  flags: number;
  targetName: string;
  serverChallenge: Buffer; // 8 bytes
  /** Raw AV_PAIR list bytes (kept raw: the client copies it into its NTLMv2 response). */
  targetInfo: Buffer;
  version?: Buffer;
}

export interface AuthenticateMessage {
  flags: number;
  lmChallengeResponse: Buffer;
  ntChallengeResponse: Buffer;
  domain: string;
  user: string;
  workstation: string;
  encryptedRandomSessionKey: Buffer;
  version?: Buffer;
  /** 16-byte MIC, when the message layout has room for one (header of 88 bytes). */
  mic?: Buffer;
}

/** Byte offset of the MIC inside AUTHENTICATE_MESSAGE (after the 8-byte VERSION). */
export const AUTH_MIC_OFFSET = 72;
const AUTH_HEADER_WITH_MIC = 88;
const AUTH_HEADER_WITH_VERSION = 72;
const AUTH_HEADER_MIN = 64;
const CHALLENGE_HEADER = 56;
const CHALLENGE_HEADER_MIN = 48;
const NEGOTIATE_HEADER = 40;
const NEGOTIATE_HEADER_MIN = 32;

function encodeString(value: string, unicode: boolean): Buffer {
  return Buffer.from(value, unicode ? "utf16le" : "latin1");
}

function decodeString(value: Buffer, unicode: boolean): string {
  return value.toString(unicode ? "utf16le" : "latin1");
}

/** Writes payload fields (len, maxlen, offset) and appends payloads after a fixed header. */
class PayloadWriter {
  private readonly chunks: Buffer[] = [];
  private offset: number;
  constructor(private readonly header: Buffer) {
    this.offset = header.length;
  }
  field(at: number, data: Buffer): void {
    this.header.writeUInt16LE(data.length, at);
    this.header.writeUInt16LE(data.length, at + 2);
    this.header.writeUInt32LE(this.offset, at + 4);
    this.chunks.push(data);
    this.offset += data.length;
  }
  finish(): Buffer {
    return Buffer.concat([this.header, ...this.chunks]);
  }
}

function checkHeader(msg: Buffer, type: number, minLength: number, what: string): void {
  if (msg.length < minLength) throw new NtlmMessageError(`${what} is too short (${msg.length} bytes)`);
  if (!msg.subarray(0, 8).equals(NTLMSSP_SIGNATURE)) throw new NtlmMessageError(`${what} lacks the NTLMSSP signature`);
  const actual = msg.readUInt32LE(8);
  if (actual !== type) throw new NtlmMessageError(`expected NTLM message type ${type} (${what}), got ${actual}`);
}

/** Reads a (len, maxlen, offset) field; empty fields may carry any offset. */
function readField(msg: Buffer, at: number, what: string): { data: Buffer; offset: number } {
  const len = msg.readUInt16LE(at);
  const offset = msg.readUInt32LE(at + 4);
  if (len === 0) return { data: Buffer.alloc(0), offset };
  if (offset + len > msg.length) throw new NtlmMessageError(`${what} field overruns the message`);
  return { data: Buffer.from(msg.subarray(offset, offset + len)), offset };
}

export function encodeNegotiate(m: NegotiateMessage): Buffer {
  let flags = m.flags;
  const domain = Buffer.from(m.domain, "latin1");
  const workstation = Buffer.from(m.workstation, "latin1");
  if (domain.length) flags |= Flag.OEM_DOMAIN_SUPPLIED;
  if (workstation.length) flags |= Flag.OEM_WORKSTATION_SUPPLIED;
  const header = Buffer.alloc(NEGOTIATE_HEADER);
  NTLMSSP_SIGNATURE.copy(header, 0);
  header.writeUInt32LE(MessageType.NEGOTIATE, 8);
  header.writeUInt32LE(flags >>> 0, 12);
  (m.version ?? OUR_VERSION).copy(header, 32);
  const w = new PayloadWriter(header);
  w.field(16, domain);
  w.field(24, workstation);
  return w.finish();
}

export function decodeNegotiate(msg: Buffer): NegotiateMessage {
  checkHeader(msg, MessageType.NEGOTIATE, NEGOTIATE_HEADER_MIN, "NEGOTIATE_MESSAGE");
  const flags = msg.readUInt32LE(12);
  const domain = readField(msg, 16, "DomainName").data.toString("latin1");
  const workstation = readField(msg, 24, "Workstation").data.toString("latin1");
  const version = flags & Flag.VERSION && msg.length >= NEGOTIATE_HEADER ? Buffer.from(msg.subarray(32, 40)) : undefined;
  return { flags, domain, workstation, version };
}

export function encodeChallenge(m: ChallengeMessage): Buffer {
  if (m.serverChallenge.length !== 8) throw new RangeError("server challenge must be 8 bytes");
  const header = Buffer.alloc(CHALLENGE_HEADER);
  NTLMSSP_SIGNATURE.copy(header, 0);
  header.writeUInt32LE(MessageType.CHALLENGE, 8);
  header.writeUInt32LE(m.flags >>> 0, 20);
  m.serverChallenge.copy(header, 24);
  (m.version ?? OUR_VERSION).copy(header, 48);
  const w = new PayloadWriter(header);
  w.field(12, encodeString(m.targetName, (m.flags & Flag.UNICODE) !== 0));
  w.field(40, m.targetInfo);
  return w.finish();
}

export function decodeChallenge(msg: Buffer): ChallengeMessage {
  checkHeader(msg, MessageType.CHALLENGE, CHALLENGE_HEADER_MIN, "CHALLENGE_MESSAGE");
  const flags = msg.readUInt32LE(20);
  const unicode = (flags & Flag.UNICODE) !== 0;
  const targetName = decodeString(readField(msg, 12, "TargetName").data, unicode);
  const serverChallenge = Buffer.from(msg.subarray(24, 32));
  const targetInfo = readField(msg, 40, "TargetInfo").data;
  const version = flags & Flag.VERSION && msg.length >= CHALLENGE_HEADER ? Buffer.from(msg.subarray(48, 56)) : undefined;
  return { flags, targetName, serverChallenge, targetInfo, version };
}

/**
 * Encode an AUTHENTICATE_MESSAGE. The header always has room for VERSION and MIC (88
 * bytes) as Windows does; `mic` defaults to zeros so the caller can compute it over this
 * very encoding and patch it in at AUTH_MIC_OFFSET.
 */
export function encodeAuthenticate(m: AuthenticateMessage): Buffer {
  const unicode = (m.flags & Flag.UNICODE) !== 0;
  const header = Buffer.alloc(AUTH_HEADER_WITH_MIC);
  NTLMSSP_SIGNATURE.copy(header, 0);
  header.writeUInt32LE(MessageType.AUTHENTICATE, 8);
  header.writeUInt32LE(m.flags >>> 0, 60);
  (m.version ?? OUR_VERSION).copy(header, 64);
  (m.mic ?? Buffer.alloc(16)).copy(header, AUTH_MIC_OFFSET);
  const w = new PayloadWriter(header);
  // Payload order as Windows lays it out: names first, then responses, then the key.
  w.field(28, encodeString(m.domain, unicode));
  w.field(36, encodeString(m.user, unicode));
  w.field(44, encodeString(m.workstation, unicode));
  w.field(12, m.lmChallengeResponse);
  w.field(20, m.ntChallengeResponse);
  w.field(52, m.encryptedRandomSessionKey);
  return w.finish();
}

export function decodeAuthenticate(msg: Buffer): AuthenticateMessage {
  checkHeader(msg, MessageType.AUTHENTICATE, AUTH_HEADER_MIN, "AUTHENTICATE_MESSAGE");
  const flags = msg.readUInt32LE(60);
  const unicode = (flags & Flag.UNICODE) !== 0;
  const fields = {
    lm: readField(msg, 12, "LmChallengeResponse"),
    nt: readField(msg, 20, "NtChallengeResponse"),
    domain: readField(msg, 28, "DomainName"),
    user: readField(msg, 36, "UserName"),
    workstation: readField(msg, 44, "Workstation"),
    key: readField(msg, 52, "EncryptedRandomSessionKey"),
  };
  // The header length isn't stated explicitly; the first payload byte tells us whether
  // the optional VERSION and MIC fields are present.
  const payloadStart = Math.min(
    msg.length,
    ...Object.values(fields)
      .filter((f) => f.data.length > 0)
      .map((f) => f.offset),
  );
  const version = payloadStart >= AUTH_HEADER_WITH_VERSION ? Buffer.from(msg.subarray(64, 72)) : undefined;
  const mic = payloadStart >= AUTH_HEADER_WITH_MIC ? Buffer.from(msg.subarray(AUTH_MIC_OFFSET, AUTH_HEADER_WITH_MIC)) : undefined;
  return {
    flags,
    lmChallengeResponse: fields.lm.data,
    ntChallengeResponse: fields.nt.data,
    domain: decodeString(fields.domain.data, unicode),
    user: decodeString(fields.user.data, unicode),
    workstation: decodeString(fields.workstation.data, unicode),
    encryptedRandomSessionKey: fields.key.data,
    version,
    mic,
  };
}
