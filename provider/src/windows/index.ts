// Windows semantics over WinRMClient: WSMan config, the registry through StdRegProv,
// the Credentials Delegation policy lists, and the admin-facing error vocabulary.
export * from "./uris";
export * from "./transport";
export * from "./errors";
export * from "./registry";
export * from "./wsman-config";
export * from "./trusted-hosts";
export * from "./delegation";
export * from "./oracle";
export * from "./lock";
export * from "./snapshot";
export { toArray } from "./wsman-values";
