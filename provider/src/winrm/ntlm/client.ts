// Client (initiator) side of NTLMv2 authentication, behaving like a current Windows client:
// NTLMv2 responses only, extended session security, 128-bit key exchange, and a MIC plus
// MsvAvFlags whenever the server supplied MsvAvTimestamp (MS-NLMP 3.1.5.1.2).

import { randomBytes } from "node:crypto";
import { rc4Once } from "../crypto/rc4";
import { AV_FLAG_MIC_PRESENT, AvId, CLIENT_NEGOTIATE_FLAGS, Flag } from "./constants";
import { AvPair, avString, decodeAvPairs, encodeAvPairs, findAv } from "./av-pairs";
import { NtlmIntegrityError, NtlmMessageError } from "./errors";
import {
  buildClientBlob,
  computeMic,
  fileTime,
  lmv2Response,
  ntowfv2,
  ntProofStr,
  sessionBaseKey,
} from "./keys";
import { AUTH_MIC_OFFSET, decodeChallenge, encodeAuthenticate, encodeNegotiate } from "./messages";
import { NtlmSecuritySession, NtlmSession } from "./session";

export interface NtlmClientOptions {
  /** "user", "DOMAIN\\user" (split when `domain` is not given) or "user@dns.domain" (sent as is). */
  username: string;
  password: string;
  domain?: string;
  workstation?: string;
  /** Test seams: deterministic randomness and clock (client challenge, session key, timestamp). */
  random?: (size: number) => Buffer;
  now?: () => Date;
}

export interface NtlmAuthenticateOptions {
  /** MsvAvChannelBindings value (see channelBindingsHash) for HTTPS; zeros are sent when absent. */
  channelBindingsHash?: Buffer;
  /** Optional SPN for MsvAvTargetName, e.g. "HTTP/host.example". */
  targetName?: string;
}

/**
 * Splits "DOMAIN\\user" at the first backslash (".\\admin" gives domain "."; "\\admin"
 * an empty domain); "user@dns.domain" (a UPN) and a bare "user" stay whole, with no domain.
 */
export function splitUsername(username: string): { domain: string; user: string } {
  const slash = username.indexOf("\\");
  if (slash < 0) return { domain: "", user: username };
  return { domain: username.slice(0, slash), user: username.slice(slash + 1) };
}

/**
 * Every message after the handshake is sealed with keys from this exchange, so a
 * challenge that drops 128-bit keys (leaving 56 or 40 bits) or key exchange (leaving
 * keys derived from the password hash alone) is a downgrade. Windows refuses the
 * first by default (NTLMMinClientSec, "Require 128-bit encryption"); we refuse both,
 * which every Windows server since Vista offers.
 */
function refuseWeakKeys(flags: number): void {
  const missing = [
    [Flag.NEGOTIATE_128, "NEGOTIATE_128"],
    [Flag.KEY_EXCH, "KEY_EXCH"],
  ].filter(([flag]) => !(flags & (flag as number))).map(([, name]) => name);
  if (missing.length > 0) {
    throw new NtlmIntegrityError(
      `the server's NTLM challenge lacks ${missing.join(" and ")}: refusing to seal messages without 128-bit ` +
        `keys and key exchange (a downgrade; Windows' default NTLMMinClientSec also requires 128-bit encryption)`,
    );
  }
}

export class NtlmClient {
  private readonly user: string;
  private readonly domain: string;
  private readonly workstation: string;
  private readonly password: string;
  private readonly random: (size: number) => Buffer;
  private readonly now: () => Date;
  private negotiateMessage?: Buffer;

  constructor(opts: NtlmClientOptions) {
    const split = opts.domain === undefined ? splitUsername(opts.username) : { domain: opts.domain, user: opts.username };
    this.user = split.user;
    this.domain = split.domain;
    this.workstation = opts.workstation ?? "";
    this.password = opts.password;
    this.random = opts.random ?? randomBytes;
    this.now = opts.now ?? (() => new Date());
  }

  negotiate(): Buffer {
    // Domain/workstation are not volunteered here (as Windows does): they go in AUTHENTICATE.
    this.negotiateMessage = encodeNegotiate({ flags: CLIENT_NEGOTIATE_FLAGS, domain: "", workstation: "" });
    return this.negotiateMessage;
  }

