// What a request a simulated host received is about, by where it reads or writes: the
// areas docs/ARCHITECTURE.md's request breakdown ("Sessions and request budgets") counts.
// Shared by the request-budget test, which pins them, and `npm run bench -- requests`,
// which lists them.
import type { ReceivedOperation } from "../simulator/src";

export type RequestArea = "identity" | "ledger" | "wsman" | "lists" | "other";

const CONFIG_PREFIX = "http://schemas.microsoft.com/wbem/wsman/1/config";

export function requestArea(op: ReceivedOperation): RequestArea {
  const r = op.registry;
  if (!r) return op.resourceUri.toLowerCase().startsWith(CONFIG_PREFIX) ? "wsman" : "other";
  const key = r.key.toLowerCase();
  if (key === "software\\microsoft\\cryptography" && r.value?.toLowerCase() === "machineguid") return "identity";
  if (key.startsWith("software\\pulumi-credssp")) return "ledger";
  // WinRM's own Group Policy values: read to tell a setting a GPO holds.
  if (key.startsWith("software\\policies\\microsoft\\windows\\winrm")) return "wsman";
  return "lists";
}

/** Operations per area, in the order areas first appear. */
export function countByArea(ops: ReceivedOperation[]): Partial<Record<RequestArea, number>> {
  const out: Partial<Record<RequestArea, number>> = {};
  for (const op of ops) {
    const a = requestArea(op);
    out[a] = (out[a] ?? 0) + 1;
  }
  return out;
}
