// What the four providers share beyond plumbing: ids, the diff rule, and the outputs
// every resource has.
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { Connection } from "./connection";
import { needsMigration } from "./legacy-state";

/**
 * The outputs every resource has besides its inputs. Each resource's outputs schema
 * spreads these; the schemas exist for their descriptions (schema.json, the README).
 */
export const COMMON_OUTPUTS = {
  host: z.string().describe("The host this resource manages (`connection.host`)."),
  lastApplied: z
    .array(z.string())
    .describe("What the last create or update changed on the host; empty when it adopted existing settings."),
};

/** A readable, unique id: `<host>/<Kind>/<uuid>` (several resources may share a host). */
export function newId(kind: string, c: Connection): string {
  return `${c.host}/${kind}/${randomUUID()}`;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * The diff every resource uses: any input that differs is a change; only a new
 * `connection.host` replaces (it is another machine). `olds` are the last outputs,
 * which `read` keeps equal to the live state, so drift shows up here too. The
 * internal `__owner`/`__owned` never count. State written before the ledger asks
 * for one update, which registers the resource in its host's ledger.
 */
export function diffInputs(olds: Record<string, any>, news: Record<string, any>, keys: readonly string[]): pulumi.dynamic.DiffResult {
  const changed = keys.filter((k) => !deepEqual(olds[k] ?? null, news[k] ?? null));
  const oldHost = String(olds.connection?.host ?? "").toLowerCase();
  const newHost = String(news.connection?.host ?? "").toLowerCase();
  const replaces = oldHost !== newHost ? ["connection"] : [];
  return { changes: changed.length > 0 || replaces.length > 0 || needsMigration(olds), replaces, deleteBeforeReplace: false };
}

/** The internal inputs `read` hands back with the live ones, so the stored inputs keep them. */
export function internalInputs(props: Record<string, unknown>): Record<string, unknown> {
  return props.__owner === undefined ? {} : { __owner: props.__owner };
}
