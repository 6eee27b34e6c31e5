// Kerberos behind the mechanism-neutral ClientSecurityContext (../../gss/context.ts), so
// SPNEGO (HTTP Negotiate) and CredSSP drive it like NTLM: the first step sends the
// AP-REQ (asking the KDC for the service ticket first when it was not given), the
// second verifies the acceptor's AP-REP — mutual authentication is required, so a
// context is never complete without it — and the established GSS session wraps,
// unwraps and signs. A KRB-ERROR in place of the AP-REP becomes its typed error
// (clock skew, a keytab that does not match, ...).

import { Mech } from "../../gss/context";
import type { ClientSecurityContext, WinrmSealed } from "../../gss/context";
import { KerberosProtocolError } from "../errors";
import type { Credential } from "../kdc-client";
import { KerberosInitiator } from "./initiator";
import type { GssSession } from "./session";

export interface KerberosClientContextOptions {
  /** The service ticket, or how to get it (called once, at the first step). */
  credential: Credential | (() => Promise<Credential>);
  /** MD5 of the channel bindings over HTTPS (RFC 5929 tls-server-end-point). */
  channelBindings?: Buffer;
  now?: () => number;
}

export class KerberosClientContext implements ClientSecurityContext {
  /** The standard Kerberos V5 OID; acceptors (Windows, MIT) take it and Microsoft's alias alike. */
  readonly mechanism = Mech.KERBEROS;
  readonly requiresMechListMic = false;
  private initiator?: KerberosInitiator;
  private session?: GssSession;

  constructor(private readonly opts: KerberosClientContextOptions) {}

  get complete(): boolean {
    return this.session !== undefined;
  }

  /** The ticket's server and client, once the first step ran (for messages and tests). */
  get credential(): Credential | undefined {
    return this.ticket;
  }
  private ticket?: Credential;

  async step(input?: Buffer): Promise<Buffer | undefined> {
    if (!this.initiator) {
      if (input !== undefined) throw new KerberosProtocolError("Kerberos initiator received a token before sending its AP-REQ");
      const c = this.opts.credential;
      this.ticket = typeof c === "function" ? await c() : c;
      this.initiator = new KerberosInitiator({ credential: this.ticket, channelBindings: this.opts.channelBindings, now: this.opts.now });
      return this.initiator.initialToken();
    }
    if (this.session) throw new KerberosProtocolError("Kerberos context is already established");
    if (input === undefined || input.length === 0) {
      throw new KerberosProtocolError("the server sent no AP-REP: it did not prove its identity (mutual authentication failed)");
    }
    this.session = this.initiator.complete(input);
    return undefined;
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
    return this.established().getMic(message);
  }

  verifyMIC(message: Buffer, mic: Buffer): void {
    this.established().verifyMic(message, mic);
  }

  afterMechListMic(): void {
    /* Kerberos keeps no per-direction keystream to restart */
  }

  private established(): GssSession {
    if (!this.session) throw new KerberosProtocolError("the Kerberos context is not established yet");
    return this.session;
  }
}
