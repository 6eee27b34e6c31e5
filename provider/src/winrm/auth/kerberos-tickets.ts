// Where a WinRM client's Kerberos ticket comes from: the service ticket for
// HTTP/<host> (kerberos/credentials.ts: AS + TGS with the password, or the kinit'd
// credential cache when there is none), fetched once and reused by every handshake of
// the client until it nears expiry.
//
// Why HTTP/<host>: it is what Windows' own WinRM client, pywinrm and pypsrp ask for.
// Active Directory answers it for every computer from the HOST/ SPN (the sPNMappings of
// the Directory Service object), so it works without any setspn; the WINRM service
// also registers WSMAN/<host>, which names the same key but exists only once WinRM was
// configured on the host. A missing SPN therefore nearly always means the host was
// addressed by another name (an IP address, an alias) than the one in the directory.
//
// Negotiate and CredSSP ask `available()`: like Windows' Negotiate package they fall
// back to NTLM when no ticket can be had for the target — no realm or KDC configured,
// the KDC unreachable, no such SPN, a user the realm does not know (a local account),
// an address instead of a name. A ticket refused for a wrong password or a skewed
// clock is not "unavailable": that error is the user's to fix, and NTLM would not
// help.

import { isIP } from "node:net";
import {
  getServiceTicket,
  KdcUnreachableError,
  KerberosConfigError,
  KerberosNoCredentialsError,
  KerberosNoSpnError,
  KerberosPrincipalUnknownError,
} from "../kerberos";
import type { Credential, ServiceTicket } from "../kerberos";

export interface KerberosTicketSettings {
  /** "user", "user@REALM" or "DOMAIN\\user". */
  username: string;
  /** Absent: tickets come from the credential cache (KRB5CCNAME). */
  password?: string;
  realm?: string;
  /** "host[:port]" of a KDC, instead of krb5.conf's. */
  kdc?: string;
  /** The host name in the SPN (HTTP/<spnHost>). */
  spnHost: string;
  /** Where KRB5_CONFIG and KRB5CCNAME are read from. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Renew a ticket this long before it expires. */
const RENEW_MARGIN_MS = 5 * 60_000;

export type TicketAvailability = { available: true; credential: Credential } | { available: false; reason: string };

/** True for the failures that mean "no Kerberos for this target" rather than "wrong credentials". */
export function kerberosUnavailable(err: unknown): boolean {
  return (
    err instanceof KerberosConfigError ||
    err instanceof KerberosNoCredentialsError ||
    err instanceof KdcUnreachableError ||
    err instanceof KerberosNoSpnError ||
    err instanceof KerberosPrincipalUnknownError
  );
}

export class KerberosTickets {
  private pending?: Promise<ServiceTicket>;
  // An ES private field: never shown by util.inspect or JSON.stringify of the client.
  readonly #password: string | undefined;
  private readonly settings: Omit<KerberosTicketSettings, "password">;

  constructor(settings: KerberosTicketSettings) {
    const { password, ...rest } = settings;
    this.#password = password;
    this.settings = rest;
  }

  get spnHost(): string {
    return this.settings.spnHost;
  }

  /** Kerberos names hosts, not addresses: Windows never asks a KDC for HTTP/<IP address>. */
  get hostIsAddress(): boolean {
    const h = this.settings.spnHost.replace(/^\[|\]$/g, "");
    return isIP(h) !== 0;
  }

  /** The service ticket (typed Kerberos errors when it cannot be had). */
  async get(): Promise<Credential> {
    if (this.hostIsAddress) {
      throw new KerberosConfigError(
        `Kerberos needs the host's name, not the address ${this.settings.spnHost}: connect by its fully qualified name, ` +
          `or set kerberosHostname to the name its SPN HTTP/<name> is registered under`,
      );
    }
    let pending = this.pending;
    if (pending) {
      const ticket = await pending.catch(() => undefined);
      if (!ticket || ticket.credential.endtime - Date.now() < RENEW_MARGIN_MS) pending = undefined;
    }
    if (!pending) {
      const { username, realm, kdc, env, spnHost } = this.settings;
      pending = getServiceTicket(spnHost, { username, password: this.#password, realm, kdc, env });
      this.pending = pending;
      // A failed attempt is not remembered: the next handshake asks again.
      pending.catch(() => {
        if (this.pending === pending) this.pending = undefined;
      });
    }
    return (await pending).credential;
  }

  /** For Negotiate and CredSSP: a ticket, or why Kerberos is out of reach for this target (then NTLM). */
  async available(): Promise<TicketAvailability> {
    try {
      return { available: true, credential: await this.get() };
    } catch (err) {
      if (kerberosUnavailable(err)) return { available: false, reason: (err as Error).message };
      throw err;
    }
  }
}
