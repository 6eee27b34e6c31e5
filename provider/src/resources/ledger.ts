// The ownership ledger: on each managed host, one record of who declares what.
//
// Windows records no owner for a policy value or a WSMan flag, and each resource's
// Pulumi state knows only itself, so two resources declaring the same thing (a
// rename, a replacement, two stacks, two overlapping resources) could not know of
// each other, and the first to go took the setting with it. The ledger lives on the
// host, next to what it describes, so every resource that manages the host — from
// any stack, any process — sees the same record:
//
//   HKLM\SOFTWARE\pulumi-credssp  Ledger (REG_SZ) = {"format":1,"subjects":{…}}
//
// One subject per thing we manage (subjects.ts): for each, the owners declaring it
// (owner id → the value it declares) and what it held before the first of them came.
// The last owner to leave restores that; nobody else removes anything.
//
// StdRegProv has no compare-and-set, so an operation reads the ledger once at its
// start, works, and commits its own changes (a delta) once at its end: re-read,
// merge, write, pause, read back. The pause (twice the round trip just measured)
// lets a concurrent writer's stale write land before the read-back, which then lacks
// the delta: it is merged again and rewritten, a few times. Whoever's write removes
// the last owner of a subject restores it, even when its own view at the start still
// showed another owner (both left at once). What remains is documented in the
// README: a writer whose re-read and write take longer than the other's pause can
// still overwrite it unseen, and a join racing a last leave can find its setting
// restored away (its next refresh shows the drift; up puts it back). The ledger an
// operation decides by may be handed on from the operation before on the host (up to
// 2 s old, see handedOver), which widens that last window by as much.
import { hklmPath, LEDGER_KEY, LEDGER_VALUE, Registry } from "../windows";
import type { WsmanHostApi } from "../windows";
import { deepEqual } from "./common";
import { LedgerError } from "./errors";

export type SubjectId = string;

/** What a subject held before the first of its owners came, and how that was learnt. */
export interface Before {
  /** The value before the first owner; null = absent. */
  before: unknown;
  /**
   * The first owner found it already as it declares it, so `before` is only what it
   * saw (it may have been one of ours whose record was lost): nothing to restore.
   */
  adopted?: true;
  /** A delegation list entry this project wrote: the registry value name it took. */
  name?: string;
  /** A delegation list's switch: the entry names the list held when its first owner came. */
  names?: string[];
}

export interface SubjectRecord extends Before {
  /** Owner id → the value it declares, in the order they declared it. */
  owners: Record<string, unknown>;
}

export interface LedgerDoc {
  format: 1;
  subjects: Record<SubjectId, SubjectRecord>;
}

const FORMAT = 1;
/** Attempts to land one commit when other writers keep overwriting it. */
const MAX_ATTEMPTS = 5;
/** Where the ledger is, for messages and for `HostOp.working`. */
export const LEDGER_SETTING = hklmPath(LEDGER_KEY, LEDGER_VALUE);

/** This operation's change to one subject, re-applied on top of whatever the host holds at commit. */
interface Delta {
  withdrawn: boolean;
  /** Withdrawn while other owners remained in this operation's view: it restored nothing. */
  leftOthers?: boolean;
  /** Withdrawn: the value this owner had declared. */
  mine?: unknown;
  value?: unknown;
  /** The record's fields as this operation knows them (used when the host has none). */
  fields: Before;
  /** This operation created the record (no owner had one when it looked). */
  created?: boolean;
  /**
   * Replace an adopted record's `before` with `fields`: this operation saw the real
   * prior (it changed the value), while the adoption may have seen its write — a
   * record created at the same time by another process, or a healed claim.
   */
  override?: boolean;
  /** Fields this operation changed on an existing record (e.g. the name of an entry it rewrote). */
  patch?: Partial<Before>;
}

const beforeOf = (r: Before): Before => {
  const b: Before = { before: r.before ?? null };
  if (r.adopted) b.adopted = true;
  if (r.name !== undefined) b.name = r.name;
  if (r.names !== undefined) b.names = [...r.names];
  return b;
};

const emptyDoc = (): LedgerDoc => ({ format: FORMAT, subjects: {} });

