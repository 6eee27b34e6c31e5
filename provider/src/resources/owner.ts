// Who a resource is, as the host's ledger names it: unique per resource instance and
// fixed for its life, readable by an admin, never a secret.
//
//   urn:pulumi:<stack>::<project>::<type, $-joined below its parents>::<name>#<8 hex>
//
// The URN part says where the declaration comes from (stack, project, type, name,
// parent chain); the suffix, drawn once at create, tells a replacement (same URN,
// created before the old one is deleted) from the resource it replaces. A dynamic
// provider is not given the URN, so the program fills the `__owner` input with it
// (ownerLabel below); a provider plugin, which is handed the URN, passes it the same
// way. Inputs and outputs whose names start with "__" are hidden from Pulumi's diff
// display, and `diff` ignores this one, so it never shows as a change.
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** The type token of one of our dynamic resources. */
export const dynamicType = (kind: string): string => `pulumi-nodejs:dynamic/credssp:${kind}`;

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** The URN the engine gives a resource (the qualified type carries the parent chain's types). */
export function resourceUrn(stack: string, project: string, type: string, name: string, parentUrn?: string): string {
  const parentType = parentUrn?.split("::")[2];
  const qualified = parentType === undefined || parentType === ROOT_STACK_TYPE ? type : `${parentType}$${type}`;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** The `__owner` input a resource's constructor passes: its URN, computed program-side. */
export function ownerLabel(kind: string, name: string, opts: pulumi.CustomResourceOptions | undefined): pulumi.Input<string> {
  const stack = pulumi.getStack();
  const project = pulumi.getProject();
  const type = dynamicType(kind);
  if (opts?.parent === undefined) return resourceUrn(stack, project, type, name);
  return opts.parent.urn.apply((parentUrn) => resourceUrn(stack, project, type, name, parentUrn));
}

/** A new owner id for a resource being created. */
export function newOwnerId(label: string | undefined, kind: string): string {
  return `${label ?? dynamicType(kind)}#${randomBytes(4).toString("hex")}`;
}

/**
 * The owner id of a resource created before the ledger existed, taken from its
 * Pulumi id (`<host>/<Kind>/<uuid>`, random and fixed at its create).
 */
export function legacyOwnerId(label: string | undefined, kind: string, id: string): string {
  const uuid = id.split("/").pop() ?? id;
  return `${label ?? dynamicType(kind)}#${uuid.replace(/-/g, "").slice(0, 8)}`;
}
