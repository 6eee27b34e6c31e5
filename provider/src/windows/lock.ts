// A per-host mutex inside one provider process. Pulumi runs resources in parallel in
// one process, and several resources read-modify-write the same host values
// (CredSSPClient and DelegationPolicy both edit AllowFreshCredentials), so each
// read-modify-write runs under the host's lock. Re-entering a lock already held by
// the current async call chain runs at once instead of deadlocking.

import { AsyncLocalStorage } from "node:async_hooks";

const tails = new Map<string, Promise<void>>();
const held = new AsyncLocalStorage<ReadonlySet<string>>();

/** The lock key for a connection: the same host on another port is another WinRM endpoint. */
export function hostLockKey(host: string, port?: number): string {
  return port === undefined ? host.trim().toLowerCase() : `${host.trim().toLowerCase()}:${port}`;
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
