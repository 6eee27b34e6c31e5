// Running a PowerShell script on a host over WinRM, the way an admin's tools do
// (pywinrm's run_ps, Ansible): powershell.exe -EncodedCommand in a cmd shell. What comes
// back is console text, so this module also reads PowerShell's error records out of it.
//
// With -EncodedCommand and a redirected stderr, Windows PowerShell 5.1 writes its error
// stream as CLIXML ("#< CLIXML" then <S S="Error">…</S> per line), each line as the
// console would have shown it: word-wrapped at 79 columns (WinRM's console is 80 wide),
// with the record's details (CategoryInfo, FullyQualifiedErrorId) cut into 74-character
// chunks each indented by four spaces. `parseErrorRecords` undoes both, so a caller
// classifies on FullyQualifiedErrorId and the message exactly as PowerShell built them.

import type { WinRMClient } from "../winrm";

/** The slice of WinRMClient running a script needs. */
export type PowerShellHostApi = Pick<WinRMClient, "runCommand">;

export interface PowerShellErrorRecord {
  /** The message as PowerShell built it, wrapping undone (without `<command> : `). */
  message: string;
  /** The name the failing command was invoked by (`dir`, `Invoke-Command`); "" when none is shown. */
  command: string;
  categoryInfo?: string;
  /** e.g. `ServerNotTrusted,PSSessionStateBroken` or `PathNotFound,Microsoft.PowerShell.Commands.GetChildItemCommand`. */
  fullyQualifiedErrorId?: string;
  /** Set for records that came back from a remote session. */
  psComputerName?: string;
}

export interface PowerShellResult {
  exitCode: number;
  /** The output stream as the console wrote it. */
  stdout: string;
  /** The error stream as the console would have shown it (CLIXML decoded). */
  stderr: string;
  errors: PowerShellErrorRecord[];
}

/** powershell.exe's -EncodedCommand argument: base64 of the script in UTF-16LE. */
export function encodeCommand(script: string): string {
  return Buffer.from(script, "utf16le").toString("base64");
}

const XML_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeXmlText(s: string): string {
  return s
    .replace(/&(lt|gt|amp|quot|apos);/g, (_m, e: string) => XML_ENTITIES[e])
    .replace(/&#x([0-9A-Fa-f]+);/g, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#([0-9]+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/_x([0-9A-Fa-f]{4})_/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * The console text of a CLIXML error stream: the <S S="Error"> strings in order (each
 * already ends in CRLF). Text that is not CLIXML is returned as it is.
 */
export function decodeClixml(stderr: string): string {
  const start = stderr.indexOf("#< CLIXML");
  if (start < 0) return stderr;
  let out = stderr.slice(0, start);
  for (const m of stderr.slice(start).matchAll(/<S S="Error">([\s\S]*?)<\/S>/g)) out += decodeXmlText(m[1]);
  return out;
}

/** The width the error view cuts details into: the 80-column buffer, less indent 4 and 2. */
const DETAIL_CHUNK = 74;
const DETAIL_INDENT = "    ";

/** A detail line (`    + Key : value…`) with its 74-character chunking undone. */
function unchunk(line: string): string {
  let rest = line.slice(DETAIL_INDENT.length);
  let out = rest.slice(0, DETAIL_CHUNK);
  rest = rest.slice(DETAIL_CHUNK);
  while (rest.startsWith(DETAIL_INDENT)) {
    out += rest.slice(DETAIL_INDENT.length, DETAIL_INDENT.length + DETAIL_CHUNK);
    rest = rest.slice(DETAIL_INDENT.length + DETAIL_CHUNK);
  }
  return out + rest;
}

/**
 * The error records in console text. A record ends with a line holding one space; the
 * console's word wrap leaves the space it broke at at the end of the line, so a line
 * ending in a space continues on the next.
 */
export function parseErrorRecords(text: string): PowerShellErrorRecord[] {
  const records: PowerShellErrorRecord[] = [];
  let lines: string[] = [];
  const flush = () => {
    if (lines.some((l) => l.trim() !== "")) records.push(parseRecord(lines));
    lines = [];
  };
  for (const line of text.split(/\r?\n/)) {
    if (line === " ") flush();
    else lines.push(line);
  }
  flush();
  return records;
}

function parseRecord(wrapped: string[]): PowerShellErrorRecord {
  // Undo the word wrap: a line ending in a space continues on the next one.
  const logical: string[] = [];
  let current: string | undefined;
  for (const line of wrapped) {
    current = current === undefined ? line : current + line;
    if (!current.endsWith(" ")) {
      logical.push(current);
      current = undefined;
    }
  }
  if (current !== undefined) logical.push(current.replace(/ $/, ""));

  const details: Record<string, string> = {};
  const message: string[] = [];
  let inPosition = false;
  for (const line of logical) {
    if (line.startsWith(`${DETAIL_INDENT}+ `)) {
      const m = /^\+ (\w+)\s*: ?(.*)$/.exec(unchunk(line));
      if (m) details[m[1]] = m[2];
      continue;
    }
    if (/^At (line:\d+ char:\d+|.+:\d+ char:\d+)$/.test(line)) {
      inPosition = true;
      continue;
    }
    if (inPosition && line.startsWith("+ ")) continue;
    if (!inPosition && Object.keys(details).length === 0) message.push(line);
  }
  let text = message.join("\n").trim();
  // "<command> : message" when the record has an invocation; remote records have none.
  let command = "";
  const prefixed = /^([A-Za-z][\w.-]*) : ([\s\S]*)$/.exec(text);
  if (prefixed && logical.some((l) => /^At line:/.test(l))) {
    command = prefixed[1];
    text = prefixed[2];
  }
  return {
    message: text,
    command,
    categoryInfo: details.CategoryInfo,
    // An id never holds spaces; anything left over from the layout is not part of it.
    fullyQualifiedErrorId: details.FullyQualifiedErrorId?.replace(/\s+/g, ""),
    psComputerName: details.PSComputerName,
  };
}

/**
 * Runs `script` in Windows PowerShell on the host (-NoProfile -NonInteractive
 * -EncodedCommand, as pywinrm's run_ps does) and returns its output and error records.
 * `environment` becomes the shell's environment variables ($env:NAME in the script):
 * the way to hand the script a secret without putting it on a command line.
 */
export async function runPowerShell(api: PowerShellHostApi, script: string, environment?: Record<string, string>): Promise<PowerShellResult> {
  const r = await api.runCommand("powershell.exe", ["-NoProfile", "-NonInteractive", "-EncodedCommand", encodeCommand(script)], { environment });
  const stderr = decodeClixml(r.stderr);
  return { exitCode: r.exitCode, stdout: r.stdout, stderr, errors: parseErrorRecords(stderr) };
}
