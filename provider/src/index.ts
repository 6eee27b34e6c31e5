// pulumi-credssp: CredSSP delegation for Windows hosts as Pulumi resources.
import { credSSPClientProvider } from "./resources/credssp-client";
import { credSSPServerProvider } from "./resources/credssp-server";
import { delegationPolicyProvider } from "./resources/delegation-policy";
import { trustedHostsProvider } from "./resources/trusted-hosts";
import { doubleHopCheckProvider } from "./resources/double-hop-check";
import { quietErrors } from "./resources/dynamic";

export { CredSSPServer, CredSSPClient, DelegationPolicy, TrustedHosts, DoubleHopCheck } from "./resources";
export type {
  CredSSPServerArgs,
  CredSSPClientArgs,
  DelegationPolicyArgs,
  TrustedHostsArgs,
  DoubleHopCheckArgs,
  ConnectionArgs,
  CredentialArgs,
} from "./resources";
export type { DoubleHopLink } from "./windows";
// The wire layer's public surface (contract C): the client, its option and value types, its errors.
export {
  WinRMClient,
  WinRMError,
  WSManFaultError,
  AuthenticationError,
  TransportError,
  TimeoutError,
  ProtocolError,
  ConfigurationError,
} from "./winrm";
export type {
  WinRMClientOptions,
  CommandOptions,
  CommandResult,
  InvokeInput,
  WsmanObject,
  WsmanValue,
  Scheme,
  AuthFailureReason,
  TransportErrorKind,
} from "./winrm";

/**
 * The provider implementations, by resource kind. The provider object serialised
 * into Pulumi state only `require`s this package and calls in here (see
 * resources/dynamic.ts), so no code or credentials are captured in state. Their
 * errors reach the engine once, without the dynamic-provider host's extra stack
 * line (quietErrors).
 */
export const providers = {
  CredSSPServer: quietErrors(credSSPServerProvider),
  CredSSPClient: quietErrors(credSSPClientProvider),
  DelegationPolicy: quietErrors(delegationPolicyProvider),
  TrustedHosts: quietErrors(trustedHostsProvider),
  DoubleHopCheck: quietErrors(doubleHopCheckProvider),
} as const;
