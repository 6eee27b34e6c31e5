// Plumbing shared by the four dynamic resources: the serialisable provider shim,
// zod-based `check`, recording partial state on failure, and the resource-side warnings.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ImportNotSupportedError, PartialApplyError } from "./errors";

/** The module part of every type token: `pulumi-nodejs:dynamic/credssp:<Name>`. */
export const TYPE_MODULE = "credssp";

/** The value the engine sends for a property not yet known during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type ResourceKind = "CredSSPServer" | "CredSSPClient" | "DelegationPolicy" | "TrustedHosts" | "DoubleHopCheck";

/** One shim object per kind, so that Pulumi serialises each kind once per program run. */
const shims = new Map<ResourceKind, pulumi.dynamic.ResourceProvider>();

/**
 * The provider object Pulumi serialises into state. It holds no code of ours and no
 * credentials: each method `require`s the installed package in the provider process
 * and delegates, so state stays small and a package upgrade takes effect on the next
 * run. Only the `kind` string is captured.
 *
 * The same object is returned for a kind every time: Pulumi caches a provider's
 * serialised text by object identity, and serialising (a walk of the closure through
 * the V8 inspector) costs ≈ 7 ms of CPU in the program. A new object per resource
 * paid that for each of a fleet's resources, on every preview and up.
 */
export function providerShim(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  let shim = shims.get(kind);
  if (!shim) {
    shim = newShim(kind);
    shims.set(kind, shim);
  }
  return shim;
}

function newShim(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  return {
    check: (olds: any, news: any) => require("pulumi-credssp").providers[kind].check(olds, news),
    diff: (id: string, olds: any, news: any) => require("pulumi-credssp").providers[kind].diff(id, olds, news),
    create: (inputs: any) => require("pulumi-credssp").providers[kind].create(inputs),
    read: (id: string, props: any) => require("pulumi-credssp").providers[kind].read(id, props),
    update: (id: string, olds: any, news: any) => require("pulumi-credssp").providers[kind].update(id, olds, news),
    delete: (id: string, props: any) => require("pulumi-credssp").providers[kind].delete(id, props),
  };
}

function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const k of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** True when the property holds an unknown, or sits inside an ancestor that is unknown. */
function hiddenByUnknown(inputs: unknown, path: readonly PropertyKey[]): boolean {
  if (containsUnknown(valueAt(inputs, path))) return true;
  for (let i = path.length - 1; i >= 1; i--) if (valueAt(inputs, path.slice(0, i)) === UNKNOWN) return true;
  return false;
}

function propertyPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, k) => (typeof k === "number" ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), "");
}

/** Keys the engine or our own classes add: not user inputs, so not validated. */
const isInternalKey = (k: string): boolean => k.startsWith("__");

/** The value a user typed at `path`, for a message (never a password). */
function typedValue(inputs: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[path.length - 1] === "password") return undefined;
  const v = valueAt(inputs, path);
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean" || Array.isArray(v) || v === null) {
    const text = JSON.stringify(v);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  }
  return undefined;
}

/**
 * Validates inputs with zod and reports every problem against the property it is
 * about, naming the value typed. Values still unknown during preview are not
 * validated (nor is anything whose problem stems from an unknown inside it).
 *
 * The engine prints a failure as `property <p> value {<inputs[p]>} has a problem`,
 * looking `p` up at the top level only: a nested path (`allowFreshCredentials[0]`,
 * `connection.port`) would print `{<nil>}`. So a nested problem is reported with no
 * property (the engine then prints "resource … has a problem:") and the reason
 * starts with the path and carries the value.
 */
export function checkWith<T>(
  schema: z.ZodType<T>,
  news: Record<string, unknown>,
  normalise: (v: T) => Record<string, unknown>,
): pulumi.dynamic.CheckResult {
  const internal = Object.fromEntries(Object.entries(news).filter(([k]) => isInternalKey(k)));
  const inputs = Object.fromEntries(Object.entries(news).filter(([k]) => !isInternalKey(k)));
  const parsed = schema.safeParse(inputs);
  if (parsed.success) return { inputs: { ...normalise(parsed.data), ...internal } };
  const failures = parsed.error.issues
    .filter((issue) => !hiddenByUnknown(inputs, issue.path))
    .map((issue) => {
      const path = propertyPath(issue.path);
      const value = typedValue(inputs, issue.path);
      const shown = value !== undefined && !issue.message.includes(value) && !issue.message.includes(String(valueAt(inputs, issue.path))) ? ` (got ${value})` : "";
      const topLevel = issue.path.length === 1 && typeof issue.path[0] === "string";
      return { property: topLevel ? path : "", reason: `${path || "inputs"}: ${issue.message}${shown}` };
    });
  return { inputs: news, failures };
}

