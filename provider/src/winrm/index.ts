// The WinRM wire layer's public surface (contract C).
export { WinRMClient } from "./client";
export type { WinRMClientOptions } from "./client";
export type { CommandResult } from "./shell";
export type { InvokeInput } from "./invoke";
export type { WsmanObject, WsmanValue } from "./xml";
export {
  WinRMError,
  WSManFaultError,
  AuthenticationError,
  TransportError,
  TimeoutError,
  ProtocolError,
  ConfigurationError,
} from "./errors";
export type { Scheme, AuthFailureReason, TransportErrorKind } from "./errors";
