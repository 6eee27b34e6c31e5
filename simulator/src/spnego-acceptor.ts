// SPNEGO as a Windows server accepts it (RFC 4178 with MS-SPNG's rules), for the
// mechanisms this host has: Kerberos when it has a keytab (kerberos.ts), NTLM always.
// Used for CredSSP's inner SPNEGO and for HTTP Negotiate tokens that offer Kerberos.
//   - The acceptor takes the first mechanism in the initiator's list that it supports.
//     When that is the initiator's first one and an optimistic token came with it, the
//     token is processed at once; otherwise the reply names the mechanism
//     (supportedMech, negState request-mic) and waits for its first token.
//   - Kerberos: the AP-REQ is checked with the keytab and answered with
//     accept-completed and the AP-REP (mutual authentication); a refused AP-REQ gets
//     negState reject with the KRB-ERROR, so the client can say why (clock skew...).
//   - NTLM: NEGOTIATE -> CHALLENGE -> AUTHENTICATE; SPNEGO's mechListMIC is required when
//     the AUTHENTICATE carries a MIC or NTLM was not the client's first choice
//     (MS-SPNG 3.3.5.1), verified, answered with our own, and each direction's RC4 then
//     restarts.
// What is accepted is a security context for the rest of the exchange: wrap/unwrap of
// whole tokens (CredSSP's pubKeyAuth and credentials) and WinRM's header/data split for
// message encryption.

import { Mech, sameMechanism } from "../../provider/src/winrm/gss/context";
import type { WinrmSealed } from "../../provider/src/winrm/gss/context";
import { decodeNegotiationToken, encodeMechTypeList, encodeNegTokenResp } from "../../provider/src/winrm/gss/spnego";
import type { NegTokenResp } from "../../provider/src/winrm/gss/spnego";
import { NtlmServer } from "../../provider/src/winrm/ntlm";
import type { NtlmSession } from "../../provider/src/winrm/ntlm";
import { AUTH_MIC_OFFSET } from "../../provider/src/winrm/ntlm/messages";
import type { Account, HostIdentity } from "./identity";
import type { HostKerberos } from "./kerberos";

const NTLM_SIGNATURE_LENGTH = 16;

/** An established security context on the acceptor's side. */
export interface AcceptedSecurity {
  mechanism: "kerberos" | "ntlm";
  account: Account;
  /** user@REALM for Kerberos. */
  principal?: string;
  wrap(plain: Buffer): Buffer;
  unwrap(token: Buffer): Buffer;
  wrapWinrm(plain: Buffer): WinrmSealed;
  unwrapWinrm(header: Buffer, data: Buffer): Buffer;
}

export type SpnegoStep =
  | { kind: "continue"; token: Buffer }
  | { kind: "accepted"; token: Buffer; security: AcceptedSecurity }
  /** Refused; `token` (a NegTokenResp reject, maybe with a KRB-ERROR) when the client should see why. */
  | { kind: "refused"; reason: string; token?: Buffer };

export interface SpnegoHost {
  identity: HostIdentity;
  kerberos?: HostKerberos;
  /** The connection is HTTPS (channel bindings apply); false inside CredSSP's own TLS. */
  https: boolean;
  /** MsvAvChannelBindings the NTLM client must present when it sends any (HTTPS). */
  ntlmChannelBindings?: Buffer;
}

class Refused extends Error {
  constructor(
    readonly reason: string,
    readonly token?: Buffer,
  ) {
    super(reason);
  }
}

export function ntlmSecurity(session: NtlmSession, account: Account): AcceptedSecurity {
  return {
    mechanism: "ntlm",
    account,
    wrap: (plain) => {
      const { signature, sealed } = session.wrap(plain);
      return Buffer.concat([signature, sealed]);
    },
    unwrap: (token) => {
      if (token.length < NTLM_SIGNATURE_LENGTH) throw new Error("wrapped token is shorter than its signature");
      return session.unwrap(Buffer.from(token.subarray(NTLM_SIGNATURE_LENGTH)), Buffer.from(token.subarray(0, NTLM_SIGNATURE_LENGTH)));
    },
    wrapWinrm: (plain) => {
      const { signature, sealed } = session.wrap(plain);
      return { header: signature, data: sealed, paddingLength: 0 };
    },
    unwrapWinrm: (header, data) => session.unwrap(Buffer.from(data), Buffer.from(header)),
  };
}

export class SpnegoAcceptor {
  private mechTypes?: string[];
  private chosen?: "kerberos" | "ntlm";
  private ntlm?: NtlmServer;
  private over = false;

  constructor(private readonly host: SpnegoHost) {}

  /** Whether this host could accept Kerberos for a client offering it. */
  get kerberosAvailable(): boolean {
    return this.host.kerberos !== undefined;
  }

  step(token: Buffer): SpnegoStep {
    if (this.over) return { kind: "refused", reason: "the SPNEGO exchange is over" };
    try {
      return this.next(token);
    } catch (err) {
      this.over = true;
      if (err instanceof Refused) return { kind: "refused", reason: err.reason, token: err.token };
      return { kind: "refused", reason: `malformed SPNEGO token: ${(err as Error).message}` };
    }
  }

