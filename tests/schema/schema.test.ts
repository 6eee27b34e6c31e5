// schema.json, the `…Args` types and the README's property tables are generated from
// the zod definitions `check` uses and their descriptions (scripts/gen-schema.ts): the
// committed files must be what the generator produces now, and the Pulumi CLI must
// accept schema.json and generate a Node.js SDK from it.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { argsText, GENERATED, readmeTable, schemaText, withReadmeTables } from "../../scripts/gen-schema";
import { REPO_ROOT } from "../../scripts/engine";

const committed = fs.readFileSync(path.join(REPO_ROOT, GENERATED.schema), "utf8");
const readme = fs.readFileSync(path.join(REPO_ROOT, GENERATED.readme), "utf8");

describe("schema.json", () => {
  it("is exactly what the zod definitions generate (run `npm run schema` after changing them)", () => {
    expect(committed).toBe(schemaText());
  });

  it("describes every resource, input and output, and the Connection type", () => {
    const schema = JSON.parse(committed);
    const undocumented: string[] = [];
    for (const [token, res] of Object.entries<{ description?: string; properties: Record<string, { description?: string }> }>(schema.resources)) {
      if (!res.description) undocumented.push(token);
      for (const [key, prop] of Object.entries(res.properties)) if (!prop.description) undocumented.push(`${token}.${key}`);
    }
    const conn = schema.types["credssp:index:Connection"];
    for (const [key, prop] of Object.entries<{ description?: string }>(conn.properties)) if (!prop.description) undocumented.push(`Connection.${key}`);
    expect(undocumented).toEqual([]);
  });

  it("describes the five resources and the Connection and Credential types, with the passwords secret", () => {
    const schema = JSON.parse(committed);
    expect(schema.name).toBe("credssp");
    expect(Object.keys(schema.resources).sort()).toEqual([
      "credssp:index:CredSSPClient",
      "credssp:index:CredSSPServer",
      "credssp:index:DelegationPolicy",
      "credssp:index:DoubleHopCheck",
      "credssp:index:TrustedHosts",
    ]);
    const conn = schema.types["credssp:index:Connection"];
    expect(conn.properties.password.secret).toBe(true);
    // user and password may come from the provider configuration instead (and Kerberos can do without a password).
    expect(conn.required).toEqual(["host"]);
    expect(Object.keys(schema.config.variables).sort()).toEqual(["auth", "caCert", "https", "insecureSkipVerify", "kdc", "password", "realm", "user"]);
    expect(schema.config.variables.password.secret).toBe(true);
    expect(schema.provider.inputProperties).toEqual(schema.config.variables);
    expect(schema.types["credssp:index:AuthScheme"].enum.map((e: { value: string }) => e.value)).toEqual(["ntlm", "basic", "credssp", "kerberos", "negotiate"]);
    expect(schema.resources["credssp:index:CredSSPClient"].requiredInputs.sort()).toEqual(["connection", "delegateComputers"]);
    expect(schema.resources["credssp:index:DelegationPolicy"].inputProperties.encryptionOracle.$ref).toBe("#/types/credssp:index:EncryptionOracleLevel");
    // DoubleHopCheck: exactly the interface issue 12 fixes.
    const check = schema.resources["credssp:index:DoubleHopCheck"];
    expect(Object.keys(check.inputProperties).sort()).toEqual(["credential", "expect", "https", "path", "target", "targetPort", "via"]);
    expect(check.requiredInputs.sort()).toEqual(["credential", "path", "target", "via"]);
    expect(check.inputProperties.via.$ref).toBe("#/types/credssp:index:Connection");
    expect(check.inputProperties.credential.$ref).toBe("#/types/credssp:index:Credential");
    expect(schema.types["credssp:index:Credential"].properties.password.secret).toBe(true);
    expect(check.properties.failingLink.$ref).toBe("#/types/credssp:index:DoubleHopLink");
    expect(schema.types["credssp:index:DoubleHopLink"].enum.map((e: { value: string }) => e.value)).toEqual([
      "client-credssp-disabled",
      "trusted-hosts",
      "delegation-policy",
      "encryption-oracle",
      "server-credssp-disabled",
      "second-hop-denied",
      "target-unreachable",
      "other",
    ]);
    expect(check.required.sort()).toEqual(["credential", "expect", "host", "https", "message", "path", "target", "via", "works"]);
  });

  it("is valid: `npm run pulumi -- package gen-sdk schema.json --language nodejs` generates an SDK", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "credssp-sdk-"));
    try {
      execFileSync("npm", ["run", "-s", "pulumi", "--", "package", "gen-sdk", "schema.json", "--language", "nodejs", "-o", out], {
        cwd: REPO_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, PULUMI_HOME: path.join(out, ".home"), PULUMI_SKIP_UPDATE_CHECK: "true" },
        timeout: 180_000,
      });
      const sdk = path.join(out, "nodejs");
      expect(fs.readdirSync(sdk)).toEqual(expect.arrayContaining(["index.ts", "credSSPServer.ts", "credSSPClient.ts", "delegationPolicy.ts", "trustedHosts.ts", "doubleHopCheck.ts"]));
      expect(fs.readFileSync(path.join(sdk, "types", "input.ts"), "utf8")).toMatch(/password\?: pulumi\.Input<string \| undefined>/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 200_000);
});

describe("the other generated files", () => {
  it("provider/src/resources/args.ts is what the zod descriptions generate (run `npm run schema`)", () => {
    expect(fs.readFileSync(path.join(REPO_ROOT, GENERATED.args), "utf8")).toBe(argsText());
  });

  it("the README's resource tables are what the zod descriptions generate (run `npm run schema`)", () => {
    expect(readme).toBe(withReadmeTables(readme));
  });

  it("a README table that drifts from the descriptions is caught, and every resource has its block", () => {
    const table = readmeTable("TrustedHosts");
    expect(table).toContain("| `hosts` | input, required | Hosts this WinRM client may authenticate to without Kerberos");
    expect(table).toContain("| `value` | output | The whole TrustedHosts string on the host. |");
    const edited = readme.replace("| `value` | output | The whole TrustedHosts string on the host. |", "| `value` | output | hand-edited |");
    expect(edited).not.toBe(readme);
    expect(withReadmeTables(edited)).toBe(readme);
    const withoutBlock = readme.replace("<!-- generated:properties TrustedHosts -->", "");
    expect(() => withReadmeTables(withoutBlock)).toThrow(/TrustedHosts/);
  });
});
