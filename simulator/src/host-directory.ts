// Name resolution between the simulated hosts of one simulator process.
//
// Every host sits on 127.0.0.1 with ephemeral ports, so "srv01" on port 5985 has to be
// translated: a host asks the directory for a name as a user typed it (FQDN or NetBIOS
// name, any case, like DNS and NetBIOS resolution on a LAN) and gets the peer plus the
// loopback port that really serves the WinRM port the user asked for.

import type { HostIdentity } from "./identity";
import type { HostKerberos } from "./kerberos";
import type { SimState } from "./state";

/** WinRM's default ports (winrm/config/client/DefaultPorts). */
export const DEFAULT_HTTP_PORT = 5985;
export const DEFAULT_HTTPS_PORT = 5986;

export interface DirectoryEntry {
  identity: HostIdentity;
  state: SimState;
  /** Real loopback ports of the WinRM listeners. */
  httpPort?: number;
  httpsPort?: number;
  /** PEM of the HTTPS listener's certificate (the fleet trusts it, as if an enterprise CA issued it). */
  certPem?: string;
  /** The MS-CSSP version the host's CredSSP speaks (6 = patched for CVE-2018-0886). */
  credsspVersion: number;
  /** The host's Kerberos keys (a realm member), when it was started with a keytab. */
  kerberos?: HostKerberos;
  /** Share name → folder on disk, and the loopback address of the host's smbd. */
  shares: Record<string, string>;
  smb?: { host: string; port: number };
}

export interface ResolvedEndpoint {
  entry: DirectoryEntry;
  scheme: "http" | "https";
  /** The loopback port to connect to. */
  port: number;
}

/** Names a host answers to: FQDN, first label (NetBIOS name), and 15-char NetBIOS form. */
function namesOf(identity: HostIdentity): string[] {
  return [identity.fqdn, identity.shortName, identity.netbiosName].map((n) => n.toLowerCase());
}

export class HostDirectory {
  private readonly entries: DirectoryEntry[] = [];

  add(entry: DirectoryEntry): void {
    this.entries.push(entry);
  }

  remove(entry: DirectoryEntry): void {
    const i = this.entries.indexOf(entry);
    if (i >= 0) this.entries.splice(i, 1);
  }

  /**
   * The host a name refers to, as seen from `self`: its FQDN or NetBIOS name in any case;
   * "localhost", "127.0.0.1", "::1" and "." are the asking host itself.
   */
  resolve(name: string, self?: DirectoryEntry): DirectoryEntry | undefined {
    const n = name.trim().replace(/\.$/, "").toLowerCase();
    if (self && ["localhost", "127.0.0.1", "::1", "[::1]", "."].includes(n)) return self;
    return this.entries.find((e) => namesOf(e.identity).includes(n));
  }

  /**
   * The listener behind `name:port` as a WinRM client addresses it. `port` defaults to
   * 5985/5986; the default port or the host's real port both reach the listener of that
   * scheme. Undefined when no such host or no listener answers there.
   */
  endpoint(name: string, opts: { https: boolean; port?: number }, self?: DirectoryEntry): ResolvedEndpoint | undefined {
    const entry = this.resolve(name, self);
    if (!entry) return undefined;
    const scheme = opts.https ? "https" : "http";
    const real = opts.https ? entry.httpsPort : entry.httpPort;
    if (real === undefined) return undefined;
    const wanted = opts.port ?? (opts.https ? DEFAULT_HTTPS_PORT : DEFAULT_HTTP_PORT);
    const fallback = opts.https ? DEFAULT_HTTPS_PORT : DEFAULT_HTTP_PORT;
    if (wanted !== real && wanted !== fallback) return undefined;
    return { entry, scheme, port: real };
  }
}
