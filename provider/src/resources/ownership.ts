// One operation's ownership bookkeeping: the host's ledger (ledger.ts) plus the
// resource's own copy of what it declares (its claims, kept in Pulumi state under
// `__owned`). The ledger is the shared truth; the claims let a resource put itself
// back into the ledger when a commit was lost (a host that went away mid-apply) and
// carry state written before the ledger existed (legacy-state.ts) into it.
//
// Every create, update and delete runs inside `withOwnership`: load the ledger,
// heal it from the claims, do the work (declaring as it goes), release what the
// resource no longer declares, commit once. A failure part-way commits what was
// done (when anything was), so the record matches the host.
import type { Connection, HostOp } from "./connection";
import { onHost } from "./connection";
import { Before, HostLedger, LEDGER_SETTING, SubjectId, SubjectRecord } from "./ledger";
import { release } from "./release";

/** What a resource declares for one subject, and the record as it knew it. */
export interface Claim {
  value: unknown;
  first: Before;
}

/** The `__owned` part of a resource's state: its owner id and its claims. */
export interface Owned {
  owner: string;
  claims: Record<SubjectId, Claim>;
}

export class Ownership {
  /** Subjects declared during this operation: what the resource wants now. */
  private readonly declaredNow = new Set<SubjectId>();
  /** The write in flight, if any: what a failure must report as possibly done. */
  private pending: string | undefined;

  constructor(
    readonly op: HostOp,
    readonly ledger: HostLedger,
    /** The resource state's claims, updated in place as declarations land. */
    readonly claims: Record<SubjectId, Claim>,
  ) {}

  /** Puts back into the ledger every claim it lacks (a lost commit, or legacy state). */
  heal(): void {
    for (const [s, claim] of Object.entries(this.claims)) {
      if (!this.ledger.declares(s)) this.ledger.declare(s, claim.value, claim.first, { heal: true });
    }
  }

  record(s: SubjectId): SubjectRecord | undefined {
    return this.ledger.record(s);
  }

  /** Declares `value` for `s` (first: the record to create when no owner has one). */
  declare(s: SubjectId, value: unknown, first: Before): SubjectRecord {
    const rec = this.ledger.declare(s, value, first);
    this.declaredNow.add(s);
    this.claims[s] = { value, first: { ...snapshot(rec) } };
    return rec;
  }

  /**
   * Declares again after a write reported a different prior than the one declared
   * (another process changed the value between the read and the write).
   */
  correct(s: SubjectId, value: unknown, first: Before): SubjectRecord {
    this.ledger.retract(s);
    return this.declare(s, value, first);
  }

  /** Records a field learnt after declaring (the value name an entry took). */
  patch(s: SubjectId, fields: Partial<Before>): void {
    this.ledger.patch(s, fields);
    const claim = this.claims[s];
    if (claim) claim.first = { ...claim.first, ...fields };
  }

  withdraw(s: SubjectId): ReturnType<HostLedger["withdraw"]> {
    const result = this.ledger.withdraw(s);
    delete this.claims[s];
    this.declaredNow.delete(s);
    return result;
  }

  /**
   * Runs one host write. Should it fail, the operation may have changed the host (a
   * write can land and its answer be lost), so the failure reports it: `interrupted()`.
   */
  async write<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.pending = what;
    const result = await fn();
    this.pending = undefined;
    return result;
  }

  /** The write a failure interrupted, if one was in flight. */
  interrupted(): string | undefined {
    return this.pending;
  }

  /** Everything this resource declares, by the ledger or by its own claims. */
  mine(): SubjectId[] {
    return [...new Set([...this.ledger.mine(), ...Object.keys(this.claims)])];
  }

  /** What this resource declared before and not during this operation: to release. */
  undeclared(): SubjectId[] {
    return this.mine().filter((s) => !this.declaredNow.has(s));
  }
}

const snapshot = (rec: SubjectRecord): Before => {
  const { owners: _owners, ...before } = rec;
  void _owners;
  return JSON.parse(JSON.stringify(before)) as Before;
};

/**
 * Runs `fn` on the host (onHost: lock, session, errors) with the ledger loaded and
 * healed from `owned.claims`, and commits the ledger afterwards. `changes` is the
 * resource's `lastApplied`, which also tells whether a failure changed anything.
 */
export async function withOwnership<T>(
  c: Connection,
  owned: Owned,
  changes: string[],
  fn: (own: Ownership) => Promise<T>,
): Promise<T> {
  return onHost(
    c,
    async (op) => {
      op.working(LEDGER_SETTING);
      const ledger = await HostLedger.load(op.api, owned.owner, op.hostKey);
      const own = new Ownership(op, ledger, owned.claims);
      own.heal();
      try {
        const result = await fn(own);
        op.working(LEDGER_SETTING);
        const orphans = await ledger.commit();
        if (orphans.length > 0) {
          // Another owner left at the same time, and this write removed the last of
          // them: this operation restores what that leaves, then records it.
          for (const o of orphans) ledger.reinstate(o.subject, o.mine, o.record);
          await release(own, orphans.map((o) => o.subject));
          op.working(LEDGER_SETTING);
          await ledger.commit();
        }
        return result;
      } catch (err) {
        // A write in flight may have landed (its answer lost): say so, and treat the host as changed.
        const interrupted = own.interrupted();
        if (interrupted !== undefined && mayHaveLanded(err)) op.changes.push(`${interrupted} (interrupted: may have been applied)`);
        // Record what did happen, so nothing on the host is left without its owner.
        if (op.changes.length > 0) await ledger.commit().catch(() => undefined);
        throw err;
      }
    },
    { changes },
  );
}

/**
 * Whether a write that failed with `err` may still have changed the host. A refusal
 * — a SOAP fault, a StdRegProv error code, a Group Policy check, bad credentials —
 * means it did not; a lost connection, a timeout or a read-back that disagrees
 * means it may have.
 */
function mayHaveLanded(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return !["WINRM_FAULT", "WINRM_AUTH", "WINRM_CONFIG", "WINDOWS_POLICY_CONTROLLED", "WINDOWS_REGISTRY", "WINDOWS_INVALID_ARGUMENT"].includes(String(code));
}

/** Reads whether the host's ledger lists `owner` at all (read: is anything of this resource left?). */
export async function ledgerLists(op: HostOp, owner: string | undefined): Promise<boolean> {
  if (owner === undefined) return false;
  op.working(LEDGER_SETTING);
  return (await HostLedger.load(op.api, owner, op.hostKey)).mine().length > 0;
}

/** The other owners' view of each subject: true when any of them declares it present. */
export function othersWantPresent(ledger: HostLedger, s: SubjectId): boolean {
  return ledger.others(s).some((v) => v === true);
}