/** Parses the stored text; refuses what it cannot read rather than start over (that would forget owners). */
export function parseLedger(text: string | undefined): LedgerDoc {
  if (text === undefined || text.trim() === "") return emptyDoc();
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new LedgerError(`${LEDGER_SETTING} is not valid JSON; restore it from a backup or delete the value (every resource then re-registers on its next update)`);
  }
  const d = doc as Partial<LedgerDoc>;
  if (typeof d !== "object" || d === null || typeof d.format !== "number" || typeof d.subjects !== "object" || d.subjects === null) {
    throw new LedgerError(`${LEDGER_SETTING} does not hold a pulumi-credssp ledger`);
  }
  if (d.format > FORMAT) throw new LedgerError(`${LEDGER_SETTING} was written by a newer pulumi-credssp (format ${d.format}); upgrade to manage this host`);
  return { format: FORMAT, subjects: d.subjects as Record<SubjectId, SubjectRecord> };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Per host (its lock key), the ledger as the last operation through this process read
 * it back at its commit: the next operation on the host — they queue on its lock, and
 * Pulumi creates or deletes a host's resources close together — starts from it instead
 * of reading it again, while it is this fresh. Every operation here that changes the
 * ledger goes through its commit, which replaces this record, so it is never behind
 * this process; what other processes wrote meanwhile the commit's re-read merges, as
 * before. Only the read that decides is saved.
 */
const handedOver = new Map<string, { doc: LedgerDoc; at: number }>();
const HANDOVER_MAX_AGE_MS = 2000;

/** Forgets every handed-over ledger: the next operation on each host reads its own (tests measure operations alone with it). */
export function forgetHandedOverLedgers(): void {
  handedOver.clear();
}
const copy = (doc: LedgerDoc): LedgerDoc => JSON.parse(JSON.stringify(doc)) as LedgerDoc;

/** One operation's view of a host's ledger: loaded once, changed in memory, committed once. */
export class HostLedger {
  private readonly deltas = new Map<SubjectId, Delta>();

  private constructor(
    private readonly reg: Registry,
    /** This resource's owner id. */
    readonly owner: string,
    private doc: LedgerDoc,
    private readonly hostKey: string | undefined,
  ) {}

  /** Reads the host's ledger, or takes it from the operation before on the host (see handedOver). */
  static async load(api: WsmanHostApi, owner: string, hostKey?: string): Promise<HostLedger> {
    const reg = new Registry(api);
    const passed = hostKey === undefined ? undefined : handedOver.get(hostKey);
    if (passed && Date.now() - passed.at <= HANDOVER_MAX_AGE_MS) return new HostLedger(reg, owner, copy(passed.doc), hostKey);
    const doc = await readDoc(reg);
    if (hostKey !== undefined) handedOver.set(hostKey, { doc: copy(doc), at: Date.now() });
    return new HostLedger(reg, owner, doc, hostKey);
  }

  record(s: SubjectId): SubjectRecord | undefined {
    return this.doc.subjects[s];
  }

  /** True when this owner declares `s`. */
  declares(s: SubjectId): boolean {
    return Object.prototype.hasOwnProperty.call(this.doc.subjects[s]?.owners ?? {}, this.owner);
  }

  /** The values other owners declare for `s`, oldest declaration first. */
  others(s: SubjectId): unknown[] {
    const owners = this.doc.subjects[s]?.owners ?? {};
    return Object.entries(owners)
      .filter(([o]) => o !== this.owner)
      .map(([, v]) => v);
  }

  /** The subjects this owner declares. */
  mine(): SubjectId[] {
    return Object.keys(this.doc.subjects).filter((s) => this.declares(s));
  }

  /** Every owner id in the ledger (for messages and tests). */
  owners(): string[] {
    const all = new Set<string>();
    for (const r of Object.values(this.doc.subjects)) for (const o of Object.keys(r.owners)) all.add(o);
    return [...all];
  }

