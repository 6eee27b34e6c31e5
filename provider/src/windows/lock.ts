// A per-host mutex inside one provider process. Pulumi runs resources in parallel in
// one process, and several resources read-modify-write the same host values
// (CredSSPClient and DelegationPolicy both edit AllowFreshCredentials), so each
// read-modify-write runs under the host's lock. Re-entering a lock already held by
// the current async call chain runs at once instead of deadlocking.
//
// The lock belongs to the Windows host, not to the endpoint: one host reached over 5985
// and 5986, or by name and by address, is one host. The key is the host's MachineGuid
// (HKLM\SOFTWARE\Microsoft\Cryptography), generated once per Windows installation and
// read once per session with one StdRegProv call; simulated hosts that share 127.0.0.1
// each have their own. Where it cannot be read, the host name as given (normalised)
// stands in — a coarser key, never a wrong merge of two hosts' writes.

import { AsyncLocalStorage } from "node:async_hooks";
import type { WsmanHostApi } from "./host-api";
import { Registry } from "./registry";
import { MACHINE_GUID_KEY, MACHINE_GUID_VALUE } from "./uris";

const tails = new Map<string, Promise<void>>();
const held = new AsyncLocalStorage<ReadonlySet<string>>();

/** The fallback lock key: the host name as given, case-folded, without brackets or a trailing dot. */
export function hostLockKey(host: string): string {
  return `name:${host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "")}`;
}

/**
 * The lock key of the Windows host behind a session: its MachineGuid, or undefined when
 * the host does not expose one (the caller then uses hostLockKey). Errors other than a
 * registry refusal (a broken connection, bad credentials) propagate.
 */
export async function hostIdentity(api: WsmanHostApi): Promise<string | undefined> {
  try {
    const guid = await new Registry(api).getString(MACHINE_GUID_KEY, MACHINE_GUID_VALUE);
    return guid && guid.trim() ? `machine:${guid.trim().toLowerCase()}` : undefined;
  } catch (err) {
    if ((err as { code?: unknown }).code === "WINDOWS_REGISTRY") return undefined;
    throw err;
  }
}

/** Run `fn` once every earlier holder of `hostId` has finished (in FIFO order). */
export async function withHostLock<T>(hostId: string, fn: () => Promise<T>): Promise<T> {
  const mine = held.getStore();
  if (mine?.has(hostId)) return fn();

  const previous = tails.get(hostId) ?? Promise.resolve();
  let release!: () => void;
  const current = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => current);
  tails.set(hostId, tail);
  try {
    await previous;
    const nowHeld = new Set(mine ?? []);
    nowHeld.add(hostId);
    return await held.run(nowHeld, fn);
  } finally {
    release();
    // Forget the key once nobody is queued behind us, so the map does not grow per host forever.
    if (tails.get(hostId) === tail) tails.delete(hostId);
  }
}

/** Number of hosts with a holder or waiters (for tests). */
export function activeHostLocks(): number {
  return tails.size;
}
