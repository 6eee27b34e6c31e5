// Kerberos for a simulated host: what a domain-joined Windows server does with its
// computer account's keys. Given the host's keytab (the `--keytab FILE` option, or
// "keytab" in a hosts-file entry), it accepts an AP-REQ for HTTP/<fqdn> or WSMAN/<fqdn>,
// answers with the AP-REP for mutual authentication, and hands back the GSS session
// that wraps and unwraps the connection's messages. The client principal becomes the
// session's user by mapping to the local account of the same name (user@REALM -> user),
// as a domain user mapped onto this machine would be.
//
// The ticket checks themselves (decryption with the keytab, clock skew, replays,
// channel bindings) are the wire library's acceptor (provider/src/winrm/kerberos), the
// same deliberate sharing as NTLM's: MIT's GSS-API referees it in
// tests/winrm/kerberos-interop.test.ts.
//
// auth.ts takes the AP-REQ raw (under Negotiate or Kerberos, as pywinrm and pypsrp send
// it) or inside SPNEGO (spnego-acceptor.ts, also CredSSP's inner SPNEGO).

import {
  AcceptedContext,
  formatPrincipal,
  GssSession,
  KerberosAcceptor,
  ApReqRejectedError,
  KerberosConfigError,
  KerberosError,
  KeytabEntry,
  loadKeytab,
  ReplayCache,
} from "../../provider/src/winrm/kerberos";
import type { Account, HostIdentity } from "./identity";

/** The SPN service classes Windows registers for WinRM on a computer account. */
const WINRM_SPN_SERVICES = ["HTTP", "WSMAN"] as const;

export type KerberosOutcome =
  | {
      kind: "ok";
      account: Account;
      session: GssSession;
      /** AP-REP token to send back in WWW-Authenticate (absent when the client did not ask for mutual authentication). */
      responseToken?: Buffer;
      /** user@REALM as the ticket names the client. */
      principal: string;
    }
  /** Refused; `errorToken` is the GSS-framed KRB-ERROR a Windows server returns with its 401. */
  | { kind: "rejected"; reason: string; errorToken?: Buffer };

export interface HostKerberosOptions {
  /** MD5 of the HTTPS listener's channel bindings (RFC 5929 tls-server-end-point). */
  httpsChannelBindings?: Buffer;
  /** Current Service/Auth/CbtHardeningLevel: "None" ignores bindings, "Strict" requires them. */
  cbtHardeningLevel?: () => string | undefined;
  /** The host's clock (ms since epoch): tests skew it to see KRB_AP_ERR_SKEW. */
  now?: () => number;
}

export class HostKerberos {
  private readonly replay = new ReplayCache();

  private constructor(
    private readonly identity: HostIdentity,
    private readonly keytab: KeytabEntry[],
    private readonly opts: HostKerberosOptions,
    /** The realm the keytab's principals are in. */
    readonly realm: string,
  ) {}

  /**
   * Load `file` for `identity`. The keytab must hold a key for HTTP/<fqdn> (WSMAN/<fqdn> is
   * used too when present): a keytab for another host is a configuration error, not a
   * server that silently refuses every client.
   */
  static load(file: string, identity: HostIdentity, opts: HostKerberosOptions = {}): HostKerberos {
    return HostKerberos.fromEntries(loadKeytab(file), identity, opts, file);
  }

  static fromEntries(entries: KeytabEntry[], identity: HostIdentity, opts: HostKerberosOptions = {}, source = "keytab"): HostKerberos {
    const fqdn = identity.fqdn.toLowerCase();
    const ours = entries.filter(
      (e) =>
        e.principal.name.components.length === 2 &&
        (WINRM_SPN_SERVICES as readonly string[]).includes(e.principal.name.components[0]) &&
        e.principal.name.components[1].toLowerCase() === fqdn,
    );
    const http = ours.find((e) => e.principal.name.components[0] === "HTTP");
    if (!http) {
      const held = [...new Set(entries.map((e) => formatPrincipal(e.principal)))].join(", ") || "nothing";
      throw new KerberosConfigError(`${source} has no key for HTTP/${fqdn} (it holds ${held}); export the host's keys with kadmin ktadd or ktpass`);
    }
    return new HostKerberos(identity, ours, opts, http.principal.realm);
  }

  /** True when the keytab holds HTTP/<name> or WSMAN/<name>: a client naming the host so can get a ticket it accepts. */
  hasPrincipalFor(name: string): boolean {
    const n = name.trim().replace(/\.$/, "").toLowerCase();
    return this.keytab.some((e) => e.principal.name.components[1].toLowerCase() === n);
  }

  /** Accept the client's first Kerberos token (GSS-framed AP-REQ) on an HTTP or HTTPS connection. */
  accept(token: Buffer, https: boolean): KerberosOutcome {
    const level = this.opts.cbtHardeningLevel?.() ?? "Relaxed";
    const acceptor = new KerberosAcceptor({
      keytab: this.keytab,
      expectedChannelBindings: https && level !== "None" ? this.opts.httpsChannelBindings : undefined,
      requireChannelBindings: https && level === "Strict",
      replayCache: this.replay,
      now: this.opts.now,
    });
    let accepted: AcceptedContext;
    try {
      accepted = acceptor.accept(token);
    } catch (err) {
      if (err instanceof ApReqRejectedError) return { kind: "rejected", reason: err.message, errorToken: err.errorToken };
      if (err instanceof KerberosError) return { kind: "rejected", reason: err.message };
      throw err;
    }
    const principal = formatPrincipal(accepted.client);
    const components = accepted.client.name.components;
    const account = components.length === 1 ? this.identity.findAccount(components[0]) : undefined;
    if (!account) return { kind: "rejected", reason: `no local account for ${principal}` };
    return { kind: "ok", account, session: accepted.session, responseToken: accepted.responseToken, principal };
  }
}
