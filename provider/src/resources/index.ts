export { CredSSPServer, credSSPServerProvider, credSSPServerSchema, credSSPServerOutputs } from "./credssp-server";
export { CredSSPClient, credSSPClientProvider, credSSPClientSchema, credSSPClientOutputs, wsmanSpn } from "./credssp-client";
export { DelegationPolicy, delegationPolicyProvider, delegationPolicySchema, delegationPolicyOutputs, LIST_PROPERTIES } from "./delegation-policy";
export { TrustedHosts, trustedHostsProvider, trustedHostsSchema, trustedHostsOutputs } from "./trusted-hosts";
export { connectionSchema } from "./connection";
export type { ConnectionArgs, CredSSPClientArgs, CredSSPServerArgs, DelegationPolicyArgs, TrustedHostsArgs } from "./args";
