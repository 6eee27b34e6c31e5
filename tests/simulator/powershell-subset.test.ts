// The simulated PowerShell's parser and formatter, unit by unit.

import { ParseError, Parser } from "../../simulator/src/powershell/parser";
import { formatOutput, positionMessage, wordWrap } from "../../simulator/src/powershell/format";
import { parseCommandLine } from "../../simulator/src/powershell/exe";
import { FileItemValue } from "../../simulator/src/powershell/values";

test("strings: doubled quotes, $var expansion, backtick escapes", () => {
  const [st] = Parser.parse(`$x = 'it''s'; "a ""b"" $x\`t"`);
  expect(st).toMatchObject({ type: "assignment", variable: "x", value: { elements: [{ type: "expression", expr: { type: "string", value: "it's" } }] } });
  const second = Parser.parse(`'x'; "a ""b"" $x\`t"`)[1];
  expect(second).toMatchObject({ elements: [{ expr: { type: "expandable", parts: ['a "b" ', { variable: "x" }, "\t"] } }] });
});

test("New-Object Type(args) in argument mode is a type name and a parenthesised list", () => {
  const [st] = Parser.parse("New-Object System.Management.Automation.PSCredential('u', $s)");
  expect(st).toMatchObject({
    type: "pipeline",
    elements: [{ type: "command", name: "New-Object", elements: [{ value: { type: "bareword", value: "System.Management.Automation.PSCredential" } }, { value: { type: "paren" } }] }],
  });
  expect(Parser.parse("[pscredential]::new('u', $s)")[0]).toMatchObject({ elements: [{ expr: { type: "static-new", typeName: "pscredential" } }] });
});

test("parameters, switches, script blocks and pipelines", () => {
  const [st] = Parser.parse("Invoke-Command -ComputerName srv01 -UseSSL -ScriptBlock { dir \\\\fs01\\share } | Export-Csv x.csv");
  expect(st).toMatchObject({ elements: [{ name: "Invoke-Command" }, { name: "Export-Csv" }] });
  const els = (st as { elements: Array<{ elements: Array<{ kind: string; name?: string }> }> }).elements[0].elements;
  expect(els.map((e) => e.kind + (e.name ? `:${e.name}` : ""))).toEqual(["parameter:ComputerName", "argument", "parameter:UseSSL", "parameter:ScriptBlock", "argument"]);
});

test("syntax outside the subset is a ParseError with PowerShell's id", () => {
  expect(() => Parser.parse("dir 'abc")).toThrow(ParseError);
  try {
    Parser.parse("dir 'abc");
  } catch (e) {
    expect((e as ParseError).errorId).toBe("TerminatorExpectedAtEndOfString");
  }
});

test("powershell.exe's command line: shortened names, -EncodedCommand as UTF-16LE base64, -OutputFormat", () => {
  const b64 = Buffer.from("hostname", "utf16le").toString("base64");
  expect(parseCommandLine(`powershell -NoP -NonI -enc ${b64}`)).toEqual({ script: "hostname", encoded: true, outputFormat: "text" });
  expect(parseCommandLine("powershell.exe -OutputFormat XML -Command dir C:\\")).toEqual({ script: "dir C:\\", encoded: false, outputFormat: "xml" });
  expect(parseCommandLine("powershell whoami")).toEqual({ script: "whoami", encoded: false, outputFormat: "text" });
});

test("the position message truncates long lines around the command as 5.1 does", () => {
  const line = "$c = New-Object System.Management.Automation.PSCredential('admin', $pw); Invoke-Command -ComputerName srv01.corp.test -Credential $c -ScriptBlock { hostname }";
  const start = line.indexOf("Invoke-Command") + 1;
  const msg = positionMessage({ invocationName: "", line, lineNumber: 1, startColumn: start, endColumn: line.length + 1 });
  const [at, src, marks] = msg.split("\n");
  expect(at).toBe(`At line:1 char:${start}`);
  expect(src).toBe("+ ... min', $pw); Invoke-Command -ComputerName srv01.corp.test -Credential  ...");
  expect(marks).toBe(`+ ${" ".repeat(16)}${"~".repeat(57)}`);
});

test("word wrap keeps the breaking space on the line, hard-splits longer words", () => {
  expect(wordWrap("aaa bbb ccc", 7)).toEqual(["aaa ", "bbb ccc"]);
  expect(wordWrap("aaa bbb ccc", 6)).toEqual(["aaa ", "bbb ", "ccc"]);
  expect(wordWrap("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
});

test("a remote Get-ChildItem table at 79 columns: Name and PSComputerName share what the view leaves", () => {
  const t = new Date(Date.UTC(2026, 10, 25, 13, 2));
  const out = formatOutput([new FileItemValue("a-rather-long-file-name.txt", false, 12, t, "------", "\\\\fs01\\share", "srv01.corp.test")]);
  expect(out.split("\r\n")).toEqual([
    "",
    "",
    "    Directory: \\\\fs01\\share",
    "",
    "",
    "Mode                LastWriteTime         Length Name            PSComputerName",
    "----                -------------         ------ ----            --------------",
    "------       11/25/2026   1:02 PM             12 a-rather-lon... srv01.corp....",
    "",
    "",
    "",
  ]);
});