  authenticate(challengeBytes: Buffer, opts: NtlmAuthenticateOptions = {}): { message: Buffer; session: NtlmSession } {
    const negotiateMessage = this.negotiateMessage ?? this.negotiate();
    const challenge = decodeChallenge(challengeBytes);
    if (!(challenge.flags & Flag.EXTENDED_SESSIONSECURITY)) {
      throw new NtlmMessageError("server did not offer NTLM extended session security");
    }
    refuseWeakKeys(challenge.flags);
    // Negotiated flags: what we asked for that the server also set. Character set is
    // whichever the server chose.
    let flags = (CLIENT_NEGOTIATE_FLAGS & challenge.flags) >>> 0;
    flags &= ~(Flag.UNICODE | Flag.OEM);
    flags |= challenge.flags & Flag.UNICODE ? Flag.UNICODE : Flag.OEM;
    flags >>>= 0;

    const serverPairs = challenge.targetInfo.length ? decodeAvPairs(challenge.targetInfo) : [];
    const serverTimestamp = findAv(serverPairs, AvId.Timestamp);
    const withMic = serverTimestamp !== undefined;
    const timestamp = serverTimestamp ?? fileTime(this.now());
    const clientPairs = this.clientAvPairs(serverPairs, withMic, opts);

    const clientChallenge = this.random(8);
    const responseKey = ntowfv2(this.password, this.user, this.domain);
    const blob = buildClientBlob(timestamp, clientChallenge, encodeAvPairs(clientPairs));
    const proof = ntProofStr(responseKey, challenge.serverChallenge, blob);
    const ntResponse = Buffer.concat([proof, blob]);
    // With MsvAvTimestamp the client MUST send an all-zero LM response (MS-NLMP 3.1.5.1.2).
    const lmResponse = withMic ? Buffer.alloc(24) : lmv2Response(responseKey, challenge.serverChallenge, clientChallenge);

    // For NTLMv2, KXKEY is the session base key itself.
    const keyExchangeKey = sessionBaseKey(responseKey, proof);
    let exportedSessionKey = keyExchangeKey;
    let encryptedRandomSessionKey: Buffer = Buffer.alloc(0);
    if (flags & Flag.KEY_EXCH) {
      exportedSessionKey = this.random(16);
      encryptedRandomSessionKey = rc4Once(keyExchangeKey, exportedSessionKey);
    }

    const message = encodeAuthenticate({
      flags,
      lmChallengeResponse: lmResponse,
      ntChallengeResponse: ntResponse,
      domain: this.domain,
      user: this.user,
      workstation: this.workstation,
      encryptedRandomSessionKey,
    });
    if (withMic) {
      computeMic(exportedSessionKey, negotiateMessage, challengeBytes, message).copy(message, AUTH_MIC_OFFSET);
    }
    return { message, session: new NtlmSecuritySession(exportedSessionKey, flags, "client") };
  }

  /** The server's AV pairs plus our MsvAvFlags / channel bindings / target name. */
  private clientAvPairs(serverPairs: AvPair[], withMic: boolean, opts: NtlmAuthenticateOptions): AvPair[] {
    const replaced = new Set<number>([AvId.Flags, AvId.ChannelBindings, AvId.TargetName]);
    const pairs = serverPairs.filter((p) => !replaced.has(p.id));
    const serverFlags = findAv(serverPairs, AvId.Flags);
    let avFlags = serverFlags && serverFlags.length >= 4 ? serverFlags.readUInt32LE(0) : 0;
    if (withMic) avFlags |= AV_FLAG_MIC_PRESENT;
    if (avFlags) {
      const v = Buffer.alloc(4);
      v.writeUInt32LE(avFlags >>> 0);
      pairs.push({ id: AvId.Flags, value: v });
    }
    const cbt = opts.channelBindingsHash ?? Buffer.alloc(16);
    if (cbt.length !== 16) throw new RangeError("channelBindingsHash must be 16 bytes");
    pairs.push({ id: AvId.ChannelBindings, value: cbt });
    if (opts.targetName) pairs.push({ id: AvId.TargetName, value: avString(opts.targetName) });
    return pairs;
  }
}
