// The check shared by every scenario where one of two resources declaring an SPN
// leaves: the entry, the list's switch and ConcatenateDefaults stay on the host, and
// the host's ledger lists exactly one owner of the entry. Read out of band.
import { CREDENTIALS_DELEGATION_KEY } from "../../../provider/src/windows";
import type { FleetHost } from "../../../testkit/fleet";
import { oob, ownersOf } from "../../../testkit/out-of-band";

/** Expects AllowFreshCredentials to still hold `spn` (any case), switched on, with one owner left. */
export async function expectEntryKept(host: FleetHost, spn: string): Promise<string[]> {
  const ws = oob(host);
  const fresh = `${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`;
  expect(Object.values(await ws.entries(fresh)).map((s) => s.toLowerCase())).toContain(spn.toLowerCase());
  expect(await ws.dword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials")).toBe(1);
  expect(await ws.dword(CREDENTIALS_DELEGATION_KEY, "ConcatenateDefaults_AllowFresh")).toBe(1);
  const owners = ownersOf(await ws.ledger(), `entry:AllowFreshCredentials/${spn.toLowerCase()}`);
  expect(owners).toHaveLength(1);
  return owners;
}
