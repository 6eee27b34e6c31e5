// The CredSSP role flag (Service/ or Client/Auth/CredSSP) as both CredSSPServer and
// CredSSPClient own it: turn it on, remember what it was only if this resource
// changed it, and on delete put that back — unless someone turned it off since.
import { credSSPSettingName, CredSSPRole, getCredSSP, setCredSSP, WsmanTransport } from "../windows";
import type { Step } from "./connection";

/** Present when this resource changed the flag: the value to restore on delete. */
export type OwnedFlag = { previous: boolean } | undefined;

/** Ensures the flag is on; returns the ownership record to keep (the old one if any). */
export async function enableFlag(
  t: WsmanTransport,
  role: CredSSPRole,
  owned: OwnedFlag,
  host: string,
  step: Step,
  changes: string[],
): Promise<OwnedFlag> {
  step.setting = credSSPSettingName(role);
  const result = await setCredSSP(t, role, true, { host });
  if (!result.changed) return owned;
  changes.push(`${credSSPSettingName(role)}: ${result.previous} -> true`);
  return owned ?? { previous: result.previous };
}

/** Undoes enableFlag: restores the prior value if this resource changed it and it is still on. */
export async function restoreFlag(t: WsmanTransport, role: CredSSPRole, owned: OwnedFlag, host: string, step: Step): Promise<void> {
  if (owned === undefined) return; // adopted: it was on before us, so it stays
  step.setting = credSSPSettingName(role);
  if ((await getCredSSP(t, role)) === true) await setCredSSP(t, role, owned.previous, { host });
}
