// Generates schema.json, the Pulumi package schema (name `credssp`), from the same
// zod definitions `check` validates with, so the two cannot disagree on a property,
// its type or whether it is required. Descriptions live here. Run: `npm run schema`;
// a test regenerates it and compares with the committed file.
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import {
  connectionSchema,
  credSSPClientSchema,
  credSSPServerSchema,
  delegationPolicySchema,
  trustedHostsSchema,
} from "../provider/src/resources";

type JsonSchema = {
  type?: string;
  enum?: string[];
  const?: unknown;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
};

interface PulumiProperty {
  type?: string;
  $ref?: string;
  items?: PulumiProperty;
  description?: string;
  secret?: boolean;
}

const PKG = "credssp";
const CONNECTION_TOKEN = `${PKG}:index:Connection`;
const ENUM_TOKENS: Record<string, string> = {
  "ntlm,basic": `${PKG}:index:AuthScheme`,
  "forceUpdatedClients,mitigated,vulnerable": `${PKG}:index:EncryptionOracleLevel`,
};

const CONNECTION_DOCS: Record<string, string> = {
  host: "The Windows host: FQDN (recommended), short name or IP address.",
  port: "WinRM port. Defaults to 5985 for HTTP and 5986 for HTTPS.",
  https: "Connect over HTTPS. The certificate is verified against the system CAs unless caCert or certFingerprint is given.",
  auth: 'Authentication scheme: "ntlm" (default; messages encrypted over HTTP) or "basic" (HTTPS only, unless allowUnencrypted).',
  user: 'An account that is a local Administrator on the host: "CORP\\\\admin", "admin@corp.example.com" or "admin".',
  password: "The account's password. Always stored as a secret.",
  allowUnencrypted: "Allow Basic authentication over plain HTTP, which sends the password in clear text. Off by default.",
  caCert: "PEM CA certificate that signed the host's WinRM HTTPS certificate.",
  certFingerprint: "SHA-256 fingerprint the host's HTTPS certificate must have (certificate pinning).",
  insecureSkipVerify: "Accept any HTTPS certificate. For labs only; never the default.",
  timeoutSeconds: "Per-request timeout, in seconds.",
};

const SPN_LIST = (what: string) =>
  `SPNs for "${what}", e.g. "WSMAN/srv01.corp.example.com" or "WSMAN/*.corp.example.com". ` +
  "The resource owns only the entries it adds, unless exclusive is set.";

const DOCS: Record<string, Record<string, string>> = {
  CredSSPServer: {
    "": "Lets a Windows host accept CredSSP over WinRM (WSMan Service/Auth/CredSSP = true), like Enable-WSManCredSSP -Role Server. Delete restores the value found at create.",
    enabled: "The live value of Service/Auth/CredSSP.",
  },
  CredSSPClient: {
    "": "Lets a Windows host use CredSSP as a client (Client/Auth/CredSSP = true) and delegate fresh credentials to wsman/<computer> for each delegate computer, like Enable-WSManCredSSP -Role Client -DelegateComputer, without duplicates. Delete removes only the entries it added and restores the client flag.",
    delegateComputers: "Computers this host may delegate fresh credentials to: FQDNs (recommended), \"*.domain\" or \"*\".",
    enabled: "The live value of Client/Auth/CredSSP.",
    spns: "The SPNs this resource keeps in AllowFreshCredentials, e.g. wsman/srv01.corp.example.com.",
  },
  DelegationPolicy: {
    "": "The Credentials Delegation policies (CredSsp.admx) of one host, list by list, and the CVE-2018-0886 encryption-oracle level. Lists left out are not touched.",
    allowFreshCredentials: SPN_LIST("Allow delegating fresh credentials"),
    allowFreshCredentialsWhenNTLMOnly: SPN_LIST("Allow delegating fresh credentials with NTLM-only server authentication"),
    allowSavedCredentials: SPN_LIST("Allow delegating saved credentials"),
    allowSavedCredentialsWhenNTLMOnly: SPN_LIST("Allow delegating saved credentials with NTLM-only server authentication"),
    allowDefaultCredentials: SPN_LIST("Allow delegating default credentials"),
    allowDefaultCredentialsWhenNTLMOnly: SPN_LIST("Allow delegating default credentials with NTLM-only server authentication"),
    concatenateDefaults: "Also allow Windows' built-in defaults for each managed list (ConcatenateDefaults_*). Default true.",
    exclusive: "Make each given list exactly what it says: foreign entries are removed, and restored on delete. Default false.",
    encryptionOracle: "AllowEncryptionOracle (CVE-2018-0886 Encryption Oracle Remediation). Takes effect after a reboot.",
  },
  TrustedHosts: {
    "": "Entries in the WinRM client's TrustedHosts list of one host, treated as a case-insensitive set. Delete removes only what it added; with exclusive it restores the previous string exactly.",
    hosts: "Hosts this WinRM client may authenticate to without Kerberos: names, IP addresses, \"*.domain\" or \"*\".",
    exclusive: "Make TrustedHosts exactly hosts; delete restores the previous string. Default false.",
    value: "The whole TrustedHosts string on the host.",
  },
};

const COMMON_OUTPUTS: Record<string, PulumiProperty> = {
  host: { type: "string", description: "The host this resource manages (connection.host)." },
  lastApplied: { type: "array", items: { type: "string" }, description: "What the last create or update changed on the host; empty when it adopted existing settings." },
};

