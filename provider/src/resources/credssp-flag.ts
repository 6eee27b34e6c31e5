// The CredSSP role flag (Service/ or Client/Auth/CredSSP) as both CredSSPServer and
// CredSSPClient own it: turn it on, remember what it was only if this resource
// changed it, and on delete put that back — unless someone turned it off since.
import { credSSPSettingName, CredSSPRole, getCredSSP, setCredSSP } from "../windows";
import type { HostOp } from "./connection";

/** Present when this resource changed the flag: the value to restore on delete. */
export type OwnedFlag = { previous: boolean } | undefined;

/** Ensures the flag is on; returns the ownership record to keep (the old one if any). */
export async function enableFlag(op: HostOp, role: CredSSPRole, owned: OwnedFlag): Promise<OwnedFlag> {
  op.working(credSSPSettingName(role));
  const result = await setCredSSP(op.api, role, true, { host: op.host });
  if (!result.changed) return owned;
  op.changes.push(`${credSSPSettingName(role)}: ${result.previous} -> true`);
  return owned ?? { previous: result.previous };
}

/** Undoes enableFlag: restores the prior value if this resource changed it and it is still on. */
export async function restoreFlag(op: HostOp, role: CredSSPRole, owned: OwnedFlag): Promise<void> {
  if (owned === undefined) return; // adopted: it was on before us, so it stays
  op.working(credSSPSettingName(role));
  if ((await getCredSSP(op.api, role)) === true) await setCredSSP(op.api, role, owned.previous, { host: op.host });
}
