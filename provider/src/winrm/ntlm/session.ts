// Established NTLM security context: sealing and signing with extended session security
// (MS-NLMP 3.4.3, 3.4.4.2). Each direction has its own signing key, its own RC4 keystream
// (kept alive across messages) and its own sequence number; a role decides which pair is
// outbound. Both sides must process messages in the same order, which HTTP request/response
// lock-step guarantees for WinRM.

import { timingSafeEqual } from "node:crypto";
import { Rc4 } from "../crypto/rc4";
import { Flag } from "./constants";
import { NtlmIntegrityError } from "./errors";
import { Direction, hmacMd5, sealKey, signKey } from "./keys";

export interface NtlmSession {
  /** Seal then sign an outbound message; advances the outbound sequence number. */
  wrap(plain: Buffer): { signature: Buffer; sealed: Buffer };
  /** Unseal an inbound message and verify its signature (throws NtlmIntegrityError, changing no state). */
  unwrap(sealed: Buffer, signature: Buffer): Buffer;
  /** GSS_GetMIC: a signature over a message that is not sealed; advances the outbound sequence number. */
  sign(message: Buffer): Buffer;
  /** GSS_VerifyMIC of an inbound signature (throws NtlmError NTLM_INTEGRITY, changing no state); advances the inbound sequence number. */
  verify(message: Buffer, signature: Buffer): void;
  /**
   * Restarts one direction's RC4 keystream from its sealing key; sequence numbers go on.
   * SPNEGO needs this right after the mechListMIC (MS-SPNG 3.3.5.1).
   */
  resetCipher(direction: "outbound" | "inbound"): void;
}

export type NtlmRole = "client" | "server";

const SIGNATURE_VERSION = 1;
export const SIGNATURE_LENGTH = 16;

class DirectionState {
  readonly signKey: Buffer;
  private readonly sealKey: Buffer;
  rc4: Rc4;
  seqNum = 0;
  constructor(exportedSessionKey: Buffer, flags: number, direction: Direction) {
    this.signKey = signKey(exportedSessionKey, direction);
    this.sealKey = sealKey(exportedSessionKey, flags, direction);
    this.rc4 = new Rc4(this.sealKey);
  }
  resetCipher(): void {
    this.rc4 = new Rc4(this.sealKey);
  }
}

export class NtlmSecuritySession implements NtlmSession {
  private readonly outbound: DirectionState;
  private readonly inbound: DirectionState;
  private readonly keyExchange: boolean;
  private readonly extendedSessionSecurity: boolean;

  /**
   * @param exportedSessionKey the 16-byte key both sides agreed on
   * @param flags the negotiated flags from the AUTHENTICATE_MESSAGE
   * @param role which end of the connection this object serves
   */
  constructor(exportedSessionKey: Buffer, flags: number, role: NtlmRole) {
    // Only the ESS signature format is implemented (the legacy CRC32 one is not). A context
    // without ESS can still authenticate (e.g. over HTTPS) but refuses to seal.
    this.extendedSessionSecurity = (flags & Flag.EXTENDED_SESSIONSECURITY) !== 0;
    this.keyExchange = (flags & Flag.KEY_EXCH) !== 0;
    const c2s = new DirectionState(exportedSessionKey, flags, "client-to-server");
    const s2c = new DirectionState(exportedSessionKey, flags, "server-to-client");
    this.outbound = role === "client" ? c2s : s2c;
    this.inbound = role === "client" ? s2c : c2s;
  }

  wrap(plain: Buffer): { signature: Buffer; sealed: Buffer } {
    this.requireEss();
    const dir = this.outbound;
    // The message is sealed first; the checksum then consumes the following keystream bytes.
    const sealed = dir.rc4.update(plain);
    const signature = this.signature(dir, plain);
    dir.seqNum = (dir.seqNum + 1) >>> 0;
    return { signature, sealed };
  }

  unwrap(sealed: Buffer, signature: Buffer): Buffer {
    if (signature.length !== SIGNATURE_LENGTH) {
      throw new NtlmIntegrityError(`message signature must be ${SIGNATURE_LENGTH} bytes, got ${signature.length}`);
    }
    this.requireEss();
    const dir = this.inbound;
    // Unseal and check on a copy of the keystream: a message that does not verify (forged,
    // replayed, corrupted) leaves the direction exactly as it was, so the peer's next
    // genuine message still unseals. Only a verified message advances RC4 and the sequence.
    const trial = dir.rc4.clone();
    const plain = trial.update(sealed);
    const expected = this.signature(dir, plain, trial);
    if (!timingSafeEqual(expected, signature)) {
      const gotSeq = signature.readUInt32LE(12);
      const why = gotSeq !== dir.seqNum ? ` (sequence number ${gotSeq}, expected ${dir.seqNum})` : "";
      throw new NtlmIntegrityError(`message signature does not verify${why}`);
    }
    dir.rc4 = trial;
    dir.seqNum = (dir.seqNum + 1) >>> 0;
    return plain;
  }

  sign(message: Buffer): Buffer {
    this.requireEss();
    const dir = this.outbound;
    const signature = this.signature(dir, message);
    dir.seqNum = (dir.seqNum + 1) >>> 0;
    return signature;
  }

  verify(message: Buffer, signature: Buffer): void {
    if (signature.length !== SIGNATURE_LENGTH) {
      throw new NtlmIntegrityError(`message signature must be ${SIGNATURE_LENGTH} bytes, got ${signature.length}`);
    }
    this.requireEss();
    const dir = this.inbound;
    // As in unwrap: a signature that does not verify changes no state.
    const trial = dir.rc4.clone();
    const expected = this.signature(dir, message, trial);
    if (!timingSafeEqual(expected, signature)) throw new NtlmIntegrityError("message signature (MIC) does not verify");
    dir.rc4 = trial;
    dir.seqNum = (dir.seqNum + 1) >>> 0;
  }

  resetCipher(direction: "outbound" | "inbound"): void {
    (direction === "outbound" ? this.outbound : this.inbound).resetCipher();
  }

  private requireEss(): void {
    if (!this.extendedSessionSecurity) {
      throw new NtlmIntegrityError("message sealing needs NTLM extended session security, which was not negotiated");
    }
  }

  /** NTLMSSP_MESSAGE_SIGNATURE for ESS: version 1, RC4(HMAC_MD5(SignKey, seq + msg)[0..8]), seq. */
  private signature(dir: DirectionState, plain: Buffer, rc4: Rc4 = dir.rc4): Buffer {
    const seq = Buffer.alloc(4);
    seq.writeUInt32LE(dir.seqNum);
    let checksum = hmacMd5(dir.signKey, seq, plain).subarray(0, 8);
    if (this.keyExchange) checksum = rc4.update(checksum);
    const out = Buffer.alloc(SIGNATURE_LENGTH);
    out.writeUInt32LE(SIGNATURE_VERSION, 0);
    checksum.copy(out, 4);
    seq.copy(out, 12);
    return out;
  }
}
