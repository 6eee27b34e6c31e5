// Authenticated sessions kept for reuse inside one process. A Pulumi run performs many
// operations on each host; opening a client per operation paid the authentication
// handshake (NTLM: two extra requests, CredSSP: five) every time. The pool keeps one
// WinRMClient per (endpoint, credentials, transport settings) and hands it to every
// caller asking for the same thing:
// - its requests stay serialised on its one connection (WsmanSession's queue);
// - a connection the server dropped, or a context it forgot (401), is authenticated
//   again by the client itself on the next request — only requests safe to repeat are
//   retried, as for any client;
// - a client nobody holds is closed after `idleMs`, and every client at process exit.
// The pool knows nothing of Windows; the layer above decides what runs under which lock.
import { createHash } from "node:crypto";
import { WinRMClient } from "./client";
import type { WinRMClientOptions } from "./client";

export interface PooledClient {
  readonly client: WinRMClient;
  /** Gives the client back; it stays open for the next caller until idle for idleMs. */
  release(): void;
}

interface Entry {
  client: WinRMClient;
  holders: number;
  idleTimer?: NodeJS.Timeout;
}

/**
 * Long enough to span the gaps between one host's operations in a big run (the engine
 * does not take a host's resources together: at 20 s, a 50-host `up` lost a session on
 * about every host), short of the 120 s after which Windows (HTTP.sys) drops an idle
 * connection.
 */
export const DEFAULT_POOL_IDLE_MS = 60_000;

export class SessionPool {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly idleMs: number = DEFAULT_POOL_IDLE_MS) {}

  /** A client for these options: the pooled one when there is one, else a new one (validation errors are thrown here). */
  acquire(options: WinRMClientOptions): PooledClient {
    const key = poolKey(options);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { client: new WinRMClient(options), holders: 0 };
      this.entries.set(key, entry);
    }
    const e = entry;
    e.holders++;
    if (e.idleTimer) {
      clearTimeout(e.idleTimer);
      e.idleTimer = undefined;
    }
    let released = false;
    return {
      client: e.client,
      release: () => {
        if (released) return;
        released = true;
        if (--e.holders > 0) return;
        e.idleTimer = setTimeout(() => this.evict(key, e), this.idleMs);
        e.idleTimer.unref();
      },
    };
  }

  /** Clients open in the pool (held or idle). */
  get size(): number {
    return this.entries.size;
  }

  /** Closes every pooled client, held or not (their holders' next requests fail as on a closed client). */
  closeAll(): void {
    for (const [key, e] of this.entries) this.evict(key, e);
  }

  private evict(key: string, e: Entry): void {
    if (e.idleTimer) clearTimeout(e.idleTimer);
    if (this.entries.get(key) === e) this.entries.delete(key);
    void e.client.close();
  }
}

/**
 * The identity of a session: every option (what the client connects to, how it
 * authenticates, what it trusts, its timeouts), whatever options a scheme adds. The
 * password enters only as a hash, so the key never holds it in clear; two passwords
 * for one user are two sessions.
 */
function poolKey(o: WinRMClientOptions): string {
  const { password, ...rest } = o;
  const secret = password === undefined ? null : createHash("sha256").update(password).digest("base64");
  const fields = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Without a password, Kerberos takes its ticket from the credential cache (and the
  // realm's settings from krb5.conf) the environment names at authentication time.
  const env = o.kerberosEnv ?? process.env;
  const cache = password === undefined ? [env.KRB5CCNAME ?? null, env.KRB5_CONFIG ?? null] : null;
  return JSON.stringify([fields, secret, cache]);
}

/** The process's pool: one per provider process, shared by every resource operation. */
export const sessionPool = new SessionPool();
process.once("exit", () => sessionPool.closeAll());
