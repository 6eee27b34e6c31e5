// Generates, from the zod definitions `check` validates with and their `.describe()`
// texts (the one place each resource and property is described):
//   - schema.json, the Pulumi package schema (name `credssp`), so that it and `check`
//     cannot disagree on a property, its type or whether it is required;
//   - provider/src/resources/args.ts, the TypeScript `…Args` input types with those
//     descriptions as doc comments (what an editor shows);
//   - the property table of each resource in README.md, between its marker comments.
// Run `npm run schema` after changing a schema; tests/schema/ regenerate all three and
// compare them with the committed files.
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import {
  connectionSchema,
  credentialSchema,
  credSSPClientOutputs,
  credSSPClientSchema,
  credSSPServerOutputs,
  credSSPServerSchema,
  delegationPolicyOutputs,
  delegationPolicySchema,
  doubleHopCheckOutputs,
  doubleHopCheckSchema,
  trustedHostsOutputs,
  trustedHostsSchema,
} from "../provider/src/resources";
import { AUTH_SCHEMES } from "../provider/src/resources/connection";
import { DOUBLE_HOP_LINKS, ENCRYPTION_ORACLE_LEVELS } from "../provider/src/windows";
import { CONFIG_KEYS } from "../provider/src/plugin/config";
import { IMPORT_ID_FORMATS } from "../provider/src/plugin/import-ids";

type JsonSchema = {
  type?: string;
  enum?: string[];
  const?: unknown;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
};

interface PulumiProperty {
  type?: string;
  $ref?: string;
  items?: PulumiProperty;
  description?: string;
  secret?: boolean;
}

const PKG = "credssp";
/** The Go SDK's import path (sdk/go/credssp; its module is sdk/go). Not published: use a replace directive. */
const GO_IMPORT_BASE = "example.com/pulumi-credssp/sdk/go/credssp";
const CONNECTION_TOKEN = `${PKG}:index:Connection`;
const CREDENTIAL_TOKEN = `${PKG}:index:Credential`;
const AUTH_ENUM = AUTH_SCHEMES.join(",");
const ENUM_TOKENS: Record<string, string> = {
  [AUTH_ENUM]: `${PKG}:index:AuthScheme`,
  "forceUpdatedClients,mitigated,vulnerable": `${PKG}:index:EncryptionOracleLevel`,
  "works,fails": `${PKG}:index:DoubleHopExpectation`,
  [DOUBLE_HOP_LINKS.join(",")]: `${PKG}:index:DoubleHopLink`,
};

/** What each failing link means (schema.json's enum descriptions). */
const LINK_DESCRIPTIONS: Record<(typeof DOUBLE_HOP_LINKS)[number], string> = {
  "client-credssp-disabled": "The client computer's WinRM client has CredSSP off (Client/Auth/CredSSP).",
  "trusted-hosts": "Over HTTP without Kerberos, the target is not in the client's TrustedHosts.",
  "delegation-policy": "The Credentials Delegation policy does not allow fresh credentials to WSMAN/<target>.",
  "encryption-oracle": "The target's CredSSP lacks the CVE-2018-0886 fix and the client refuses to fall back (AllowEncryptionOracle).",
  "server-credssp-disabled": "The target's WinRM service does not accept CredSSP (Service/Auth/CredSSP).",
  "second-hop-denied": "The target holds the delegated credentials, but the file server refused them for the path.",
  "target-unreachable": "No WinRM listener answered at the target's name and port.",
  other: "Anything else; the message says what (e.g. a wrong password).",
};

const AUTH_DESCRIPTIONS: Record<(typeof AUTH_SCHEMES)[number], string> = {
  ntlm: "NTLMv2 through Negotiate; message encryption over HTTP, channel binding over HTTPS.",
  basic: "Basic; only over HTTPS unless allowUnencrypted is set.",
  credssp:
    "CredSSP (MS-CSSP): Kerberos (when a ticket can be had for the host) or NTLM inside a TLS channel bound to the host's public key, " +
    "then the password is delegated to the host; message encryption over HTTP. The host must have Service/Auth/CredSSP=true.",
  kerberos:
    "Kerberos V5 in SPNEGO: a ticket for HTTP/<host> from the realm's KDC (password, or the kinit credential cache), mutual authentication; " +
    "message encryption over HTTP, channel binding over HTTPS.",
  negotiate: "Kerberos when a ticket can be had for the host, else NTLM, as Windows' Negotiate package chooses.",
};

