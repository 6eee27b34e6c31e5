// The WinRM wire layer's public surface (contract C).
export { WinRMClient } from "./client";
export type { WinRMClientOptions, WinRMAuth } from "./client";
export { DEFAULT_POOL_IDLE_MS, SessionPool, sessionPool } from "./pool";
export type { PooledClient } from "./pool";
export type { CommandOptions, CommandResult } from "./shell";
export type { InvokeInput } from "./invoke";
export type { WsmanObject, WsmanValue } from "./xml";
/** For the layer above, which writes the XML bodies of WS-Transfer Put. */
export { escapeXml } from "./xml";
export {
  WinRMError,
  EndpointError,
  WSManFaultError,
  AuthenticationError,
  TransportError,
  TimeoutError,
  ProtocolError,
  ConfigurationError,
} from "./errors";
export type { Endpoint, Scheme, AuthFailureReason, TransportErrorKind, TimeoutPhase } from "./errors";
export { CredSspError, CredSspServerKeyError, CredSspStatusError } from "./credssp/errors";
export { SpnegoError } from "./gss/errors";
export {
  KerberosError,
  KerberosConfigError,
  KerberosNoCredentialsError,
  KdcUnreachableError,
  KerberosRejection,
  KerberosRejectedError,
  KerberosClockSkewError,
  KerberosPrincipalUnknownError,
  KerberosBadPasswordError,
  KerberosNoSpnError,
  KerberosProtocolError,
  KerberosIntegrityError,
  parseKdcAddress,
} from "./kerberos";
