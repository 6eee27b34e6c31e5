// Reading the plain objects WinRMClient returns (contract C; the wire layer's
// WsmanObject/WsmanValue types). An element with text becomes a string, with children
// an object, a repeated child an array (but a single one stays a single value),
// xsi:nil a null and an empty element "". These helpers make the "single vs array"
// and "absent vs empty" cases explicit in one place.

import { escapeXml } from "../winrm";

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

/**
 * Writes a config resource read by Get back as the XML element a Put takes: children in
 * the order they were read, each in the resource's namespace (prefix cfg), text escaped,
 * nil as xsi:nil. `replace` overrides (or, when absent, appends) top-level values;
 * settings in `fromPolicy` (paths like "Auth/CredSSP") carry Source="GPO", as Windows
 * marks them in the Get and as PowerShell sends them back.
 */
export function configElementXml(
  rootName: string,
  namespace: string,
  resource: Record<string, unknown>,
  replace: Record<string, string> = {},
  fromPolicy: ReadonlySet<string> = new Set(),
): string {
  const render = (name: string, value: unknown, path: string): string => {
    if (value === null) return `<cfg:${name} xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>`;
    if (Array.isArray(value)) return value.map((v) => render(name, v, path)).join("");
    if (typeof value === "object") {
      const inner = Object.entries(value as Record<string, unknown>).map(([k, v]) => render(k, v, `${path}/${k}`)).join("");
      return `<cfg:${name}>${inner}</cfg:${name}>`;
    }
    const source = fromPolicy.has(path) ? ' Source="GPO"' : "";
    return `<cfg:${name}${source}>${escapeXml(text(value) ?? "")}</cfg:${name}>`;
  };
  const values: Record<string, unknown> = { ...resource, ...replace };
  return `<cfg:${rootName} xmlns:cfg="${namespace}">${Object.entries(values).map(([k, v]) => render(k, v, k)).join("")}</cfg:${rootName}>`;
}
