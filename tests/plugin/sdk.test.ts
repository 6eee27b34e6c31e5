// The committed SDKs (sdk/python, sdk/go) are exactly what `npm run sdk` generates from
// schema.json now, so a schema change without regenerated SDKs fails here. (schema.json
// itself is checked against the zod definitions in tests/schema/.)
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../scripts/engine";

jest.setTimeout(300_000);

/** The committed files under sdk/<lang> (build leftovers of a local `pip install` aside). */
function committedTree(lang: string): Record<string, string> {
  const dir = path.join("sdk", lang);
  const files = execFileSync("git", ["ls-files", "-z", "--", dir], { cwd: REPO_ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  return Object.fromEntries(files.map((f) => [path.relative(dir, f), fs.readFileSync(path.join(REPO_ROOT, f), "utf8")]));
}

/** Every file under `dir`, by path relative to it, with its contents. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else out[child] = fs.readFileSync(path.join(dir, child), "utf8");
    }
  };
  walk("");
  return out;
}

describe("the generated SDKs", () => {
  let fresh = "";

  beforeAll(() => {
    fresh = fs.mkdtempSync(path.join(os.tmpdir(), "credssp-sdk-"));
    execFileSync("npm", ["run", "-s", "sdk", "--", fresh], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PULUMI_HOME: path.join(fresh, ".home"), PULUMI_SKIP_UPDATE_CHECK: "true" },
      timeout: 240_000,
    });
  });

  afterAll(() => fs.rmSync(fresh, { recursive: true, force: true }));

  it.each(["python", "go"])("sdk/%s is what `npm run sdk` generates from schema.json (run it after `npm run schema`)", (lang) => {
    const committed = committedTree(lang);
    const generated = tree(path.join(fresh, lang));
    expect(Object.keys(committed).sort()).toEqual(Object.keys(generated).sort());
    for (const file of Object.keys(generated)) expect({ file, text: committed[file] }).toEqual({ file, text: generated[file] });
  });

  it("serve the four resources and the provider, with the password secret and the credentials optional on a connection", () => {
    const py = fs.readFileSync(path.join(REPO_ROOT, "sdk", "python", "pulumi_credssp", "__init__.py"), "utf8");
    for (const mod of ["cred_ssp_server", "cred_ssp_client", "delegation_policy", "trusted_hosts", "provider"]) expect(py).toContain(`from .${mod} import *`);
    const goTypes = fs.readFileSync(path.join(REPO_ROOT, "sdk", "go", "credssp", "pulumiTypes.go"), "utf8");
    expect(goTypes).toMatch(/Password pulumi\.StringPtrInput/);
    expect(goTypes).toMatch(/Host pulumi\.StringInput/);
    const goProvider = fs.readFileSync(path.join(REPO_ROOT, "sdk", "go", "credssp", "provider.go"), "utf8");
    expect(goProvider).toMatch(/pulumi\.ToSecret\(args\.Password\)/);
  });
});
