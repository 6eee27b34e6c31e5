// Whether a simulated host's WinRM client would authenticate a target with Kerberos —
// the input the double-hop decision (delegation-decision.ts) needs, because it picks
// the Credentials Delegation list by it: AllowFreshCredentials for a Kerberos-
// authenticated server, AllowFreshCredentialsWhenNTLMOnly (and TrustedHosts) otherwise.
//
// Kerberos needs both ends in the realm and a ticket for the SPN the client builds from
// the name as typed (WSMAN/<name>, HTTP/<name>): the client host has keys of a realm
// (started with a keytab, i.e. domain-joined), the name resolves to a host of the same
// realm, and that host's keytab holds a principal for exactly that name. So the FQDN
// works; an IP address, or a NetBIOS name or alias without a principal of its own, is
// NTLM-only — as on Windows, where Negotiate falls back to NTLM for them.

import type { DirectoryEntry, HostDirectory } from "./host-directory";

export function isKerberosAuthenticated(directory: HostDirectory, self: DirectoryEntry, target: string): boolean {
  const realm = self.kerberos?.realm;
  if (!realm) return false;
  const server = directory.resolve(target, self);
  if (!server?.kerberos || server.kerberos.realm !== realm) return false;
  return server.kerberos.hasPrincipalFor(target);
}
