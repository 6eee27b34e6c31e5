// Server (acceptor) side of NTLMv2 authentication, as the simulated Windows host runs it.
// One instance per authentication attempt: challenge() then authenticate(), exactly once.

import { randomBytes, timingSafeEqual } from "node:crypto";
import { rc4Once } from "../crypto/rc4";
import { AV_FLAG_MIC_PRESENT, AvId, Flag } from "./constants";
import { AvPair, avString, decodeAvPairs, encodeAvPairs, findAv } from "./av-pairs";
import { NtlmAuthError, NtlmMessageError } from "./errors";
import { computeMic, fileTime, hmacMd5, ntowfv2, parseClientBlob, sessionBaseKey } from "./keys";
import { AUTH_MIC_OFFSET, decodeAuthenticate, decodeNegotiate, encodeChallenge } from "./messages";
import { NtlmSecuritySession, NtlmSession } from "./session";

export interface NtlmServerIdentity {
  netbiosDomain: string;
  netbiosComputer: string;
  dnsDomain: string;
  dnsComputer: string;
}

export interface NtlmServerOptions {
  identity: NtlmServerIdentity;
  /** Password for a user as named in the AUTHENTICATE_MESSAGE; undefined = unknown user. */
  lookupPassword: (user: string, domain: string) => string | undefined;
  now?: () => Date;
  /** MsvAvChannelBindings the client must present (HTTPS). Clients sending none/zeros are accepted. */
  expectedChannelBindingsHash?: Buffer;
  /** Test seam for the server challenge. */
  random?: (size: number) => Buffer;
}

// Flags the client may ask for that we echo back when requested.
const ECHOED_FLAGS =
  Flag.SIGN | Flag.SEAL | Flag.KEY_EXCH | Flag.NEGOTIATE_128 | Flag.NEGOTIATE_56 | Flag.EXTENDED_SESSIONSECURITY | Flag.IDENTIFY;

export class NtlmServer {
  private readonly opts: NtlmServerOptions;
  private negotiateMessage?: Buffer;
  private challengeMessage?: Buffer;
  private serverChallenge?: Buffer;
  private done = false;

  constructor(opts: NtlmServerOptions) {
    this.opts = opts;
  }

  challenge(negotiate: Buffer): Buffer {
    if (this.challengeMessage) throw new NtlmMessageError("this NTLM exchange already sent its challenge");
    const neg = decodeNegotiate(negotiate);
    const id = this.opts.identity;
    const unicode = (neg.flags & Flag.UNICODE) !== 0;
    const isDomainMember = id.netbiosDomain.toUpperCase() !== id.netbiosComputer.toUpperCase();
    const flags =
      ((neg.flags & ECHOED_FLAGS) |
        (unicode ? Flag.UNICODE : Flag.OEM) |
        (neg.flags & Flag.REQUEST_TARGET) |
        Flag.NTLM |
        Flag.ALWAYS_SIGN |
        (isDomainMember ? Flag.TARGET_TYPE_DOMAIN : Flag.TARGET_TYPE_SERVER) |
        Flag.TARGET_INFO |
        Flag.VERSION) >>>
      0;
    const now = (this.opts.now ?? (() => new Date()))();
    const targetInfo: AvPair[] = [
      { id: AvId.NbDomainName, value: avString(id.netbiosDomain) },
      { id: AvId.NbComputerName, value: avString(id.netbiosComputer) },
      { id: AvId.DnsDomainName, value: avString(id.dnsDomain) },
      { id: AvId.DnsComputerName, value: avString(id.dnsComputer) },
      { id: AvId.DnsTreeName, value: avString(id.dnsDomain) },
      { id: AvId.Timestamp, value: fileTime(now) },
    ];
    this.serverChallenge = (this.opts.random ?? randomBytes)(8);
    this.negotiateMessage = Buffer.from(negotiate);
    this.challengeMessage = encodeChallenge({
      flags,
      targetName: isDomainMember ? id.netbiosDomain : id.netbiosComputer,
      serverChallenge: this.serverChallenge,
      targetInfo: encodeAvPairs(targetInfo),
    });
    return this.challengeMessage;
  }

  authenticate(message: Buffer): { user: string; domain: string; session: NtlmSession } {
    if (!this.challengeMessage || !this.serverChallenge || !this.negotiateMessage) {
      throw new NtlmMessageError("AUTHENTICATE_MESSAGE received before any challenge was sent");
    }
    if (this.done) throw new NtlmMessageError("this NTLM exchange has already completed");
    this.done = true;

    const auth = decodeAuthenticate(message);
    // The names are peer-controlled: keep them printable and short before they reach logs.
    const who = `${auth.domain ? auth.domain + "\\" : ""}${auth.user}`.replace(/[^\x20-\x7e\u00a0-\uffff]/g, "?").slice(0, 128);
    const fail = (why: string) => new NtlmAuthError(`NTLM authentication failed for '${who}': ${why}`);

    // NTLMv2 response = NTProofStr(16) + client blob (28-byte header, AV pairs, 4 zero bytes).
    const blob = auth.ntChallengeResponse.subarray(16);
    const parsed = auth.ntChallengeResponse.length >= 16 ? parseClientBlob(blob) : undefined;
    if (!auth.user || !parsed) throw fail("only NTLMv2 responses from named users are accepted");

    const password = this.opts.lookupPassword(auth.user, auth.domain);
    if (password === undefined) throw fail("unknown user or bad password");
    const responseKey = ntowfv2(password, auth.user, auth.domain);
    const proof = auth.ntChallengeResponse.subarray(0, 16);
    const expected = hmacMd5(responseKey, this.serverChallenge, blob);
    if (!timingSafeEqual(proof, expected)) throw fail("unknown user or bad password");

    const clientPairs = decodeAvPairs(parsed.avPairs);
    this.checkChannelBindings(clientPairs, fail);

    const keyExchangeKey = sessionBaseKey(responseKey, proof);
    let exportedSessionKey = keyExchangeKey;
    if (auth.flags & Flag.KEY_EXCH) {
      if (auth.encryptedRandomSessionKey.length !== 16) throw fail("key exchange negotiated without a 16-byte session key");
      exportedSessionKey = rc4Once(keyExchangeKey, auth.encryptedRandomSessionKey);
    }

    const avFlags = findAv(clientPairs, AvId.Flags);
    const micPresent = avFlags !== undefined && avFlags.length >= 4 && (avFlags.readUInt32LE(0) & AV_FLAG_MIC_PRESENT) !== 0;
    if (micPresent) {
      if (!auth.mic) throw fail("MsvAvFlags announce a MIC but the message has none");
      const zeroed = Buffer.from(message);
      zeroed.fill(0, AUTH_MIC_OFFSET, AUTH_MIC_OFFSET + 16);
      const mic = computeMic(exportedSessionKey, this.negotiateMessage, this.challengeMessage, zeroed);
      if (!timingSafeEqual(mic, auth.mic)) throw fail("message integrity code (MIC) does not verify");
    }

    return { user: auth.user, domain: auth.domain, session: new NtlmSecuritySession(exportedSessionKey, auth.flags, "server") };
  }

  private checkChannelBindings(pairs: AvPair[], fail: (why: string) => NtlmAuthError): void {
    const expected = this.opts.expectedChannelBindingsHash;
    if (!expected) return;
    const sent = findAv(pairs, AvId.ChannelBindings);
    // Windows with extended protection "Relaxed" accepts clients that send no bindings.
    if (!sent || sent.every((b) => b === 0)) return;
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) {
      throw fail("channel binding token does not match this TLS channel");
    }
  }
}
