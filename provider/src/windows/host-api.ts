// The slice of WinRMClient (contract C) this layer is allowed to use: WS-Transfer
// Get/Put and custom-action Invoke. A Pick of the real class, so signatures cannot
// drift, yet any object with these three methods (a test double) can stand in.
// Type-only imports: this layer has no runtime dependency on the wire layer.

import type { InvokeInput, WinRMClient, WsmanObject } from "../winrm";

export type WsmanTransport = Pick<WinRMClient, "get" | "put" | "invoke">;

/** Parameters of a StdRegProv method call. */
export type RegistryInvokeInput = InvokeInput;

export type { WsmanObject };