/**
 * Runs an apply step; on failure, hands the engine the state reached so far. The
 * engine stores those properties as they are, so they must carry the serialised
 * provider (`__provider`) from the inputs, or later operations cannot load it.
 * A failure that changed nothing on the host is passed on as it is: the engine then
 * keeps what it had (for an update, the old inputs — a mistyped password in an
 * update is not stored, so destroy and refresh still work).
 */
export async function applyOrRecord<S extends Record<string, unknown> & { lastApplied: string[] }>(
  id: string,
  state: S,
  inputs: object,
  apply: (state: S) => Promise<void>,
): Promise<S> {
  try {
    await apply(state);
    return state;
  } catch (err) {
    if (state.lastApplied.length === 0) throw err;
    const recorded = { ...state, __provider: (inputs as { __provider?: unknown }).__provider };
    throw new PartialApplyError(id, recorded, err instanceof Error ? err : new Error(String(err)));
  }
}

/** Refuses the `import` resource option up front, with the reason and what to do instead. */
export function refuseImport(kind: ResourceKind, name: string, opts: pulumi.CustomResourceOptions | undefined): void {
  if (opts?.import === undefined) return;
  throw new ImportNotSupportedError(kind, name);
}

/**
 * Pulumi's dynamic-provider host prints every error from check, diff, read and
 * delete to stderr as `${err}: ${err.stack}` before handing it to the engine, which
 * prints it again under the resource: each failure showed three times, once with a
 * stack frame. Our errors are already sentences naming host, setting and fix, so the
 * host's extra line is dropped — unless verbose logging reaches the plugin
 * (`pulumi … -v=9 --logflow`) or PULUMI_CREDSSP_DEBUG is set.
 */
export function quietErrors<P extends object>(provider: P): P {
  const verbose = process.argv.some((a) => /^-v=[1-9]/.test(a)) || !!process.env.PULUMI_CREDSSP_DEBUG;
  if (verbose) return provider;
  const wrapped: Record<string, unknown> = { ...(provider as Record<string, unknown>) };
  for (const method of ["check", "diff", "read", "delete"] as const) {
    const fn = (provider as Record<string, unknown>)[method];
    if (typeof fn !== "function") continue;
    wrapped[method] = async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>).apply(provider, args);
      } catch (err) {
        muteOnce(err);
        throw err;
      }
    };
  }
  return wrapped as P;
}

const muted = new Set<string>();
let consoleFiltered = false;

function muteOnce(err: unknown): void {
  const e = err as Error;
  const line = `${e}: ${e?.stack}`;
  muted.add(line);
  setTimeout(() => muted.delete(line), 10_000).unref();
  if (consoleFiltered) return;
  consoleFiltered = true;
  const original = console.error.bind(console);
  console.error = (...args: unknown[]) => {
    if (args.length === 1 && typeof args[0] === "string" && muted.delete(args[0])) return;
    original(...args);
  };
}

/**
 * Marks the password secret, whatever the caller passed, before it reaches state.
 * Only the password: the host and the rest stay readable in state and diffs. (Kerberos
 * from a credential cache has no password to mark.)
 */
export function secretConnection<C extends { password?: pulumi.Input<string> }>(c: pulumi.Input<C>): pulumi.Input<C> {
  const mark = (v: C): C => (v.password === undefined ? v : { ...v, password: pulumi.secret(v.password) });
  if (pulumi.Output.isInstance(c)) return c.apply(mark) as unknown as pulumi.Input<C>;
  return mark(c as C);
}

/** Warns (program-side, attached to the resource) about each value `advise` flags. */
export function warnEach(
  resource: pulumi.Resource,
  values: pulumi.Input<pulumi.Input<string>[]> | undefined,
  advise: (v: string) => string | undefined,
): void {
  if (values === undefined) return;
  pulumi.output(values).apply((list) => {
    for (const v of list ?? []) {
      const msg = typeof v === "string" ? advise(v) : undefined;
      if (msg) pulumi.log.warn(msg, resource);
    }
  });
}
