// Errors of the provider plugin, each declaring its `name` and a literal `code` that
// starts with PLUGIN_: what the plugin itself refuses before any resource code runs.
// The engine shows their messages; resource failures keep the layers' own errors.
import { IMPORT_ID_FORMATS } from "./import-id-formats";

/** The base of every error the plugin throws. */
export abstract class PluginError extends Error {
  abstract readonly code: `PLUGIN_${string}`;
  override readonly name: string = "PluginError";
}

/** A type token this provider does not serve. */
export class UnknownResourceTypeError extends PluginError {
  override readonly name = "UnknownResourceTypeError";
  readonly code = "PLUGIN_UNKNOWN_TYPE";
  constructor(type: string, known: readonly string[]) {
    super(`unknown resource type "${type}"; this provider serves ${known.join(", ")}`);
  }
}

/** Provider configuration that does not validate (Configure; CheckConfig reports failures instead). */
export class ProviderConfigError extends PluginError {
  override readonly name = "ProviderConfigError";
  readonly code = "PLUGIN_CONFIG";
}

/** A value kind the resources have no use for (asset, archive, resource reference, output). */
export class UnsupportedValueError extends PluginError {
  override readonly name = "UnsupportedValueError";
  readonly code = "PLUGIN_UNSUPPORTED_VALUE";
  constructor(path: string) {
    super(`${path || "inputs"}: assets, archives, resource references and output values are not accepted here`);
  }
}

/** An import ID that does not follow its resource's format. */
export class ImportIdError extends PluginError {
  override readonly name = "ImportIdError";
  readonly code = "PLUGIN_IMPORT_ID";
  constructor(kind: string, id: string, problem: string) {
    const f = IMPORT_ID_FORMATS[kind];
    super(`import ID "${id}" for ${kind}: ${problem}${f ? `; expected ${f.format}, e.g. ${f.example}` : ""}`);
  }
}
