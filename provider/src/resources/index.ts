export { CredSSPServer, credSSPServerProvider, credSSPServerSchema, credSSPServerOutputs } from "./credssp-server";
export { CredSSPClient, credSSPClientProvider, credSSPClientSchema, credSSPClientOutputs, wsmanSpn } from "./credssp-client";
export { DelegationPolicy, delegationPolicyProvider, delegationPolicySchema, delegationPolicyOutputs, LIST_PROPERTIES } from "./delegation-policy";
export { TrustedHosts, trustedHostsProvider, trustedHostsSchema, trustedHostsOutputs } from "./trusted-hosts";
export { DoubleHopCheck, doubleHopCheckProvider, doubleHopCheckSchema, doubleHopCheckOutputs, credentialSchema } from "./double-hop-check";
export { connectionSchema } from "./connection";
export type { ConnectionArgs, CredSSPClientArgs, CredSSPServerArgs, DelegationPolicyArgs, TrustedHostsArgs, DoubleHopCheckArgs, CredentialArgs } from "./args";
