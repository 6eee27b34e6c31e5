// The WSMan configuration tree with Windows' defaults and each setting's type.
//
// Shape and order come from the recorded `Get winrm/config` in
// shared/reference/windows-captures/test_wsman_update_envelope_size_500.yml. That host had
// been configured (Service Basic/CredSSP true); the defaults below use Windows' shipped
// values instead (MS-WSMV 2.2.4.4 and windows-state.md: Service Basic=false, CredSSP=false).

export type SettingType = "boolean" | "uint32" | "string" | "cbt";

/** A leaf is [default, type]; a node is an ordered record of children. */
export type SchemaNode = { [name: string]: SchemaNode | [string, SettingType] };

export const CONFIG_SCHEMA: SchemaNode = {
  MaxEnvelopeSizekb: ["500", "uint32"],
  MaxTimeoutms: ["60000", "uint32"],
  MaxBatchItems: ["32000", "uint32"],
  MaxProviderRequests: ["4294967295", "uint32"],
  Client: {
    NetworkDelayms: ["5000", "uint32"],
    URLPrefix: ["wsman", "string"],
    AllowUnencrypted: ["false", "boolean"],
    Auth: {
      Basic: ["true", "boolean"],
      Digest: ["true", "boolean"],
      Kerberos: ["true", "boolean"],
      Negotiate: ["true", "boolean"],
      Certificate: ["true", "boolean"],
      CredSSP: ["false", "boolean"],
    },
    DefaultPorts: { HTTP: ["5985", "uint32"], HTTPS: ["5986", "uint32"] },
    TrustedHosts: ["", "string"],
  },
  Service: {
    RootSDDL: ["O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)", "string"],
    MaxConcurrentOperations: ["4294967295", "uint32"],
    MaxConcurrentOperationsPerUser: ["1500", "uint32"],
    EnumerationTimeoutms: ["240000", "uint32"],
    MaxConnections: ["300", "uint32"],
    MaxPacketRetrievalTimeSeconds: ["120", "uint32"],
    AllowUnencrypted: ["false", "boolean"],
    Auth: {
      Basic: ["false", "boolean"],
      Kerberos: ["true", "boolean"],
      Negotiate: ["true", "boolean"],
      Certificate: ["false", "boolean"],
      CredSSP: ["false", "boolean"],
      CbtHardeningLevel: ["Relaxed", "cbt"],
    },
    DefaultPorts: { HTTP: ["5985", "uint32"], HTTPS: ["5986", "uint32"] },
    IPv4Filter: ["*", "string"],
    IPv6Filter: ["*", "string"],
    EnableCompatibilityHttpListener: ["false", "boolean"],
    EnableCompatibilityHttpsListener: ["false", "boolean"],
    CertificateThumbprint: ["", "string"],
    AllowRemoteAccess: ["true", "boolean"],
  },
  Winrs: {
    AllowRemoteShellAccess: ["true", "boolean"],
    IdleTimeout: ["7200000", "uint32"],
    MaxConcurrentUsers: ["2147483647", "uint32"],
    MaxShellRunTime: ["2147483647", "uint32"],
    MaxProcessesPerShell: ["2147483647", "uint32"],
    MaxMemoryPerShellMB: ["2147483647", "uint32"],
    MaxShellsPerUser: ["2147483647", "uint32"],
  },
};

/** Config values as stored: same nesting as the schema, leaves are strings. */
export type ConfigTree = { [name: string]: ConfigTree | string };

export function defaultConfig(node: SchemaNode = CONFIG_SCHEMA): ConfigTree {
  const out: ConfigTree = {};
  for (const [k, v] of Object.entries(node)) out[k] = Array.isArray(v) ? v[0] : defaultConfig(v);
  return out;
}

/** Resolve "Service/Auth/Basic" (case-insensitive, like the WSMan: drive) to canonical names. */
export function resolveSchemaPath(path: string): { names: string[]; type?: SettingType } | undefined {
  const parts = path.split(/[\\/]/).filter((p) => p.length > 0);
  let node: SchemaNode | [string, SettingType] = CONFIG_SCHEMA;
  const names: string[] = [];
  for (const part of parts) {
    if (Array.isArray(node)) return undefined;
    const key: string | undefined = Object.keys(node).find((k) => k.toLowerCase() === part.toLowerCase());
    if (!key) return undefined;
    names.push(key);
    node = (node as SchemaNode)[key];
  }
  return { names, type: Array.isArray(node) ? node[1] : undefined };
}

/** Windows accepts booleans case-insensitively and stores them lower-case. Undefined = invalid. */
export function normaliseValue(type: SettingType, raw: string): string | undefined {
  const v = raw.trim();
  switch (type) {
    case "boolean":
      return /^(true|false)$/i.test(v) ? v.toLowerCase() : undefined;
    case "uint32":
      return /^\d+$/.test(v) && Number(v) <= 4294967295 ? String(Number(v)) : undefined;
    case "cbt": {
      const m = ["None", "Relaxed", "Strict"].find((x) => x.toLowerCase() === v.toLowerCase());
      return m;
    }
    case "string":
      return raw;
  }
}
