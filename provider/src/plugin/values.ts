// Property values as the engine sends them over gRPC (google.protobuf.Struct with
// Pulumi's signature objects) and back. The resource code works on plain values, so
// secrets are unwrapped on the way in, with their paths remembered, and wrapped again
// on the way out: a value that came in secret leaves secret, and the password always
// does, whoever supplied it.
import { UnsupportedValueError } from "./errors";
import { structproto, Struct } from "./rpc";

/** Key of the object that marks a special value (secret, asset, resource reference, …). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export type Path = ReadonlyArray<string | number>;
export type PropertyMap = Record<string, unknown>;

/** The secret that never leaves unwrapped, wherever it came from. */
export const PASSWORD_PATH: Path = ["connection", "password"];

export interface Unwrapped {
  value: PropertyMap;
  /** Where secrets were (an enclosing secret before any inside it). */
  secrets: Path[];
}

function unwrap(v: unknown, path: (string | number)[], secrets: Path[]): unknown {
  if (Array.isArray(v)) return v.map((x, i) => unwrap(x, [...path, i], secrets));
  if (v !== null && typeof v === "object") {
    const obj = v as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) {
      secrets.push(path);
      return unwrap(obj.value, path, secrets);
    }
    if (SIG_KEY in obj) throw new UnsupportedValueError(path.join("."));
    return Object.fromEntries(Object.entries(obj).map(([k, x]) => [k, unwrap(x, [...path, k], secrets)]));
  }
  return v;
}

/** A Struct from the engine as plain values, and where its secrets were. */
export function fromStruct(s: Struct | undefined): Unwrapped {
  const secrets: Path[] = [];
  const value = unwrap(s ? s.toJavaScript() : {}, [], secrets) as PropertyMap;
  return { value, secrets };
}

/** Drops `undefined` (a Struct has no such value); `undefined` in an array becomes null. */
function defined(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : defined(x)));
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, defined(x)]),
    );
  }
  return v;
}

function isSecret(v: unknown): boolean {
  return v !== null && typeof v === "object" && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/**
 * Wraps the value at each path as a secret (paths that are absent are skipped, and
 * so is a path inside a value already wrapped: it is secret as a whole).
 */
export function withSecrets(value: PropertyMap, paths: readonly Path[]): PropertyMap {
  const root = defined(value) as PropertyMap;
  for (const path of [...paths].sort((a, b) => a.length - b.length)) {
    if (path.length === 0) continue;
    let parent: any = root;
    let ok = true;
    for (const key of path.slice(0, -1)) {
      parent = parent?.[key];
      if (parent === null || typeof parent !== "object" || isSecret(parent)) {
        ok = false;
        break;
      }
    }
    const last = path[path.length - 1];
    if (!ok || parent[last] === undefined || isSecret(parent[last])) continue;
    parent[last] = { [SIG_KEY]: SECRET_SIG, value: parent[last] };
  }
  return root;
}

/** Plain values back into a Struct, the given paths (and the password) secret. */
export function toStruct(value: PropertyMap, secrets: readonly Path[] = []): Struct {
  return structproto.Struct.fromJavaScript(withSecrets(value, [...secrets, PASSWORD_PATH]) as any);
}
