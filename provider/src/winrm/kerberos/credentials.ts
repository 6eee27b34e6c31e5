// Getting a service ticket for a WinRM host, the way a user expects from kinit and
// Windows: with a password, an AS exchange for a TGT and a TGS exchange for the host's
// SPN; without one, the tickets already in the user's credential cache (KRB5CCNAME).
// The realm and KDCs come from the connection when given, else from krb5.conf.
//
// The SPN is HTTP/<host> — what Windows' own WinRM client and pywinrm ask for. Active
// Directory answers it from the computer account's HOST/ SPN (sPNMappings), and the
// WinRM service also registers WSMAN/<host>; both name the same key.

import { loadCcache, findCredential } from "./ccache";
import { KerberosNoCredentialsError } from "./errors";
import { Credential, KdcClient } from "./kdc-client";
import { kdcsForRealm, KdcAddress, Krb5Config, loadKrb5Config, mappedRealmForHost, parseKdcAddress, realmForHost } from "./krb5-conf";
import type { KdcTransportOptions } from "./kdc-transport";
import { formatPrincipal, parsePrincipal, Principal, samePrincipal, servicePrincipal, tgsPrincipal } from "./principal";

export const WINRM_SERVICE_CLASS = "HTTP";

export interface KerberosCredentialOptions {
  /** "user", "user@REALM" or "DOMAIN\\user"; with no password, optional (the cache's principal). */
  username?: string;
  password?: string;
  /** Realm of the user (default: from the user name, the host's [domain_realm], or default_realm). */
  realm?: string;
  /** "host[:port]" of a KDC, instead of krb5.conf's list for the realm. */
  kdc?: string;
  /** SPN service class. Default "HTTP". */
  service?: string;
  krb5Config?: Krb5Config;
  /** Environment for KRB5_CONFIG and KRB5CCNAME. Default process.env. */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  transport?: KdcTransportOptions;
}

export interface ServiceTicket {
  credential: Credential;
  spn: Principal;
  /** Where the ticket came from. */
  source: "password" | "ccache";
}

/** The client principal a user name stands for. */
export function clientPrincipal(username: string, realm: string | undefined, fallbackRealm: string | undefined): Principal {
  const bs = username.indexOf("\\");
  if (bs >= 0) return parsePrincipal(username.slice(bs + 1).replace(/@/g, "\\@"), realm ?? fallbackRealm);
  const at = username.lastIndexOf("@");
  if (at > 0 && realm === undefined) return parsePrincipal(username.slice(0, at).replace(/@/g, "\\@"), username.slice(at + 1).toUpperCase());
  return parsePrincipal(at > 0 ? username.slice(0, at).replace(/@/g, "\\@") : username, realm ?? fallbackRealm);
}

export async function getServiceTicket(host: string, opts: KerberosCredentialOptions = {}): Promise<ServiceTicket> {
  const env = opts.env ?? process.env;
  const cfg = opts.krb5Config ?? loadKrb5Config(env);
  const now = opts.now ?? Date.now;
  const hostRealm = realmForHost(cfg, host);
  // The service's realm: krb5.conf's mapping for the host, else the user's own realm (the
  // one that issued the TGT). default_realm names the user's realm, not every host's.
  const serviceRealm = (clientRealm: string) => mappedRealmForHost(cfg, host) ?? clientRealm;
  const kdcsFor = (realm: string): KdcAddress[] => (opts.kdc ? [parseKdcAddress(opts.kdc)] : kdcsForRealm(cfg, realm));
  const clientFor = (realm: string) => new KdcClient({ realm, kdcs: kdcsFor(realm), now, transport: opts.transport });

  if (opts.password !== undefined) {
    if (!opts.username) throw new KerberosNoCredentialsError("a Kerberos password was given without a user name");
    const client = clientPrincipal(opts.username, opts.realm, hostRealm ?? cfg.defaultRealm);
    const spn = servicePrincipal(opts.service ?? WINRM_SERVICE_CLASS, host, serviceRealm(client.realm));
    const kdc = clientFor(client.realm);
    const tgt = await kdc.getInitialCredential(client, opts.password);
    // A host in another realm needs a cross-realm referral, which getServiceCredential reports.
    const credential = await kdc.getServiceCredential(tgt, spn);
    return { credential, spn, source: "password" };
  }

  const cache = loadCcache(env, cfg.defaultCcacheName);
  const owner = cache.defaultPrincipal;
  if (opts.username) {
    const wanted = clientPrincipal(opts.username, opts.realm, owner.realm);
    if (!samePrincipal(wanted, owner)) {
      throw new KerberosNoCredentialsError(
        `the credential cache ${cache.file} holds tickets for ${formatPrincipal(owner)}, not ${formatPrincipal(wanted)}: run kinit ${formatPrincipal(wanted)}, or give the password`,
      );
    }
  }
  const spn = servicePrincipal(opts.service ?? WINRM_SERVICE_CLASS, host, serviceRealm(owner.realm));
  const cached = findCredential(cache, spn, now());
  const asCredential = (c: NonNullable<typeof cached>): Credential => ({
    client: c.client,
    server: c.server,
    ticket: c.ticket,
    sessionKey: c.key,
    flags: c.flags,
    authtime: c.authtime,
    starttime: c.starttime,
    endtime: c.endtime,
    renewTill: c.renewTill || undefined,
  });
  if (cached) return { credential: asCredential(cached), spn, source: "ccache" };
  const tgt = findCredential(cache, tgsPrincipal(owner.realm), now());
  if (!tgt) {
    throw new KerberosNoCredentialsError(
      `the credential cache ${cache.file} has no valid ticket-granting ticket for ${formatPrincipal(owner)} (expired?): run kinit again, or give the password`,
    );
  }
  const credential = await clientFor(owner.realm).getServiceCredential(asCredential(tgt), spn);
  return { credential, spn, source: "ccache" };
}
