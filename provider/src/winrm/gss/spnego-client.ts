// The initiator's side of SPNEGO (RFC 4178 with Microsoft's rules, MS-SPNG), for any
// mechanism behind ClientSecurityContext. It offers the mechanisms in order, sends the
// first one's token optimistically, follows the acceptor's choice, and protects the
// mechanism list with mechListMIC:
//   - we send one when the acceptor chose other than our first mechanism, asked for it
//     (negState request-mic), or the mechanism wants it (NTLM with a MIC, MS-SPNG 3.1.5.1);
//   - an acceptor's mechListMIC is always verified, and once we sent ours the acceptor
//     must answer with its own before the context counts as complete.
// The context is itself a ClientSecurityContext (mechanism = the SPNEGO OID), so CredSSP
// drives it like any other; wrap/unwrap/MIC use the chosen mechanism.

import { Mech, sameMechanism } from "./context";
import type { ClientSecurityContext, WinrmSealed } from "./context";
import { SpnegoError } from "./errors";
import { decodeNegotiationToken, encodeMechTypeList, encodeNegTokenInit, encodeNegTokenResp } from "./spnego";

export class SpnegoClientContext implements ClientSecurityContext {
  readonly mechanism = Mech.SPNEGO;
  private readonly mechTypes: string[];
  private chosen: ClientSecurityContext;
  private started = false;
  private micRequired = false;
  private micSent = false;
  private micReceived = false;
  private acceptorDone = false;

  /** @param candidates fresh contexts, in order of preference (e.g. Kerberos, then NTLM) */
  constructor(private readonly candidates: ClientSecurityContext[]) {
    if (candidates.length === 0) throw new RangeError("SPNEGO needs at least one mechanism");
    this.mechTypes = candidates.map((c) => c.mechanism);
    this.chosen = candidates[0];
  }

  /** The mechanism in use (the acceptor's choice once it answered). */
  get chosenMechanism(): string {
    return this.chosen.mechanism;
  }

  /**
   * The inner mechanism is established, so wrap/unwrap work, although SPNEGO may still
   * wait for the acceptor's last token (CredSSP sends pubKeyAuth at this point).
   */
  get mechanismComplete(): boolean {
    return this.chosen.complete;
  }

  get complete(): boolean {
    return this.chosen.complete && this.acceptorDone && (!this.micSent || this.micReceived);
  }

  get requiresMechListMic(): boolean {
    return false; // SPNEGO is the outermost layer; nothing wraps it in another SPNEGO.
  }

  afterMechListMic(): void {
    /* not applicable: see requiresMechListMic */
  }

  async step(input?: Buffer): Promise<Buffer | undefined> {
    if (!this.started) {
      if (input !== undefined) throw new SpnegoError("SPNEGO initiator received a token before sending its first one");
      this.started = true;
      const mechToken = await this.chosen.step();
      return encodeNegTokenInit({ mechTypes: this.mechTypes, mechToken });
    }
    if (input === undefined) throw new SpnegoError("SPNEGO initiator expected a token from the acceptor");
    const decoded = decodeNegotiationToken(input);
    if (decoded.kind !== "resp") throw new SpnegoError("the acceptor answered with a NegTokenInit instead of a NegTokenResp");
    const resp = decoded.token;
    if (resp.negState === "reject") {
      // A rejection may carry the mechanism's own error token (Kerberos: a KRB-ERROR
      // saying why, e.g. clock skew); the mechanism turns it into its typed error.
      if (resp.responseToken !== undefined && !this.chosen.complete) await this.chosen.step(resp.responseToken);
      throw new SpnegoError(`the acceptor rejected every offered mechanism (${this.mechTypes.join(", ")})`);
    }

    let outToken: Buffer | undefined;
    if (resp.supportedMech !== undefined && !sameMechanism(resp.supportedMech, this.chosen.mechanism)) {
      // The acceptor picked another mechanism: start it from its first token, and the
      // mechanism list must be protected (RFC 4178 5 d).
      const other = this.candidates.find((c) => sameMechanism(c.mechanism, resp.supportedMech!));
      if (!other) throw new SpnegoError(`the acceptor chose mechanism ${resp.supportedMech}, which was not offered`);
      this.chosen = other;
      this.micRequired = true;
      outToken = await this.chosen.step();
    } else if (resp.responseToken !== undefined) {
      outToken = await this.chosen.step(resp.responseToken);
    } else if (!this.chosen.complete && resp.negState !== "accept-completed") {
      throw new SpnegoError("the acceptor's NegTokenResp carries no token for the mechanism");
    }
    if (resp.negState === "request-mic") this.micRequired = true;

    const mechList = encodeMechTypeList(this.mechTypes);
    if (resp.mechListMIC !== undefined) {
      if (!this.chosen.complete) throw new SpnegoError("the acceptor sent a mechListMIC before the mechanism completed");
      try {
        this.chosen.verifyMIC(mechList, resp.mechListMIC);
      } catch (err) {
        throw new SpnegoError("the acceptor's mechListMIC does not verify: the mechanism list may have been tampered with", { cause: err });
      }
      this.chosen.afterMechListMic("inbound");
      this.micReceived = true;
    }
    let mic: Buffer | undefined;
    if (this.chosen.complete && !this.micSent && (this.micRequired || this.micReceived || this.chosen.requiresMechListMic)) {
      mic = this.chosen.getMIC(mechList);
      this.chosen.afterMechListMic("outbound");
      this.micSent = true;
    }
    if (resp.negState === "accept-completed") {
      if (!this.chosen.complete) throw new SpnegoError("the acceptor declared success before the mechanism completed");
      if (this.micSent && !this.micReceived) throw new SpnegoError("the acceptor completed without the mechListMIC it owed");
      this.acceptorDone = true;
    }
    return outToken === undefined && mic === undefined ? undefined : encodeNegTokenResp({ responseToken: outToken, mechListMIC: mic });
  }

  wrap(plain: Buffer): Buffer {
    return this.established().wrap(plain);
  }

  unwrap(token: Buffer): Buffer {
    return this.established().unwrap(token);
  }

  wrapWinrm(plain: Buffer): WinrmSealed {
    return this.established().wrapWinrm(plain);
  }

  unwrapWinrm(header: Buffer, data: Buffer): Buffer {
    return this.established().unwrapWinrm(header, data);
  }

  getMIC(message: Buffer): Buffer {
    return this.established().getMIC(message);
  }

  verifyMIC(message: Buffer, mic: Buffer): void {
    this.established().verifyMIC(message, mic);
  }

  private established(): ClientSecurityContext {
    if (!this.chosen.complete) throw new SpnegoError("the security context is not established yet");
    return this.chosen;
  }
}