  /**
   * Registers this owner as declaring `value` for `s`. When no owner has a record
   * of `s`, `first` becomes it: what was there before the first of us. `heal` marks
   * a claim carried over from this resource's own state (a lost commit, or state
   * from before the ledger): its observed prior beats a later owner's adoption.
   */
  declare(s: SubjectId, value: unknown, first: Before, opts: { heal?: boolean } = {}): SubjectRecord {
    let rec = this.doc.subjects[s];
    const delta: Delta = this.deltas.get(s) ?? { withdrawn: false, fields: beforeOf(first) };
    if (rec === undefined) {
      rec = { ...beforeOf(first), owners: {} };
      this.doc.subjects[s] = rec;
      delta.created = true;
      if (!first.adopted) delta.override = true;
    } else if (opts.heal && rec.adopted && !first.adopted) {
      Object.assign(rec, beforeOf(first));
      delete rec.adopted;
      delta.override = true;
    }
    delete rec.owners[this.owner]; // a (re)declaration goes last: the newest declaration wins conflicts
    rec.owners[this.owner] = value;
    delta.withdrawn = false;
    delta.value = value;
    delta.fields = beforeOf(rec);
    this.deltas.set(s, delta);
    return rec;
  }

  /**
   * Undoes a declaration this operation just made that created the record, when the
   * write it was made for found the host already changed (another process got there
   * first): the caller declares again with what the write reported.
   */
  retract(s: SubjectId): void {
    const delta = this.deltas.get(s);
    if (!delta?.created) return;
    delete this.doc.subjects[s];
    this.deltas.delete(s);
  }

  /** Changes fields of `s`'s record (e.g. the value name an entry took when this owner wrote it). */
  patch(s: SubjectId, fields: Partial<Before>): void {
    const rec = this.doc.subjects[s];
    if (rec === undefined) return;
    Object.assign(rec, fields);
    const delta = this.deltas.get(s) ?? { withdrawn: !this.declares(s), fields: beforeOf(rec) };
    delta.patch = { ...delta.patch, ...fields };
    delta.fields = beforeOf(rec);
    this.deltas.set(s, delta);
  }

  /**
   * Deregisters this owner from `s`. Returns what it declared, what the remaining
   * owners declare, and the record (kept for the restore when it was the last).
   */
  withdraw(s: SubjectId): { mine: unknown; remaining: unknown[]; record: SubjectRecord | undefined } {
    const rec = this.doc.subjects[s];
    if (rec === undefined || !this.declares(s)) return { mine: undefined, remaining: this.others(s), record: rec };
    const mine = rec.owners[this.owner];
    delete rec.owners[this.owner];
    const remaining = Object.values(rec.owners);
    if (remaining.length === 0) delete this.doc.subjects[s];
    const prior = this.deltas.get(s);
    this.deltas.set(s, { withdrawn: true, leftOthers: remaining.length > 0, mine, fields: beforeOf(rec), override: prior?.override, patch: prior?.patch });
    return { mine, remaining, record: rec };
  }

  /** True when this operation has something to write. */
  get dirty(): boolean {
    return this.deltas.size > 0;
  }

  /**
   * Writes this operation's changes: re-read, merge them in, write, pause, read back.
   * When the read-back lacks them (another process wrote in between), merge into what
   * it shows and write again. Nothing to do → no request at all. Returns the subjects
   * whose last owner this write removed although this operation had seen others
   * remaining (they left at the same time): the caller must restore those.
   */
  async commit(): Promise<Array<{ subject: SubjectId; mine: unknown; record: SubjectRecord }>> {
    if (this.deltas.size === 0) return [];
    if (this.hostKey !== undefined) handedOver.delete(this.hostKey); // until this commit's read-back says what the host holds
    const t0 = Date.now();
    let current = await readDoc(this.reg);
    const roundTrip = Math.max(1, Date.now() - t0);
    let orphans: Array<{ subject: SubjectId; mine: unknown; record: SubjectRecord }> = [];
    for (let attempt = 1; ; attempt++) {
      if (this.satisfiedBy(current)) break;
      if (attempt > MAX_ATTEMPTS) {
        throw new LedgerError(`${LEDGER_SETTING} kept changing under this operation (${MAX_ATTEMPTS} attempts); another process is writing it — retry`);
      }
      if (attempt > 1) await sleep(Math.floor(Math.random() * 40 * attempt));
      orphans = this.orphansIn(current);
      await writeDoc(this.reg, this.mergeInto(current), Object.keys(current.subjects).length === 0);
      // A concurrent writer that re-read before this write lands its (stale) write
      // within about one round trip: wait for it, so the read-back can see it.
      await sleep(Math.min(2000, 2 * roundTrip + Math.floor(Math.random() * roundTrip)));
      current = await readDoc(this.reg);
    }
    this.doc = current;
    this.deltas.clear();
    if (this.hostKey !== undefined) handedOver.set(this.hostKey, { doc: copy(current), at: Date.now() });
    return orphans;
  }

