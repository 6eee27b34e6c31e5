// Reading PowerShell's error records back out of console text, and classifying the
// double-hop check from them. The records are the simulator's rendering of Windows
// PowerShell 5.1's error view (word wrap at 79, details in 74-column chunks), fed
// through the CLIXML error stream exactly as powershell.exe -EncodedCommand writes it.
import { checkDoubleHop, classifyDoubleHop, decodeClixml, doubleHopScript, parseErrorRecords, psQuote } from "../../provider/src/windows";
import type { PowerShellResult } from "../../provider/src/windows";
import { clixmlStrings } from "../../simulator/src/powershell/clixml";
import { formatErrorLines } from "../../simulator/src/powershell/format";
import { errorRecord } from "../../simulator/src/powershell/values";
import type { ErrorRecordValue } from "../../simulator/src/powershell/values";

const TRANSPORT_TEXT =
  "[srv01.corp.test] Connecting to remote server srv01.corp.test failed with the following error message : The WinRM client cannot process the request. A computer policy does not allow the delegation of the user credentials to the target computer. Use gpedit.msc and look at the following policy: Computer Configuration -> Administrative Templates -> System -> Credentials Delegation -> Allow Delegating Fresh Credentials. For more information, see the about_Remote_Troubleshooting Help topic.";

const transport = (message: string, id: string): ErrorRecordValue => ({
  ...errorRecord({ message, category: "OpenError", activity: "", targetName: "srv01.corp.test", targetType: "String", reason: "PSRemotingTransportException", fullyQualifiedErrorId: `${id},PSSessionStateBroken` }),
  invocation: { invocationName: "", line: "Invoke-Command -ComputerName 'srv01.corp.test' -Authentication CredSSP -Credential $cred -ScriptBlock { Get-ChildItem -LiteralPath '\\\\fs01\\share' }", lineNumber: 3, startColumn: 1, endColumn: 160 },
});

const remoteDenied = (): ErrorRecordValue => ({
  ...errorRecord({
    message: "Access is denied",
    category: "PermissionDenied",
    activity: "Get-ChildItem",
    targetName: "\\\\fs01.corp.test\\share",
    targetType: "String",
    reason: "UnauthorizedAccessException",
    fullyQualifiedErrorId: "ItemExistsUnauthorizedAccessError,Microsoft.PowerShell.Commands.GetChildItemCommand",
  }),
  originComputer: "srv01.corp.test",
});

/** What the console writes to stderr for these records under -EncodedCommand. */
const stderrOf = (records: ErrorRecordValue[]) => clixmlStrings("Error", records.flatMap(formatErrorLines));

const result = (records: ErrorRecordValue[], exitCode = 1): PowerShellResult => {
  const stderr = decodeClixml(stderrOf(records));
  return { exitCode, stdout: "", stderr, errors: parseErrorRecords(stderr) };
};

test("CLIXML error stream: decoded to the console's lines, wrapped at 79 columns", () => {
  const text = decodeClixml(stderrOf([transport(TRANSPORT_TEXT, "-2144108125")]));
  const lines = text.split("\r\n");
  expect(lines[0]).toBe("[srv01.corp.test] Connecting to remote server srv01.corp.test failed with the ");
  expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(79);
  expect(text).toContain("    + FullyQualifiedErrorId : -2144108125,PSSessionStateBroken\r\n");
});

test("a record's message and details come back whole: word wrap and 74-column chunks undone", () => {
  const [rec] = parseErrorRecords(decodeClixml(stderrOf([transport(TRANSPORT_TEXT, "-2144108125")])));
  expect(rec).toEqual({
    message: TRANSPORT_TEXT,
    command: "",
    categoryInfo: "OpenError: (srv01.corp.test:String) [], PSRemotingTransportException",
    fullyQualifiedErrorId: "-2144108125,PSSessionStateBroken",
    psComputerName: undefined,
  });
});

test("several records, local (with the command's name) and remote (with PSComputerName)", () => {
  const local = {
    ...errorRecord({ message: "Cannot find path '\\\\fs01.corp.test\\share' because it does not exist.", category: "ObjectNotFound", activity: "Get-ChildItem", targetName: "\\\\fs01.corp.test\\share", targetType: "String", reason: "ItemNotFoundException", fullyQualifiedErrorId: "PathNotFound,Microsoft.PowerShell.Commands.GetChildItemCommand" }),
    invocation: { invocationName: "dir", line: "dir \\\\fs01.corp.test\\share", lineNumber: 1, startColumn: 1, endColumn: 27 },
  };
  const records = parseErrorRecords(decodeClixml(stderrOf([remoteDenied(), local])));
  expect(records).toHaveLength(2);
  expect(records[0]).toMatchObject({
    message: "Access is denied",
    command: "",
    categoryInfo: "PermissionDenied: (\\\\fs01.corp.test\\share:String) [Get-ChildItem], UnauthorizedAccessException",
    fullyQualifiedErrorId: "ItemExistsUnauthorizedAccessError,Microsoft.PowerShell.Commands.GetChildItemCommand",
    psComputerName: "srv01.corp.test",
  });
  expect(records[1]).toMatchObject({ command: "dir", message: "Cannot find path '\\\\fs01.corp.test\\share' because it does not exist.", fullyQualifiedErrorId: "PathNotFound,Microsoft.PowerShell.Commands.GetChildItemCommand" });
});

