// The per-property breakdown of a diff, for `pulumi preview --diff` and the
// detailedDiff of engine events. Whether there are changes and what replaces stays
// the resource's own decision (its `diff`); this only names where the old state and
// the new inputs differ, so the engine does not have to guess from its own compare.
import { deepEqual } from "../resources/common";
import type { PropertyMap } from "./values";

export type DiffKind = "add" | "delete" | "update";

export interface PropertyChange {
  /** A property path as the engine spells it: `connection.port`, `hosts`. */
  path: string;
  kind: DiffKind;
  /** Changing this property replaces the resource. */
  replace: boolean;
}

const isObject = (v: unknown): v is PropertyMap => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Where `olds` (the last state, which read keeps equal to the live host) and `news`
 * (checked inputs) differ, over the input properties `keys`. Objects are compared
 * field by field; lists as a whole. `replaces` are the top-level properties the
 * resource said force a replacement.
 */
export function propertyChanges(olds: PropertyMap, news: PropertyMap, keys: Iterable<string>, replaces: readonly string[]): PropertyChange[] {
  const changes: PropertyChange[] = [];
  const visit = (path: string, top: string, a: unknown, b: unknown) => {
    if (deepEqual(a ?? null, b ?? null)) return;
    if (isObject(a) && isObject(b)) {
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) visit(`${path}.${k}`, top, a[k], b[k]);
      return;
    }
    const kind: DiffKind = a === undefined || a === null ? "add" : b === undefined || b === null ? "delete" : "update";
    changes.push({ path, kind, replace: replaces.includes(top) });
  };
  for (const key of [...new Set(keys)].sort()) visit(key, key, olds[key], news[key]);
  return changes;
}
