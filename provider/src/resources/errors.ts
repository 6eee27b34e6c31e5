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
