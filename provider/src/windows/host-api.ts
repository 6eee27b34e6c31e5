// The slice of WinRMClient (contract C) this layer is allowed to use: WS-Transfer
// Get/Put and custom-action Invoke on one host. A Pick of the real class, so
// signatures cannot drift, yet any object with these three methods (a test double)
// can stand in. Type-only imports: the layer needs no wire code to describe it.

import type { InvokeInput, WinRMClient, WsmanObject } from "../winrm";

export type WsmanHostApi = Pick<WinRMClient, "get" | "put" | "invoke">;

/** Parameters of a StdRegProv method call. */
export type RegistryInvokeInput = InvokeInput;

export type { WsmanObject };