  private next(token: Buffer): SpnegoStep {
    const decoded = decodeNegotiationToken(token);
    if (!this.mechTypes) {
      if (decoded.kind !== "init") throw new Refused("the first SPNEGO token is not a NegTokenInit");
      this.mechTypes = decoded.token.mechTypes;
      const chosen = this.mechTypes.find((m) => this.supports(m));
      if (!chosen) throw new Refused(`no mechanism in common (offered ${this.mechTypes.join(", ")})`, encodeNegTokenResp({ negState: "reject" }));
      this.chosen = sameMechanism(chosen, Mech.NTLM) ? "ntlm" : "kerberos";
      const first = chosen === this.mechTypes[0];
      if (!first || !decoded.token.mechToken) {
        // The optimistic token is for a mechanism we do not run (or there is none): name ours.
        return { kind: "continue", token: encodeNegTokenResp({ negState: "request-mic", supportedMech: chosen }) };
      }
      return this.mechToken(decoded.token.mechToken, chosen);
    }
    if (decoded.kind !== "resp") throw new Refused("expected a NegTokenResp");
    if (!decoded.token.responseToken) throw new Refused("the NegTokenResp carries no mechanism token");
    return this.mechToken(decoded.token.responseToken, undefined, decoded.token);
  }

  private supports(mech: string): boolean {
    return sameMechanism(mech, Mech.NTLM) || (this.host.kerberos !== undefined && sameMechanism(mech, Mech.KERBEROS));
  }

  /** `supportedMech` is set on our first reply only (RFC 4178 4.2.2). */
  private mechToken(inner: Buffer, supportedMech: string | undefined, resp?: NegTokenResp): SpnegoStep {
    if (this.chosen === "kerberos") return this.kerberos(inner, supportedMech);
    if (!this.ntlm) return this.challenge(inner, supportedMech);
    return this.authenticate(inner, resp!);
  }

  private kerberos(apReq: Buffer, mech: string | undefined): SpnegoStep {
    const out = this.host.kerberos!.accept(apReq, this.host.https);
    this.over = true;
    if (out.kind === "rejected") {
      // With a KRB-ERROR the client learns why; without one (a principal with no local
      // account) the refusal is the plain 401 of a failed logon.
      throw new Refused(out.reason, out.errorToken ? encodeNegTokenResp({ negState: "reject", responseToken: out.errorToken }) : undefined);
    }
    const session = out.session;
    return {
      kind: "accepted",
      // No mechListMIC: Kerberos was the initiator's first choice, or it asked for none.
      token: encodeNegTokenResp({ negState: "accept-completed", supportedMech: mech, responseToken: out.responseToken }),
      security: {
        mechanism: "kerberos",
        account: out.account,
        principal: out.principal,
        wrap: (plain) => session.wrap(plain),
        unwrap: (t) => session.unwrap(t),
        wrapWinrm: (plain) => session.wrapWinrm(plain),
        unwrapWinrm: (header, data) => session.unwrapWinrm(header, data),
      },
    };
  }

  private challenge(negotiate: Buffer, supportedMech: string | undefined): SpnegoStep {
    const id = this.host.identity;
    this.ntlm = new NtlmServer({
      identity: { netbiosDomain: id.netbiosName, netbiosComputer: id.netbiosName, dnsDomain: id.dnsDomain, dnsComputer: id.fqdn },
      lookupPassword: (user, domain) => id.findAccount(user, domain)?.password,
      expectedChannelBindingsHash: this.host.https ? this.host.ntlmChannelBindings : undefined,
    });
    let challengeMessage: Buffer;
    try {
      challengeMessage = this.ntlm.challenge(negotiate);
    } catch (err) {
      throw new Refused(`bad NTLM NEGOTIATE: ${(err as Error).message}`);
    }
    return { kind: "continue", token: encodeNegTokenResp({ negState: "accept-incomplete", supportedMech, responseToken: challengeMessage }) };
  }

  private authenticate(authenticateMessage: Buffer, resp: NegTokenResp): SpnegoStep {
    this.over = true;
    let result: { user: string; domain: string; session: NtlmSession };
    try {
      result = this.ntlm!.authenticate(authenticateMessage);
    } catch (err) {
      throw new Refused(`NTLM logon failed: ${(err as Error).message}`);
    }
    const account = this.host.identity.findAccount(result.user, result.domain);
    if (!account) throw new Refused(`no local account ${result.domain}\\${result.user}`);
    const session = result.session;
    const mechList = encodeMechTypeList(this.mechTypes!);
    const ntlmMic = authenticateMessage.subarray(AUTH_MIC_OFFSET, AUTH_MIC_OFFSET + 16).some((b) => b !== 0);
    const micRequired = ntlmMic || !sameMechanism(this.mechTypes![0], Mech.NTLM);
    let serverMic: Buffer | undefined;
    if (resp.mechListMIC) {
      try {
        session.verify(mechList, resp.mechListMIC);
      } catch {
        throw new Refused("the mechListMIC does not verify");
      }
      session.resetCipher("inbound");
      serverMic = session.sign(mechList);
      session.resetCipher("outbound");
    } else if (micRequired) {
      throw new Refused("the mechListMIC is missing");
    }
    return {
      kind: "accepted",
      token: encodeNegTokenResp({ negState: "accept-completed", mechListMIC: serverMic }),
      security: ntlmSecurity(session, account),
    };
  }
}