/** The four resources: their input schema (what `check` validates) and the outputs they add. */
const RESOURCES = [
  { name: "CredSSPServer", inputs: credSSPServerSchema, outputs: credSSPServerOutputs },
  { name: "CredSSPClient", inputs: credSSPClientSchema, outputs: credSSPClientOutputs },
  { name: "DelegationPolicy", inputs: delegationPolicySchema, outputs: delegationPolicyOutputs },
  { name: "TrustedHosts", inputs: trustedHostsSchema, outputs: trustedHostsOutputs },
  { name: "DoubleHopCheck", inputs: doubleHopCheckSchema, outputs: doubleHopCheckOutputs },
] as const;

/** Inputs that check fills in for drift reporting; they are outputs, not user inputs. */
const INTERNAL_INPUTS = new Set(["enabled", "works"]);

/** Optional inputs that check always fills in, so they are always outputs. */
const FILLED_INPUTS = new Set(["concatenateDefaults", "exclusive", "https", "expect"]);

/** The object types, told apart by their properties. */
function objectToken(js: JsonSchema): string {
  const keys = Object.keys(js.properties ?? {});
  if (keys.includes("host")) return CONNECTION_TOKEN;
  if (keys.includes("user") && keys.includes("password")) return CREDENTIAL_TOKEN;
  throw new Error(`no object type for properties ${keys.join(",")}`);
}

function toProperty(js: JsonSchema): PulumiProperty {
  let prop: PulumiProperty;
  if (js.enum) {
    const token = ENUM_TOKENS[js.enum.join(",")];
    if (!token) throw new Error(`no enum type for ${js.enum.join(",")}`);
    prop = { $ref: `#/types/${token}` };
  } else if (js.type === "array") {
    prop = { type: "array", items: toProperty(js.items ?? {}) };
  } else if (js.type === "object") {
    prop = { $ref: `#/types/${objectToken(js)}` };
  } else if (js.type === "string" || js.type === "integer" || js.type === "number" || js.type === "boolean") {
    prop = { type: js.type };
  } else {
    throw new Error(`unsupported JSON schema ${JSON.stringify(js)}`);
  }
  return js.description ? { ...prop, description: js.description } : prop;
}

function jsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

/** A resource's user inputs (internal ones left out) and the outputs it adds, as JSON schema. */
function resourceProperties(def: (typeof RESOURCES)[number]) {
  const js = jsonSchema(def.inputs);
  const inputs = Object.entries(js.properties ?? {}).filter(([key]) => !INTERNAL_INPUTS.has(key));
  const required = (js.required ?? []).filter((k) => !INTERNAL_INPUTS.has(k));
  const outputsJs = jsonSchema(def.outputs);
  const outputs = Object.entries(outputsJs.properties ?? {});
  return { description: js.description, inputs, required, outputs, requiredOutputs: outputsJs.required ?? [] };
}

/** The import section of a resource's description: the ID format `pulumi import` takes. */
function importDoc(name: string): string {
  // A check owns nothing on any host: there is nothing to adopt.
  if (name === "DoubleHopCheck") return "\n\n## Import\n\nNot importable: a check owns nothing on any host; declare it and `pulumi up` runs it.";
  const f = IMPORT_ID_FORMATS[name];
  if (!f) throw new Error(`no import ID format for ${name}`);
  return `\n\n## Import\n\nThe ID names the host and what to adopt: \`${f.format}\`.\n\n\`\`\`sh\n$ pulumi import ${PKG}:index:${name} <name> '${f.example}'\n\`\`\``;
}

function resourceSpec(def: (typeof RESOURCES)[number]) {
  const { description: text, inputs, required: requiredInputs, outputs, requiredOutputs } = resourceProperties(def);
  const description = `${text}${importDoc(def.name)}`;
  const inputProperties = Object.fromEntries(inputs.map(([key, value]) => [key, toProperty(value)]));
  const properties: Record<string, PulumiProperty> = { ...inputProperties };
  for (const [key, value] of outputs) properties[key] = toProperty(value);
  const optionalOutputs = new Set([
    ...Object.keys(inputProperties).filter((k) => !requiredInputs.includes(k) && !FILLED_INPUTS.has(k)),
    ...outputs.map(([k]) => k).filter((k) => !requiredOutputs.includes(k)),
  ]);
  const required = Object.keys(properties).filter((k) => !optionalOutputs.has(k));
  return { description, inputProperties, requiredInputs, properties, required: required.sort() };
}