describe("classification, from FullyQualifiedErrorId first", () => {
  const cases: Array<[string, string, string, string | undefined]> = [
    ["-2144108126", "The WinRM client cannot process the request. CredSSP authentication is currently disabled in the client configuration.", "client-credssp-disabled", undefined],
    ["ServerNotTrusted", "The WinRM client cannot process the request. If the authentication scheme is different from Kerberos …", "trusted-hosts", undefined],
    ["-2144108124", "The WinRM client cannot process the request. A computer policy does not allow the delegation of the user credentials to the target computer because the computer is not trusted.", "delegation-policy", "AllowFreshCredentialsWhenNTLMOnly"],
    ["-2144108125", "The WinRM client cannot process the request. A computer policy does not allow the delegation of the user credentials to the target computer.", "delegation-policy", "AllowFreshCredentials"],
    ["50", "The request is not supported", "encryption-oracle", undefined],
    ["AccessDenied", "The WinRM client cannot process the request. The authentication mechanism requested by the client is not supported by the server …", "server-credssp-disabled", undefined],
    ["AccessDenied", "Access is denied.", "other", undefined],
    ["WinRMOperationTimeout", "WinRM cannot complete the operation. Verify that the specified computer name is valid …", "target-unreachable", undefined],
    ["-2144108269", "Something new.", "other", undefined],
  ];
  test.each(cases)("%s (%s) → %s", (id, text, link, policy) => {
    const message = `[srv01] Connecting to remote server srv01 failed with the following error message : ${text} For more information, see the about_Remote_Troubleshooting Help topic.`;
    const outcome = classifyDoubleHop(result([transport(message, id)]));
    expect(outcome).toMatchObject({ works: false, failingLink: link, message });
    expect(outcome.policy).toBe(policy);
  });

  test("the target's Get-ChildItem refused the share: second-hop-denied, with Windows' text", () => {
    expect(classifyDoubleHop(result([remoteDenied()]))).toMatchObject({ works: false, failingLink: "second-hop-denied", message: "Access is denied" });
  });

  test("no error record and exit code 0: it works", () => {
    expect(classifyDoubleHop({ exitCode: 0, stdout: "listing", stderr: "", errors: [] })).toMatchObject({ works: true });
  });

  test("a non-zero exit without a record is 'other', with what powershell.exe wrote", () => {
    expect(classifyDoubleHop({ exitCode: 1, stdout: "", stderr: "Missing argument for parameter -Command.\r\n", errors: [] })).toMatchObject({
      works: false,
      failingLink: "other",
      message: "powershell.exe exited with 1: Missing argument for parameter -Command.",
    });
  });
});

test("the script: values single-quoted with quotes doubled, the password only by reference to the shell's environment", () => {
  expect(psQuote("it's")).toBe("'it''s'");
  const script = doubleHopScript({ target: "srv01.corp.test", targetPort: 5985, https: true, user: "CORP\\o'brien", path: "\\\\fs01\\share" });
  expect(script.split("\n")).toEqual([
    "hostname",
    "$secure = ConvertTo-SecureString $env:PULUMI_CREDSSP_CHECK_PASSWORD -AsPlainText -Force",
    "$cred = New-Object System.Management.Automation.PSCredential('CORP\\o''brien', $secure)",
    "Invoke-Command -ComputerName 'srv01.corp.test' -Port 5985 -UseSSL -Authentication CredSSP -Credential $cred -ScriptBlock { Get-ChildItem -LiteralPath '\\\\fs01\\share' }",
  ]);
});

test("the password travels in the shell's environment, never in powershell.exe's command line", async () => {
  const calls: Array<{ command: string; args: string[]; environment?: Record<string, string> }> = [];
  const api = {
    runCommand: async (command: string, args?: string[], options?: { environment?: Record<string, string> }) => {
      calls.push({ command, args: args ?? [], environment: options?.environment });
      return { stdout: "ws01\r\n", stderr: "", exitCode: 0 };
    },
  };
  const outcome = await checkDoubleHop(api, { target: "srv01", user: "admin", password: "S3cret!", path: "\\\\fs01\\share" });
  expect(outcome).toMatchObject({ works: true, client: "ws01" });
  expect(calls).toHaveLength(1);
  expect(calls[0].environment).toEqual({ PULUMI_CREDSSP_CHECK_PASSWORD: "S3cret!" });
  const script = Buffer.from(calls[0].args[calls[0].args.indexOf("-EncodedCommand") + 1], "base64").toString("utf16le");
  expect(script).toContain("$env:PULUMI_CREDSSP_CHECK_PASSWORD");
  expect(`${calls[0].args.join(" ")}\n${script}`).not.toContain("S3cret!");
});
