// schema.json is generated from the zod definitions `check` uses (scripts/gen-schema.ts):
// the committed file must be what the generator produces now, and the Pulumi CLI must
// accept it and generate a Node.js SDK from it.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { schemaText } from "../../scripts/gen-schema";
import { REPO_ROOT } from "../../scripts/engine";

const committed = fs.readFileSync(path.join(REPO_ROOT, "schema.json"), "utf8");

describe("schema.json", () => {
  it("is exactly what the zod definitions generate (run `npm run schema` after changing them)", () => {
    expect(committed).toBe(schemaText());
  });

  it("describes the four resources and the Connection type, with the password secret", () => {
    const schema = JSON.parse(committed);
    expect(schema.name).toBe("credssp");
    expect(Object.keys(schema.resources).sort()).toEqual([
      "credssp:index:CredSSPClient",
      "credssp:index:CredSSPServer",
      "credssp:index:DelegationPolicy",
      "credssp:index:TrustedHosts",
    ]);
    const conn = schema.types["credssp:index:Connection"];
    expect(conn.properties.password.secret).toBe(true);
    expect(conn.required).toEqual(["host", "password", "user"]);
    expect(schema.resources["credssp:index:CredSSPClient"].requiredInputs.sort()).toEqual(["connection", "delegateComputers"]);
    expect(schema.resources["credssp:index:DelegationPolicy"].inputProperties.encryptionOracle.$ref).toBe("#/types/credssp:index:EncryptionOracleLevel");
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
      expect(fs.readdirSync(sdk)).toEqual(expect.arrayContaining(["index.ts", "credSSPServer.ts", "credSSPClient.ts", "delegationPolicy.ts", "trustedHosts.ts"]));
      expect(fs.readFileSync(path.join(sdk, "types", "input.ts"), "utf8")).toMatch(/password: pulumi\.Input<string>/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 200_000);
});
