// powershell.exe in the simulated cmd shell: its command line (-NoProfile,
// -NonInteractive, -EncodedCommand, -Command, -OutputFormat), and what the console host
// writes to stdout and stderr for the script's output and error records.

import { clixmlErrors, clixmlObjects, clixmlStrings } from "./clixml";
import { formatErrorLines, formatOutput } from "./format";
import { PsHost, PsRuntime } from "./runtime";
import type { ErrorRecordValue, Value } from "./values";

export interface ExeResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Is this command line a PowerShell invocation (powershell, powershell.exe, with a path)? */
export function isPowerShellCommand(line: string): boolean {
  return /^\s*(?:"?(?:[A-Za-z]:)?[\\/\w .()-]*[\\/])?powershell(?:\.exe)?"?(?:\s|$)/i.test(line);
}

/** Splits a command line the way the C runtime does for argv (double quotes group). */
function argv(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] !== undefined ? m[1].replace(/\\"/g, '"') : m[2]);
  return out;
}

interface Invocation {
  script: string;
  encoded: boolean;
  outputFormat: "text" | "xml";
}

class UsageError extends Error {}

/** Parameter names may be shortened to any unambiguous prefix, as powershell.exe allows. */
function matches(arg: string, name: string, min: number): boolean {
  const a = arg.replace(/^[-/]+/, "").toLowerCase();
  return a.length >= min && name.toLowerCase().startsWith(a);
}

export function parseCommandLine(line: string): Invocation {
  const args = argv(line).slice(1);
  let outputFormat: "text" | "xml" = "text";
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!/^[-/]/.test(a)) return { script: args.slice(i).join(" "), encoded: false, outputFormat };
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`Missing argument for parameter ${a}.`);
      return v;
    };
    if (matches(a, "NoProfile", 3) || matches(a, "NonInteractive", 4) || matches(a, "NoLogo", 3) || matches(a, "Sta", 3) || matches(a, "Mta", 3)) continue;
    if (matches(a, "ExecutionPolicy", 2) || matches(a, "WindowStyle", 1) || matches(a, "InputFormat", 2) || matches(a, "Version", 1)) {
      value();
      continue;
    }
    if (matches(a, "OutputFormat", 1)) {
      const v = value().toLowerCase();
      if (v !== "xml" && v !== "text") throw new UsageError(`Unrecognized output format "${v}".`);
      outputFormat = v === "xml" ? "xml" : "text";
      continue;
    }
    if (matches(a, "EncodedCommand", 1) || /^[-/]ec$/i.test(a)) {
      const b64 = value();
      return { script: Buffer.from(b64, "base64").toString("utf16le"), encoded: true, outputFormat };
    }
    if (matches(a, "Command", 1)) return { script: args.slice(i + 1).join(" "), encoded: false, outputFormat };
    throw new UsageError(`The argument '${a}' is not recognized. Use -? for a list of the parameters powershell.exe takes.`);
  }
  return { script: "", encoded: false, outputFormat };
}

/** Runs a powershell.exe command line on a simulated host. */
export async function runPowerShellExe(line: string, host: PsHost): Promise<ExeResult> {
  let inv: Invocation;
  try {
    inv = parseCommandLine(line);
  } catch (err) {
    if (err instanceof UsageError) return { stdout: "", stderr: `${err.message}\r\n`, exitCode: 1 };
    throw err;
  }
  const outputs: Value[] = [];
  const errors: ErrorRecordValue[] = [];
  let stdout = "";
  const errorLines: string[] = [];
  const { exitCode } = await new PsRuntime(host).run(inv.script, (r) => {
    const values: Value[] = [];
    for (const e of r.emitted) {
      if (e.kind === "output") values.push(e.value);
      else {
        errors.push(e.record);
        errorLines.push(...formatErrorLines(e.record));
      }
    }
    outputs.push(...values);
    stdout += formatOutput(values);
  });
  if (inv.outputFormat === "xml") {
    return { stdout: outputs.length ? clixmlObjects(outputs) : "", stderr: errors.length ? clixmlErrors(errors) : "", exitCode };
  }
  // -EncodedCommand + non-interactive + redirected stderr: the console host writes its
  // error lines as CLIXML, assuming another PowerShell reads them (ConsoleHost.ErrorFormat).
  const stderr = !errorLines.length ? "" : inv.encoded ? clixmlStrings("Error", errorLines) : errorLines.map((l) => `${l}\r\n`).join("");
  return { stdout, stderr, exitCode };
}
