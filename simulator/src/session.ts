// Who a connection authenticated as, and with what: the object a request's handler
// sees. A CredSSP connection also carries the credentials the client delegated, which
// is what lets a command in that session reach a second machine (the double hop).
// Delegated credentials live in memory only: never in the state file, never in a log.

import { inspect } from "node:util";
import type { Account } from "./identity";

/** A password credential a CredSSP client delegated (TSPasswordCreds, MS-CSSP 2.2.1.2.1). */
export class DelegatedCredentials {
  readonly #password: string;

  constructor(
    /** As the client sent it ("" for a local account or a UPN user name). */
    readonly domain: string,
    readonly user: string,
    password: string,
  ) {
    this.#password = password;
  }

  /** The delegated password, for a second hop made on the user's behalf. */
  get password(): string {
    return this.#password;
  }

  /** DOMAIN\user, or just the user. */
  get qualifiedName(): string {
    return this.domain ? `${this.domain}\\${this.user}` : this.user;
  }

  // Serialised or printed by accident, it still shows no password.
  toJSON(): { domain: string; user: string; password: string } {
    return { domain: this.domain, user: this.user, password: "<redacted>" };
  }

  [inspect.custom](): string {
    return `DelegatedCredentials { ${this.qualifiedName}, password: <redacted> }`;
  }
}

export type AuthScheme = "Basic" | "Negotiate" | "Kerberos" | "CredSSP";

export interface AuthenticatedSession {
  account: Account;
  /** How the connection (or, for Basic, the request) authenticated: the HTTP scheme. */
  scheme: AuthScheme;
  /** The mechanism under Negotiate or CredSSP: "kerberos" or "ntlm". */
  mechanism?: "kerberos" | "ntlm";
  /** user@REALM when Kerberos authenticated the user (mapped to `account`, the local account of that name). */
  principal?: string;
  /**
   * Only for CredSSP: the credentials the client delegated. A Negotiate (NTLM) or
   * Basic session has none, which is why such a session cannot make a second hop.
   */
  delegatedCredentials?: DelegatedCredentials;
}
