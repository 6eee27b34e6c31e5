// NTLM for WinRM (contract A): crypto primitives, client and server contexts, session
// sealing, channel bindings and SPNEGO framing.

export { md4 } from "../crypto/md4";
export { Rc4 } from "../crypto/rc4";
export { NtlmError, NtlmMessageError, NtlmAuthError, NtlmIntegrityError } from "./errors";
export type { NtlmErrorCode } from "./errors";
export type { NtlmSession, NtlmRole } from "./session";
export { NtlmSecuritySession } from "./session";
export { NtlmClient, splitUsername } from "./client";
export type { NtlmClientOptions, NtlmAuthenticateOptions } from "./client";
export { NtlmServer } from "./server";
export type { NtlmServerIdentity, NtlmServerOptions } from "./server";
export { channelBindingsHash } from "./channel-bindings";
export { unwrapSpnego, wrapSpnegoResponse, wrapSpnegoInit, wrapSpnegoAuth } from "./spnego";