export function buildSchema(): Record<string, unknown> {
  const version = (JSON.parse(findPackageJson()) as { version: string }).version;
  const conn = jsonSchema(connectionSchema);
  const configurable = new Set<string>(CONFIG_KEYS);
  const connectionProperties: Record<string, PulumiProperty> = {};
  const configVariables: Record<string, PulumiProperty> = {};
  for (const [key, value] of Object.entries(conn.properties ?? {})) {
    const prop = toProperty(value);
    if (key === "password") prop.secret = true;
    connectionProperties[key] = configurable.has(key)
      ? { ...prop, description: `${prop.description} Defaults to the provider setting \`${PKG}:${key}\`.` }
      : prop;
    if (configurable.has(key)) {
      configVariables[key] = { ...prop, description: `${prop.description} Used for every resource whose \`connection\` leaves \`${key}\` out.` };
    }
  }
  const objectType = (js: JsonSchema) => {
    const properties: Record<string, PulumiProperty> = {};
    for (const [key, value] of Object.entries(js.properties ?? {})) {
      properties[key] = toProperty(value);
      if (key === "password") properties[key].secret = true;
    }
    return { type: "object", description: js.description, properties, required: (js.required ?? []).sort() };
  };
  return {
    name: PKG,
    displayName: "CredSSP",
    version,
    description: "Declarative CredSSP delegation (the PowerShell double hop) for Windows hosts, over WinRM.",
    keywords: ["pulumi", "windows", "winrm", "credssp", "kind/native"],
    license: "Apache-2.0",
    // supportPack: the Go SDK gets a go.mod of its own (module sdk/go).
    meta: { moduleFormat: "(.*)", supportPack: true },
    language: {
      nodejs: { packageName: "pulumi-credssp" },
      python: { packageName: "pulumi_credssp", respectSchemaVersion: true },
      go: { importBasePath: GO_IMPORT_BASE, respectSchemaVersion: true, generateResourceContainerTypes: true },
    },
    config: { variables: configVariables },
    provider: {
      description: "The credssp provider: WinRM settings shared by every resource that uses it.",
      inputProperties: configVariables,
    },
    types: {
      [CONNECTION_TOKEN]: {
        type: "object",
        description: conn.description,
        properties: connectionProperties,
        // user and password may come from the provider configuration instead.
        required: (conn.required ?? []).filter((k) => !configurable.has(k)).sort(),
      },
      [CREDENTIAL_TOKEN]: objectType(jsonSchema(credentialSchema)),
      [ENUM_TOKENS[AUTH_ENUM]]: {
        type: "string",
        enum: AUTH_SCHEMES.map((value) => ({ value, description: AUTH_DESCRIPTIONS[value] })),
      },
      [ENUM_TOKENS["forceUpdatedClients,mitigated,vulnerable"]]: {
        type: "string",
        enum: Object.entries(ENCRYPTION_ORACLE_LEVELS).map(([value, dword]) => ({ value, description: `AllowEncryptionOracle = ${dword}.` })),
      },
      [ENUM_TOKENS["works,fails"]]: {
        type: "string",
        enum: [
          { value: "works", description: "The deployment fails when the double hop fails." },
          { value: "fails", description: "The deployment fails when the double hop works." },
        ],
      },
      [ENUM_TOKENS[DOUBLE_HOP_LINKS.join(",")]]: {
        type: "string",
        enum: DOUBLE_HOP_LINKS.map((value) => ({ value, description: LINK_DESCRIPTIONS[value] })),
      },
    },
    resources: Object.fromEntries(RESOURCES.map((def) => [`${PKG}:index:${def.name}`, resourceSpec(def)])),
  };
}

/** The folder holding package.json: the repository root, from scripts/ or dist/scripts/. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  return dir;
}

function findPackageJson(): string {
  return fs.readFileSync(path.join(repoRoot(), "package.json"), "utf8");
}

export function schemaText(): string {
  return `${JSON.stringify(buildSchema(), null, 2)}\n`;
}

// ---- provider/src/resources/args.ts ----

function docComment(text: string | undefined, indent: string): string {
  if (!text) throw new Error("every generated property needs a .describe() text");
  if (text.includes("*/")) throw new Error(`a description cannot contain "*/": ${text}`);
  return `${indent}/** ${text} */\n`;
}

