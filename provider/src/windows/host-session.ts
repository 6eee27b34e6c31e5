// The one way the layer above reaches a host: a pooled, authenticated session
// (winrm/pool.ts) handed out under the host's lock. The host's identity (its
// MachineGuid, the lock key) is read once per session, not once per operation.
import { sessionPool } from "../winrm";
import type { WinRMClient, WinRMClientOptions } from "../winrm";
import { hostIdentity, hostLockKey, withHostLock } from "./lock";

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
 * reached through any endpoint), and tells it the lock's key (the host's identity).
 * The session goes back to the pool afterwards, open for the next operation on the host.
 * A read (`mode.readOnly`) takes no lock and so needs no MachineGuid: it writes
 * nothing, and Pulumi refreshes before it writes; its requests still queue on the
 * session's one connection.
 */
export async function withHostSession<T>(
  options: WinRMClientOptions,
  fn: (client: WinRMClient, hostKey: string | undefined) => Promise<T>,
  mode: { readOnly?: boolean } = {},
): Promise<T> {
  const lease = sessionPool.acquire(options);
  try {
    if (mode.readOnly) return await fn(lease.client, undefined);
    const identity = (await identityOf(lease.client)) ?? hostLockKey(options.host);
    return await withHostLock(identity, () => fn(lease.client, identity));
  } finally {
    lease.release();
  }
}
