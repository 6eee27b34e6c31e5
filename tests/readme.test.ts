// The README's minimal program must keep compiling against the package's real types,
// and the README must keep naming the two commands.
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { REPO_ROOT } from "../scripts/engine";

const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");

function minimalProgram(): string {
  const m = /<!-- minimal-program -->\s*```ts\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error("README has no <!-- minimal-program --> ts block");
  return m[1];
}

describe("README", () => {
  it("names the two commands", () => {
    expect(readme).toMatch(/^npm start\b/m);
    expect(readme).toMatch(/^npm test\b/m);
  });

  it("its minimal program type-checks against pulumi-credssp", () => {
    const dir = path.join(REPO_ROOT, ".tools", "readme-check");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "minimal.ts");
    fs.writeFileSync(file, minimalProgram());
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      skipLibCheck: true,
      esModuleInterop: true,
      types: ["node"],
      paths: { "pulumi-credssp": [path.join(REPO_ROOT, "provider", "src", "index.ts")] },
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(diagnostics).toEqual([]);
    expect(program.getSourceFile(file)?.statements.length).toBeGreaterThan(5);
  });

  /** The troubleshooting table's row whose first cell matches `pattern`. */
  function troubleshootingRow(pattern: RegExp): string {
    const table = /## Troubleshooting\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? "";
    const row = table.split("\n").find((line) => line.startsWith("|") && pattern.test(line.split("|")[1] ?? ""));
    if (!row) throw new Error(`no troubleshooting row matching ${pattern}`);
    return row;
  }

  it("item 12: a troubleshooting row explains the 401 a second local administrator gets (remote UAC)", () => {
    const row = troubleshootingRow(/rejected the credentials.*although the password is right/);
    expect(row).toMatch(/LocalAccountTokenFilterPolicy/);
    expect(row).toMatch(/built-in Administrator/);
  });

  it("item 14: the row for a server with CredSSP off quotes what Windows says", () => {
    const row = troubleshootingRow(/authentication mechanism requested by the client is not supported by the server/);
    expect(row).toContain(
      "The WinRM client cannot process the request. The authentication mechanism requested by the client is not supported by the server or unencrypted traffic is disabled in the service configuration",
    );
    expect(row).toMatch(/CredSSPServer/);
  });

  it("item 14: xCredSSP is described as calling Enable-WSManCredSSP, and our own choice and its consequence are stated", () => {
    expect(readme).not.toMatch(/Like xCredSSP[^.]*write the policy registry values directly/);
    expect(readme).toMatch(/xCredSSP[^.]*Enable-WSManCredSSP/);
    expect(readme).toMatch(/gpedit[^.]*RSoP|RSoP[^.]*gpedit/);
  });

  it("item 15: what is settled is no longer listed as unverified, and docs/windows-facts.md gives its sources", () => {
    const unverified = /\*\*Unverified Windows facts\*\*[^\n]*(?:\n  [^\n]*)*/.exec(readme)?.[0] ?? "";
    for (const settled of ["ConcatenateDefaults", "AllowEncryptionOracle", "controlled by policies", "TrustedHostsList"]) {
      expect(unverified).not.toContain(settled);
    }
    const facts = fs.readFileSync(path.join(REPO_ROOT, "docs", "windows-facts.md"), "utf8");
    for (const fact of [
      "ConcatenateDefaults_AllowDefNTLMOnly", "AllowDefCredentialsWhenNTLMOnly", "AllowEncryptionOracle", "2150858890",
      "TrustedHostsList", "LocalAccountTokenFilterPolicy", "GetExpandedStringValue", "MachineGuid", "413",
    ]) {
      expect(facts).toContain(fact);
    }
    expect(facts).toMatch(/CredSsp\.admx/);
    expect(facts).toMatch(/WindowsRemoteManagement\.admx/);
  });
});

