// Reading the plain objects WinRMClient returns (contract C; the wire layer's
// WsmanObject/WsmanValue types). An element with text becomes a string, with children
// an object, a repeated child an array (but a single one stays a single value),
// xsi:nil a null and an empty element "". These helpers make the "single vs array"
// and "absent vs empty" cases explicit in one place.

/** Normalise a possibly-repeated element to an array; absent or nil becomes []. */
export function toArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The named child of an element object, or undefined when the parent is not an object. */
export function child(parent: unknown, name: string): unknown {
  if (parent === null || typeof parent !== "object" || Array.isArray(parent)) return undefined;
  return (parent as Record<string, unknown>)[name];
}

/** Follow a path of child names. */
export function at(root: unknown, ...path: string[]): unknown {
  let node = root;
  for (const name of path) node = child(node, name);
  return node;
}

/** Text of a text-only element; undefined when absent, nil or not text. */
export function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** An integer-valued element (WMI sends uint32 as decimal text). */
export function integer(value: unknown): number | undefined {
  const t = text(value);
  if (t === undefined || !/^-?\d+$/.test(t.trim())) return undefined;
  return Number(t.trim());
}

/** xs:boolean as WSMan config sends it ("true"/"false", case-insensitive like PowerShell). */
export function bool(value: unknown): boolean | undefined {
  const t = text(value)?.trim().toLowerCase();
  if (t === "true" || t === "1") return true;
  if (t === "false" || t === "0") return false;
  return undefined;
}