const EXTRA_OUTPUTS: Record<string, Record<string, PulumiProperty>> = {
  CredSSPServer: { enabled: { type: "boolean" } },
  CredSSPClient: { enabled: { type: "boolean" }, spns: { type: "array", items: { type: "string" } } },
  DelegationPolicy: {},
  TrustedHosts: { value: { type: "string" } },
};

/** Inputs that check fills in for drift reporting; they are outputs, not user inputs. */
const INTERNAL_INPUTS = new Set(["enabled"]);

function toProperty(js: JsonSchema, doc?: string): PulumiProperty {
  let prop: PulumiProperty;
  if (js.enum) {
    const token = ENUM_TOKENS[js.enum.join(",")];
    if (!token) throw new Error(`no enum type for ${js.enum.join(",")}`);
    prop = { $ref: `#/types/${token}` };
  } else if (js.type === "array") {
    prop = { type: "array", items: toProperty(js.items ?? {}) };
  } else if (js.type === "object") {
    prop = { $ref: `#/types/${CONNECTION_TOKEN}` };
  } else if (js.type === "string" || js.type === "integer" || js.type === "number" || js.type === "boolean") {
    prop = { type: js.type };
  } else {
    throw new Error(`unsupported JSON schema ${JSON.stringify(js)}`);
  }
  return doc ? { ...prop, description: doc } : prop;
}

function jsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

function resourceSpec(name: string, schema: z.ZodType) {
  const js = jsonSchema(schema);
  const docs = DOCS[name];
  const inputProperties: Record<string, PulumiProperty> = {};
  for (const [key, value] of Object.entries(js.properties ?? {})) {
    if (INTERNAL_INPUTS.has(key)) continue;
    inputProperties[key] = toProperty(value, docs[key]);
  }
  const requiredInputs = (js.required ?? []).filter((k) => !INTERNAL_INPUTS.has(k));
  const properties: Record<string, PulumiProperty> = { ...inputProperties };
  for (const [key, value] of Object.entries({ ...COMMON_OUTPUTS, ...EXTRA_OUTPUTS[name] })) {
    properties[key] = docs[key] ? { ...value, description: docs[key] } : value;
  }
  const optionalOutputs = new Set(Object.keys(inputProperties).filter((k) => !requiredInputs.includes(k)));
  const required = Object.keys(properties).filter((k) => !optionalOutputs.has(k) || ["concatenateDefaults", "exclusive"].includes(k));
  return { description: docs[""], inputProperties, requiredInputs, properties, required: required.sort() };
}

export function buildSchema(): Record<string, unknown> {
  const version = (JSON.parse(findPackageJson()) as { version: string }).version;
  const conn = jsonSchema(connectionSchema);
  const connectionProperties: Record<string, PulumiProperty> = {};
  for (const [key, value] of Object.entries(conn.properties ?? {})) {
    connectionProperties[key] = toProperty(value, CONNECTION_DOCS[key]);
    if (key === "password") connectionProperties[key].secret = true;
  }
  return {
    name: PKG,
    displayName: "CredSSP",
    version,
    description: "Declarative CredSSP delegation (the PowerShell double hop) for Windows hosts, over WinRM.",
    keywords: ["pulumi", "windows", "winrm", "credssp", "kind/native"],
    license: "Apache-2.0",
    meta: { moduleFormat: "(.*)" },
    language: { nodejs: { packageName: "pulumi-credssp" } },
    types: {
      [CONNECTION_TOKEN]: {
        type: "object",
        description: "How to reach a host over WinRM. The password is a secret.",
        properties: connectionProperties,
        required: (conn.required ?? []).sort(),
      },
      [ENUM_TOKENS["ntlm,basic"]]: {
        type: "string",
        enum: [
          { value: "ntlm", description: "NTLMv2 through Negotiate; message encryption over HTTP, channel binding over HTTPS." },
          { value: "basic", description: "Basic; only over HTTPS unless allowUnencrypted is set." },
        ],
      },
      [ENUM_TOKENS["forceUpdatedClients,mitigated,vulnerable"]]: {
        type: "string",
        enum: [
          { value: "forceUpdatedClients", description: "AllowEncryptionOracle = 0." },
          { value: "mitigated", description: "AllowEncryptionOracle = 1." },
          { value: "vulnerable", description: "AllowEncryptionOracle = 2." },
        ],
      },
    },
    resources: {
      [`${PKG}:index:CredSSPServer`]: resourceSpec("CredSSPServer", credSSPServerSchema),
      [`${PKG}:index:CredSSPClient`]: resourceSpec("CredSSPClient", credSSPClientSchema),
      [`${PKG}:index:DelegationPolicy`]: resourceSpec("DelegationPolicy", delegationPolicySchema),
      [`${PKG}:index:TrustedHosts`]: resourceSpec("TrustedHosts", trustedHostsSchema),
    },
  };
}

function findPackageJson(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  return fs.readFileSync(path.join(dir, "package.json"), "utf8");
}

export function schemaText(): string {
  return `${JSON.stringify(buildSchema(), null, 2)}\n`;
}

if (require.main === module) {
  const out = path.resolve(process.argv[2] ?? "schema.json");
  fs.writeFileSync(out, schemaText());
  process.stderr.write(`wrote ${out}\n`);
}
