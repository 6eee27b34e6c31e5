// Pulumi programs the e2e tests run, beyond examples/double-hop: the same four
// resources under the same names, with a name suffix (a rename) and a subset (a
// resource removed from the program).
import { CredSSPClient, CredSSPServer, DelegationPolicy, TrustedHosts } from "../provider/src";
import type { ConnectionArgs } from "../provider/src";

export type DoubleHopPart = "server" | "client" | "policy" | "trusted";

/** examples/double-hop's resources for `srv01Fqdn`, optionally renamed (`suffix`) or only some (`only`). */
export function doubleHopResources(
  ws01: ConnectionArgs,
  srv01: ConnectionArgs,
  srv01Fqdn: string,
  opts: { suffix?: string; only?: DoubleHopPart[] } = {},
): void {
  const suffix = opts.suffix ?? "";
  const want = (part: DoubleHopPart) => opts.only === undefined || opts.only.includes(part);
  const spn = `WSMAN/${srv01Fqdn}`;
  if (want("server")) new CredSSPServer(`srv01-accepts-credssp${suffix}`, { connection: srv01 });
  if (want("client")) new CredSSPClient(`ws01-offers-credssp${suffix}`, { connection: ws01, delegateComputers: [srv01Fqdn] });
  if (want("policy")) {
    new DelegationPolicy(`ws01-may-delegate${suffix}`, { connection: ws01, allowFreshCredentials: [spn], allowFreshCredentialsWhenNTLMOnly: [spn] });
  }
  if (want("trusted")) new TrustedHosts(`ws01-trusts-srv01${suffix}`, { connection: ws01, hosts: [srv01Fqdn] });
}
