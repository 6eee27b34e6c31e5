// Provider configuration: `credssp:user`, `credssp:password`, `credssp:auth`,
// `credssp:https`, `credssp:caCert`, `credssp:insecureSkipVerify` and Kerberos'
// `credssp:realm` and `credssp:kdc`, used for any of those a resource's `connection`
// leaves out (the host, and its kerberosHostname, are always per resource).
//
// Configured values are filled in for each operation and never copied into a
// resource's inputs or state: a rotated password changes the provider, not every
// resource, and an imported resource's generated code does not spell out credentials.
import { z } from "zod";
import { connectionSchema } from "../resources/connection";
import type { PropertyMap } from "./values";

const conn = connectionSchema.shape;

/** Config values arrive as strings from stack config, or typed from an explicit provider. */
const boolish = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), schema);

/** Each setting is the connection field of the same name, validated by the same rule. */
export const providerConfigSchema = z
  .object({
    user: conn.user.optional(),
    password: conn.password.optional(),
    auth: conn.auth,
    https: boolish(conn.https),
    caCert: conn.caCert,
    insecureSkipVerify: boolish(conn.insecureSkipVerify),
    realm: conn.realm,
    kdc: conn.kdc,
  })
  .strict();

export type ProviderConfig = z.infer<typeof providerConfigSchema>;
export const CONFIG_KEYS = Object.keys(providerConfigSchema.shape) as (keyof ProviderConfig)[];

/** Inputs the engine itself adds to every provider's configuration. */
const ENGINE_KEYS = new Set(["version"]);

export interface ConfigCheck {
  config?: ProviderConfig;
  failures: { property: string; reason: string }[];
}

/** Validates provider configuration, reporting each problem against its `credssp:` key. */
export function checkProviderConfig(inputs: PropertyMap): ConfigCheck {
  const settings = Object.fromEntries(Object.entries(inputs).filter(([k]) => !ENGINE_KEYS.has(k)));
  const parsed = providerConfigSchema.safeParse(settings);
  if (parsed.success) return { config: parsed.data, failures: [] };
  const known = CONFIG_KEYS.map((k) => `credssp:${k}`).join(", ");
  return {
    failures: parsed.error.issues.flatMap((issue) =>
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => ({ property: key, reason: `credssp:${key}: unknown setting; the settings are ${known}` }))
        : [{ property: String(issue.path[0] ?? ""), reason: `credssp:${String(issue.path[0] ?? "")}: ${issue.message}` }],
    ),
  };
}

/** The engine's inputs with the settings typed as checked (booleans from "true"/"false"). */
export function normalisedConfig(inputs: PropertyMap, config: ProviderConfig): PropertyMap {
  const engine = Object.fromEntries(Object.entries(inputs).filter(([k]) => ENGINE_KEYS.has(k)));
  return { ...engine, ...config };
}

/** A resource's connection with the configured settings it leaves out filled in. */
export function withConfig(connection: unknown, config: ProviderConfig): unknown {
  if (connection === null || typeof connection !== "object" || Array.isArray(connection)) return connection;
  const own = connection as PropertyMap;
  const filled: PropertyMap = {};
  for (const key of CONFIG_KEYS) if (own[key] === undefined && config[key] !== undefined) filled[key] = config[key];
  return { ...filled, ...own };
}

/**
 * A connection (from check, create, read or update, which work on the filled-in one)
 * without the settings that came from configuration, so inputs and state keep only
 * what the resource itself declared. `declared` is the resource's own connection.
 */
export function withoutConfig(connection: unknown, declared: unknown, config: ProviderConfig): unknown {
  if (connection === null || typeof connection !== "object" || Array.isArray(connection)) return connection;
  const own = (declared !== null && typeof declared === "object" ? declared : {}) as PropertyMap;
  const out = { ...(connection as PropertyMap) };
  for (const key of CONFIG_KEYS) if (own[key] === undefined && config[key] !== undefined) delete out[key];
  return out;
}

/**
 * The inputs that are connections configuration fills in: every resource's
 * `connection`, and DoubleHopCheck's `via` (the client computer it runs on).
 */
export const CONNECTION_PROPERTIES = ["connection", "via"] as const;

/** Which of a connection's missing, required settings configuration could have given. */
export function configHint(property: string): string | undefined {
  const m = /^(connection|via)\.(\w+)$/.exec(property);
  if (!m || !(CONFIG_KEYS as string[]).includes(m[2])) return undefined;
  return `set ${m[1]}.${m[2]} or the provider setting credssp:${m[2]}`;
}

/**
 * A check failure's property path: its `property`, or, for a nested problem (reported
 * with no property, so the engine does not print `{<nil>}` for it), the path its
 * reason leads with (resources/dynamic.ts checkWith).
 */
export function failurePath(f: { property: string; reason: string }): string {
  return f.property || (/^([\w.[\]]+): /.exec(f.reason)?.[1] ?? "");
}
