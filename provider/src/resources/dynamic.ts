// Plumbing shared by the four dynamic resources: the serialisable provider shim,
// zod-based `check`, recording partial state on failure, and the resource-side warnings.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { PartialApplyError } from "./errors";

/** The module part of every type token: `pulumi-nodejs:dynamic/credssp:<Name>`. */
export const TYPE_MODULE = "credssp";

/** The value the engine sends for a property not yet known during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type ResourceKind = "CredSSPServer" | "CredSSPClient" | "DelegationPolicy" | "TrustedHosts" | "DoubleHopCheck";

/**
 * The provider object Pulumi serialises into state. It holds no code of ours and no
 * credentials: each method `require`s the installed package in the provider process
 * and delegates, so state stays small and a package upgrade takes effect on the next
 * run. Only the `kind` string is captured.
 */
export function providerShim(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
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

/**
 * Validates inputs with zod and reports every problem against the property it is
 * about. Values still unknown during preview are not validated (nor is anything
 * whose problem stems from an unknown inside it).
 */
export function checkWith<T>(
  schema: z.ZodType<T>,
  news: Record<string, unknown>,
  normalise: (v: T) => Record<string, unknown>,
): pulumi.dynamic.CheckResult {
  const { __provider, ...inputs } = news;
  const parsed = schema.safeParse(inputs);
  if (parsed.success) return { inputs: { ...normalise(parsed.data), __provider } };
  const failures = parsed.error.issues
    .filter((issue) => !hiddenByUnknown(inputs, issue.path))
    .map((issue) => ({ property: propertyPath(issue.path) || "(inputs)", reason: `${propertyPath(issue.path) || "inputs"}: ${issue.message}` }));
  return { inputs: news, failures };
}

/**
 * Runs an apply step; on failure, hands the engine the state reached so far. The
 * engine stores those properties as they are, so they must carry the serialised
 * provider (`__provider`) from the inputs, or later operations cannot load it.
 */
export async function applyOrRecord<S extends Record<string, unknown>>(
  id: string,
  state: S,
  inputs: object,
  apply: (state: S) => Promise<void>,
): Promise<S> {
  try {
    await apply(state);
    return state;
  } catch (err) {
    const recorded = { ...state, __provider: (inputs as { __provider?: unknown }).__provider };
    throw new PartialApplyError(id, recorded, err instanceof Error ? err : new Error(String(err)));
  }
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
