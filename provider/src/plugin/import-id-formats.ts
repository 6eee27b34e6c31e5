// The import ID of each resource kind: its grammar and an example. schema.json and the
// README show both; import-ids.ts parses them.
export interface ImportIdFormat {
  format: string;
  example: string;
}

/** Per resource kind: the ID's grammar and an example (schema.json and the README show both). */
export const IMPORT_ID_FORMATS: Record<string, ImportIdFormat> = {
  CredSSPServer: { format: "<host>[:port]", example: "srv01.corp.example.com" },
  CredSSPClient: { format: "<host>[:port]/<computer>[,<computer>…]", example: "ws01.corp.example.com/srv01.corp.example.com" },
  DelegationPolicy: {
    format: "<host>[:port]/<list>=<spn>[,<spn>…][;<list>=…]",
    example: "ws01.corp.example.com:5985/allowFreshCredentials=WSMAN/srv01.corp.example.com;allowFreshCredentialsWhenNTLMOnly=WSMAN/srv01.corp.example.com",
  },
  TrustedHosts: { format: "<host>[:port]/<entry>[,<entry>…]", example: "ws01.corp.example.com/srv01.corp.example.com,10.0.0.5" },
};
