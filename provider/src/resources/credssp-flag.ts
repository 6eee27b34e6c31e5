// The CredSSP role flag (Service/ or Client/Auth/CredSSP) as both CredSSPServer and
// CredSSPClient declare it: turn it on, record (when no owner has yet) what it was,
// and when the last owner leaves put that back — unless someone turned it off since.
import { credSSPSettingName, CredSSPRole, getCredSSP, setCredSSP } from "../windows";
import type { Ownership } from "./ownership";
import { subjects } from "./subjects";

/** Declares the flag on (recorded before it is written, so a failed write is still owned). */
export async function declareFlag(own: Ownership, role: CredSSPRole): Promise<void> {
  const { op } = own;
  const setting = credSSPSettingName(role);
  op.working(setting);
  const live = await getCredSSP(op.api, role);
  own.declare(subjects.flag(role), true, live ? { before: true, adopted: true } : { before: false });
  if (live) return;
  const result = await own.write(`${setting}: false -> true`, () => setCredSSP(op.api, role, true, { host: op.host }));
  if (result.changed) op.changes.push(`${setting}: ${result.previous} -> true`);
  else own.correct(subjects.flag(role), true, { before: true, adopted: true }); // another process turned it on meanwhile
}

/** Withdraws this owner; the last one restores the flag found before the first. */
export async function releaseFlag(own: Ownership, role: CredSSPRole): Promise<void> {
  const { op } = own;
  const { mine, remaining, record } = own.withdraw(subjects.flag(role));
  if (mine === undefined || record === undefined || remaining.length > 0 || record.before !== false) return;
  const setting = credSSPSettingName(role);
  op.working(setting);
  // Turned off since: nothing of ours is left, and nothing is written.
  const result = await own.write(`${setting}: true -> false`, () => setCredSSP(op.api, role, false, { host: op.host }));
  if (result.changed) op.changes.push(`${setting}: true -> false`);
}
