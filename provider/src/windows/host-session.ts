// The one way the layer above reaches a host: a pooled, authenticated session
// (winrm/pool.ts) handed out under the host's lock. The host's identity (its
// MachineGuid, the lock key) is read once per session, not once per operation.
import { sessionPool } from "../winrm";
import type { WinRMClient, WinRMClientOptions } from "../winrm";
import { currentTenure, hostIdentity, hostLockKey, withHostLock } from "./lock";
import type { LockTenure } from "./lock";

const identities = new WeakMap<WinRMClient, Promise<string | undefined>>();

/** The lock key of the host behind a session, read on its first use; a failed read is tried again next time. */
function identityOf(client: WinRMClient): Promise<string | undefined> {
  let known = identities.get(client);
  if (!known) {
    known = hostIdentity(client);
    identities.set(client, known);
    known.catch(() => identities.delete(client));
  }
  return known;
}

/**
 * Runs `fn` with the pooled session for these options, holding the host's lock for the
 * whole of it (a read-modify-write must not interleave with another on the same host,
 * reached through any endpoint), and the lock's tenure (lock.ts). The session goes back to the pool afterwards, open
 * for the next operation on the host.
 */
export async function withHostSession<T>(
  options: WinRMClientOptions,
  fn: (client: WinRMClient, tenure: LockTenure | undefined) => Promise<T>,
  mode: { readOnly?: boolean } = {},
): Promise<T> {
  const lease = sessionPool.acquire(options);
  try {
    // Reads queue on a lock of their own, per endpoint: they need no MachineGuid (one
    // request less per host in a refresh) and do not wait for writes — Pulumi refreshes
    // before it writes. Queued together, they share what they read (onHost).
    const identity = mode.readOnly
      ? `reads:${hostLockKey(options.host)}:${options.port ?? ""}`
      : (await identityOf(lease.client)) ?? hostLockKey(options.host);
    return await withHostLock(identity, () => fn(lease.client, currentTenure(identity)));
  } finally {
    lease.release();
  }
}
