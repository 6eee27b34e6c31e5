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
});
