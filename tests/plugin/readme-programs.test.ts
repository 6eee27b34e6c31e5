// The README's Python and Go programs must keep working against the generated SDKs:
// the Python one runs under Pulumi's mocks with sdk/python installed, the Go one
// compiles against sdk/go. (The TypeScript one is tests/readme.test.ts's.)
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../scripts/engine";
import { installPythonSdk, PYTHON } from "./support/python-sdk";

jest.setTimeout(300_000);

const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");

function block(marker: string, lang: string): string {
  const m = new RegExp(`<!-- ${marker} -->\\s*\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README has no <!-- ${marker} --> ${lang} block`);
  return m[1];
}

const EXPECTED = [
  { type: "credssp:index:CredSSPServer", name: "srv01", inputs: ["connection"] },
  { type: "credssp:index:CredSSPClient", name: "ws01", inputs: ["connection", "delegateComputers"] },
  { type: "credssp:index:DelegationPolicy", name: "ws01-policy", inputs: ["allowFreshCredentials", "allowFreshCredentialsWhenNTLMOnly", "connection"] },
  { type: "credssp:index:TrustedHosts", name: "ws01-trusts-srv01", inputs: ["connection", "hosts"] },
];

describe("README programs in other languages", () => {
  let dir = "";
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "credssp-readme-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the Python program registers the four resources with the SDK", () => {
    const sdk = installPythonSdk();
    try {
      const program = path.join(dir, "__main__.py");
      fs.writeFileSync(program, block("minimal-program-python", "python"));
      const out = execFileSync(PYTHON, [path.join(REPO_ROOT, "tests", "plugin", "python", "under_mocks.py"), program], {
        env: { ...process.env, PYTHONPATH: sdk.lib },
        encoding: "utf8",
      });
      // Registration order under the mocks follows asyncio scheduling, not the program's text.
      const registered: { name: string }[] = JSON.parse(out.trim().split("\n").pop()!);
      const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
      expect([...registered].sort(byName)).toEqual([...EXPECTED].sort(byName));
    } finally {
      sdk.dispose();
    }
  });

  it("the Go program compiles against the SDK", () => {
    // tests/plugin/go's module, renamed, with the SDK's replace made absolute.
    const goDir = path.join(REPO_ROOT, "tests", "plugin", "go");
    const goMod = fs
      .readFileSync(path.join(goDir, "go.mod"), "utf8")
      .replace(/^module .*$/m, "module readme.check/program")
      .replace(/=> \.\.\/\.\.\/\.\.\/sdk\/go/, `=> ${path.join(REPO_ROOT, "sdk", "go")}`);
    fs.writeFileSync(path.join(dir, "go.mod"), goMod);
    fs.copyFileSync(path.join(goDir, "go.sum"), path.join(dir, "go.sum"));
    fs.writeFileSync(path.join(dir, "main.go"), block("minimal-program-go", "go"));
    execFileSync("go", ["build", "-trimpath", "-mod=readonly", "-o", path.join(dir, "program"), "."], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    expect(fs.existsSync(path.join(dir, "program"))).toBe(true);
  });
});
