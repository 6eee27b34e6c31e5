export { CredSSPServer, CredSSPServerArgs, credSSPServerProvider, credSSPServerSchema } from "./credssp-server";
export { CredSSPClient, CredSSPClientArgs, credSSPClientProvider, credSSPClientSchema, wsmanSpn } from "./credssp-client";
export { DelegationPolicy, DelegationPolicyArgs, delegationPolicyProvider, delegationPolicySchema, LIST_PROPERTIES } from "./delegation-policy";
export { TrustedHosts, TrustedHostsArgs, trustedHostsProvider, trustedHostsSchema } from "./trusted-hosts";
export { ConnectionArgs, connectionSchema } from "./connection";
