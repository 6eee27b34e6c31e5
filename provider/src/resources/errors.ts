// Errors of the resource layer, each declaring its `name` and a literal `code` that
// starts with RESOURCE_. Failures of a remote call reach the engine as the Windows
// layer's errors (HostFaultError and friends, via connection.ts); this layer adds
// only what it knows itself.

/** The base of every error the resource layer throws. */
export abstract class ResourceError extends Error {
  abstract readonly code: `RESOURCE_${string}`;
  override readonly name: string = "ResourceError";
}

/**
 * A failure after some changes were made. The engine records `properties` as the
 * resource's state (pulumirpc.ErrorResourceInitFailed: it reads `id`, `properties`
 * and `reasons`), so the next `up` knows what this resource already owns and
 * converges instead of adopting its own leftovers. The message is the cause's.
 */
export class PartialApplyError extends ResourceError {
  override readonly name = "PartialApplyError";
  readonly code = "RESOURCE_PARTIAL_APPLY";
  readonly reasons: string[];
  constructor(
    readonly id: string,
    readonly properties: Record<string, unknown>,
    cause: Error,
  ) {
    super(cause.message, { cause });
    this.reasons = [cause.message];
  }
}

/**
 * A DoubleHopCheck whose result is not the one it expects: the hop fails (expect
 * "works"), naming the link, Windows' text and the fix; or it works (expect "fails").
 * It carries no `id`: the engine would take that for a resource created but not
 * initialised, and the check owns nothing worth recording.
 */
export class DoubleHopCheckFailed extends ResourceError {
  override readonly name = "DoubleHopCheckFailed";
  readonly code = "RESOURCE_DOUBLE_HOP_CHECK";
  constructor(
    readonly outcome: { target: string; path: string; host: string; works: boolean; failingLink?: string; message: string; fix?: string; credential: { user: string } },
  ) {
    const o = outcome;
    super(
      o.works
        ? `the double hop works, but this check expects it to fail: ${o.message} (from ${o.host} through ${o.target})`
        : `the double hop ${o.host} -> ${o.target} -> ${o.path} fails at ${o.failingLink}: ${o.message}\nfix: ${o.fix}`,
    );
  }
}

/**
 * The ownership ledger on a host (resources/ledger.ts) cannot be used: it does not
 * parse, was written by a newer version, or kept changing under a commit.
 */
export class LedgerError extends ResourceError {
  override readonly name = "LedgerError";
  readonly code = "RESOURCE_LEDGER";
}

/** The `import` resource option was given: dynamic resources cannot be imported. */
export class ImportNotSupportedError extends ResourceError {
  override readonly name = "ImportNotSupportedError";
  readonly code = "RESOURCE_IMPORT_UNSUPPORTED";
  constructor(kind: string, resourceName: string) {
    super(
      `${kind} "${resourceName}": the import option is not supported. pulumi-credssp's resources are Pulumi dynamic resources, ` +
        "which Pulumi cannot import (pulumi/pulumi#3550). Declare the resource without import: create adopts settings already on the " +
        "host, records them as found, and leaves them in place on delete. " +
        `To import, use the provider plugin (pulumi import credssp:index:${kind} …; README, Import): what it imports, destroy removes.`,
    );
  }
}

/**
 * An import ID that names something the host does not have: an import adopts what
 * is there and never writes, so each missing piece is named, with what to do.
 */
export class ImportNotFoundError extends ResourceError {
  override readonly name = "ImportNotFoundError";
  readonly code = "RESOURCE_IMPORT_NOT_FOUND";
  constructor(
    readonly kind: string,
    readonly id: string,
    readonly host: string,
    readonly missing: readonly string[],
  ) {
    super(
      `cannot import ${kind} "${id}": ${host} does not have it (${missing.join("; ")}). ` +
        "Import adopts only what is already on the host; to set it up, declare the resource without import and run pulumi up.",
    );
  }
}