  /**
   * Puts a subject back into this operation's view with this owner as its only one
   * (not written): so that the release code, withdrawing again, restores it.
   */
  reinstate(s: SubjectId, mine: unknown, record: SubjectRecord): void {
    this.doc.subjects[s] = { ...beforeOf(record), owners: { [this.owner]: mine } };
  }

  /** Withdrawn subjects of which `base` shows this owner as the last one, though this operation saw others. */
  private orphansIn(base: LedgerDoc): Array<{ subject: SubjectId; mine: unknown; record: SubjectRecord }> {
    const out: Array<{ subject: SubjectId; mine: unknown; record: SubjectRecord }> = [];
    for (const [s, d] of this.deltas) {
      const owners = Object.keys(base.subjects[s]?.owners ?? {});
      if (d.withdrawn && d.leftOthers && owners.length === 1 && owners[0] === this.owner) {
        out.push({ subject: s, mine: d.mine, record: { ...base.subjects[s] } });
      }
    }
    return out;
  }

  /** `doc` with this operation's deltas applied (a copy). */
  mergeInto(doc: LedgerDoc): LedgerDoc {
    const out = copy(doc);
    for (const [s, d] of this.deltas) {
      let rec = out.subjects[s];
      if (rec === undefined) {
        if (d.withdrawn) continue;
        rec = { ...beforeOf(d.fields), owners: {} };
      } else {
        if (d.override && rec.adopted) {
          Object.assign(rec, beforeOf(d.fields));
          if (!d.fields.adopted) delete rec.adopted;
        }
        if (d.patch) Object.assign(rec, d.patch);
      }
      delete rec.owners[this.owner];
      if (!d.withdrawn) rec.owners[this.owner] = d.value;
      if (Object.keys(rec.owners).length === 0) delete out.subjects[s];
      else out.subjects[s] = rec;
    }
    return out;
  }

  /** True when `doc` already shows every delta of this operation. */
  private satisfiedBy(doc: LedgerDoc): boolean {
    for (const [s, d] of this.deltas) {
      const rec = doc.subjects[s];
      const has = rec !== undefined && Object.prototype.hasOwnProperty.call(rec.owners, this.owner);
      if (d.withdrawn ? has : !has || !deepEqual(rec.owners[this.owner], d.value)) return false;
      if (rec === undefined) continue;
      if (d.override && rec.adopted) return false;
      if (d.patch && Object.entries(d.patch).some(([k, v]) => !deepEqual((rec as unknown as Record<string, unknown>)[k], v))) return false;
    }
    return true;
  }
}

async function readDoc(reg: Registry): Promise<LedgerDoc> {
  return parseLedger(await reg.getString(LEDGER_KEY, LEDGER_VALUE));
}

/**
 * Stores `doc`; an empty ledger takes its value and its key with it (the host is as
 * we found it). `fresh`: the host had no ledger, so its key is probably missing too.
 */
async function writeDoc(reg: Registry, doc: LedgerDoc, fresh: boolean): Promise<void> {
  if (Object.keys(doc.subjects).length === 0) {
    // Our own key, holding only the ledger: deleting it takes the value along (one request).
    await reg.deleteKey(LEDGER_KEY).catch(() => reg.deleteValue(LEDGER_KEY, LEDGER_VALUE));
    return;
  }
  if (fresh) await reg.createKey(LEDGER_KEY);
  // The key is created here too when missing: the first owner on this host (or the last one just left).
  await reg.setStringCreatingKey(LEDGER_KEY, LEDGER_VALUE, JSON.stringify(doc));
}
