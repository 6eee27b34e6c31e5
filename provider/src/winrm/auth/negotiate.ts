// auth "negotiate": what Windows' Negotiate package does for WinRM. Kerberos when a
// ticket can be had for the target (SPNEGO with Kerberos first and NTLM second, so a
// server without Kerberos still picks NTLM in the same exchange); otherwise NTLM
// straight away — an IP address, no realm or KDC configured, the KDC unreachable, no
// HTTP/<host> SPN, or a user the realm does not know (a local account). The choice is
// made once per client, at the first request, and kept (`mechanism`, `fallbackReason`).
// A wrong password or a skewed clock is reported, not papered over with NTLM.

import { KerberosNoCredentialsError } from "../kerberos";
import type { HttpTransport } from "../transport";
import { markPayloadNotSent } from "./authenticator";
import type { Authenticator, PlainReply } from "./authenticator";
import { KerberosAuthenticator } from "./kerberos";
import type { KerberosTickets } from "./kerberos-tickets";
import { NtlmAuthenticator } from "./ntlm";

export class NegotiateAuthenticator implements Authenticator {
  readonly scheme = "Negotiate";
  private chosen?: Promise<Authenticator>;
  private active?: Authenticator;
  private kerberos?: KerberosAuthenticator;
  /** Why Kerberos was not used, when it was not. */
  fallbackReason?: string;
  readonly #password: string | undefined;

  constructor(
    private readonly transport: HttpTransport,
    private readonly tickets: KerberosTickets,
    private readonly username: string,
    password: string | undefined,
  ) {
    this.#password = password;
  }

  /** The mechanism in use once the first request chose one. */
  get mechanism(): "kerberos" | "ntlm" | undefined {
    if (this.fallbackReason !== undefined) return "ntlm";
    return this.kerberos?.lastMechanism;
  }

  async send(payload: Buffer): Promise<PlainReply> {
    this.chosen ??= this.choose();
    let auth: Authenticator;
    try {
      auth = await this.chosen;
      this.active = auth;
    } catch (err) {
      this.chosen = undefined; // ask again next time (the KDC may be back)
      throw markPayloadNotSent(err);
    }
    return auth.send(payload);
  }

  reset(): void {
    this.active?.reset();
  }

  private async choose(): Promise<Authenticator> {
    const ticket = await this.tickets.available();
    if (ticket.available) {
      this.kerberos = new KerberosAuthenticator(this.transport, this.tickets, {
        username: this.username,
        ntlmPassword: this.#password,
        label: "Negotiate (Kerberos)",
      });
      return this.kerberos;
    }
    if (this.#password === undefined) {
      throw new KerberosNoCredentialsError(`no Kerberos ticket for HTTP/${this.tickets.spnHost} (${ticket.reason}), and NTLM needs a password`);
    }
    this.fallbackReason = ticket.reason;
    return new NtlmAuthenticator(this.transport, this.username, this.#password);
  }
}