function tsType(js: JsonSchema): string {
  if (js.enum) return js.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (js.type === "array") return `pulumi.Input<${tsType(js.items ?? {})}>[]`;
  if (js.type === "object") return objectToken(js) === CREDENTIAL_TOKEN ? "CredentialArgs" : "ConnectionArgs";
  if (js.type === "string" || js.type === "boolean") return js.type;
  if (js.type === "integer" || js.type === "number") return "number";
  throw new Error(`unsupported JSON schema ${JSON.stringify(js)}`);
}

function argsInterface(name: string, description: string | undefined, properties: Array<[string, JsonSchema]>, required: string[]): string {
  let out = docComment(description, "") + `export interface ${name} {\n`;
  for (const [key, value] of properties) {
    out += docComment(value.description, "  ");
    out += `  ${key}${required.includes(key) ? "" : "?"}: pulumi.Input<${tsType(value)}>;\n`;
  }
  return `${out}}\n`;
}

/** The input types programs write, each property documented with its zod description. */
export function argsText(): string {
  const conn = jsonSchema(connectionSchema);
  const parts = [
    "// Generated by scripts/gen-schema.ts (`npm run schema`) from the zod schemas' .describe()\n" +
      "// texts, the one place each property is described. Do not edit: change the schema and\n" +
      "// regenerate (tests/schema/ fail while this file is out of date).\n" +
      'import type * as pulumi from "@pulumi/pulumi";\n',
    argsInterface("ConnectionArgs", conn.description, Object.entries(conn.properties ?? {}), conn.required ?? []),
  ];
  const cred = jsonSchema(credentialSchema);
  parts.push(argsInterface("CredentialArgs", cred.description, Object.entries(cred.properties ?? {}), cred.required ?? []));
  for (const def of RESOURCES) {
    const { description, inputs, required } = resourceProperties(def);
    parts.push(argsInterface(`${def.name}Args`, description, inputs, required));
  }
  return parts.join("\n");
}

// ---- README.md property tables ----

const cell = (text: string): string => text.replace(/\|/g, "\\|");

/** The markdown table of one resource's properties: inputs first, then the outputs it adds. */
export function readmeTable(name: string): string {
  const def = RESOURCES.find((r) => r.name === name);
  if (!def) throw new Error(`no resource ${name}`);
  const { inputs, required, outputs } = resourceProperties(def);
  const rows = [
    ...inputs.map(([key, js]) => [key, required.includes(key) ? "input, required" : "input", js.description ?? ""]),
    ...outputs.map(([key, js]) => [key, "output", js.description ?? ""]),
  ];
  return ["| property | | description |", "|---|---|---|", ...rows.map(([key, kind, doc]) => `| \`${key}\` | ${kind} | ${cell(doc)} |`)].join("\n");
}

const TABLE = /(<!-- generated:properties (\w+) -->)[\s\S]*?(<!-- \/generated:properties -->)/g;

/** README text with every resource's table block regenerated; each resource must have one. */
export function withReadmeTables(readme: string): string {
  const seen = new Set<string>();
  const out = readme.replace(TABLE, (_, open: string, name: string, close: string) => {
    seen.add(name);
    return `${open}\n${readmeTable(name)}\n${close}`;
  });
  const missing = RESOURCES.map((r) => r.name).filter((n) => !seen.has(n));
  if (missing.length > 0) throw new Error(`README.md has no <!-- generated:properties NAME --> block for ${missing.join(", ")}`);
  return out;
}

export const GENERATED = {
  schema: "schema.json",
  args: path.join("provider", "src", "resources", "args.ts"),
  readme: "README.md",
} as const;

if (require.main === module) {
  const root = repoRoot();
  const write = (rel: string, text: string) => {
    fs.writeFileSync(path.join(root, rel), text);
    process.stderr.write(`wrote ${rel}\n`);
  };
  write(GENERATED.schema, schemaText());
  write(GENERATED.args, argsText());
  write(GENERATED.readme, withReadmeTables(fs.readFileSync(path.join(root, GENERATED.readme), "utf8")));
}
