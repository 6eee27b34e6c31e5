// Read with no prior state: what the engine asks for `pulumi import` and the `import`
// resource option. The ID becomes the resource's inputs (import-ids.ts), which the
// resource's own `check` validates with the provider configuration filled in — so a
// bad ID or missing credentials fail field by field before any remote call. Then the
// resource layer reads the host once and lays out the state (resources/import.ts).
//
// The inputs handed back are what the ID said (plus what the host showed that the
// defaults would get wrong): the code `pulumi import` generates spells out the host,
// port and entries, never credentials, which stay provider configuration.
import { importedState, ImportableKind } from "../resources/import";
import { configHint, failurePath } from "./config";
import { ImportIdError, ProviderConfigError } from "./errors";
import { parseImportId } from "./import-ids";
import type { PropertyMap } from "./values";

const IMPORTABLE: readonly string[] = ["CredSSPServer", "CredSSPClient", "DelegationPolicy", "TrustedHosts"];

export interface ImportHooks {
  /** The resource's check (resources/<kind>.ts). */
  check(olds: unknown, news: PropertyMap): Promise<{ inputs?: PropertyMap; failures?: { property: string; reason: string }[] }>;
  /** Inputs with the provider configuration filled into the connection, and the owner label (`__owner`). */
  configured(props: PropertyMap): PropertyMap;
}

export interface Imported {
  id: string;
  /** State, with the connection as checked (configured settings still in). */
  props: PropertyMap;
  /** The inputs to record (and generate code from): the ID's own. */
  inputs: PropertyMap;
}

/** The state and inputs of `kind` imported by `id`; throws before any remote call when either is unusable. */
export async function importResource(kind: string, id: string, hooks: ImportHooks): Promise<Imported> {
  if (!IMPORTABLE.includes(kind)) throw new ImportIdError(kind, id, `${kind} owns nothing on a host and cannot be imported`);
  const inputs = parseImportId(kind, id);
  const checked = await hooks.check({}, hooks.configured(inputs));
  const failures = checked.failures ?? [];
  // Settings configuration could have given (credentials): say which, not "bad ID".
  const config = failures.filter((f) => configHint(failurePath(f)) !== undefined);
  if (config.length > 0) {
    throw new ProviderConfigError(
      `cannot import ${kind} "${id}": ${config.map((f) => `${f.reason} (set the provider setting credssp:${failurePath(f).split(".")[1]})`).join("; ")}`,
    );
  }
  if (failures.length > 0) throw new ImportIdError(kind, id, failures.map((f) => f.reason).join("; "));
  const { __provider, ...typed } = checked.inputs ?? {};
  void __provider;
  const props = await importedState(kind as ImportableKind, id, typed);
  if (props.concatenateDefaults === false) inputs.concatenateDefaults = false;
  // The owner label (`__owner`, the URN) stays with the inputs, as every read keeps it.
  if (typed.__owner !== undefined) inputs.__owner = typed.__owner;
  return { id, props, inputs };
}

