// Out-Default as Windows PowerShell 5.1 renders it in a WinRM-started console.
//
// WinRM runs powershell.exe under a conhost that is 80 columns wide (pywinrm#216,
// pywinrm#301), and the console formatter keeps the last column free, so tables and error
// records are laid out for 79 columns (ConsoleLineOutput.ColumnNumber). Tables follow
// the formatter's rules (TableWriter, ColumnWidthManager): fixed widths from the view,
// the rest shared round-robin, separators of one space, "..." for text that does not
// fit, the last column not padded. Error records follow the NormalView of the
// ErrorInstance format (PowerShellCore.format.ps1xml) and are word-wrapped at 79 like
// every out-of-band record (ComplexWriter).

import { ErrorRecordValue, FileItemValue, ListValue, SessionValue, Value, CredentialValue, toPsString } from "./values";

export const CONSOLE_COLUMNS = 79;
const CRLF = "\r\n";

/** Pads/truncates a cell the way TableWriter does: "..." when it does not fit. */
function fit(text: string, width: number, align: "left" | "right", last: boolean): string {
  let t = text;
  if (t.length > width) t = width > 3 ? `${t.slice(0, width - 3)}...` : t.slice(0, width);
  if (align === "right") return t.padStart(width);
  return last ? t : t.padEnd(width);
}

interface Column {
  label: string;
  width: number;
  align: "left" | "right";
}

/** ColumnWidthManager: unsized columns start at 5 and share what is left, one at a time. */
function sizeColumns(cols: Column[], total = CONSOLE_COLUMNS): Column[] {
  const sized = cols.map((c) => ({ ...c, width: c.width > 0 ? c.width : 5 }));
  let used = sized.reduce((a, c) => a + c.width, 0) + (sized.length - 1);
  while (used > total && sized.length > 1) {
    // Too wide: drop columns from the right (TrimToFit).
    const dropped = sized.pop()!;
    used -= dropped.width + 1;
  }
  let left = total - used;
  const free = sized.map((c, i) => (cols[i].width > 0 ? -1 : i)).filter((i) => i >= 0);
  while (left > 0 && free.length) {
    for (const i of free) {
      if (left === 0) break;
      sized[i].width++;
      left--;
    }
  }
  return sized;
}

function table(cols: Column[], rows: string[][]): string[] {
  const sized = sizeColumns(cols);
  const line = (cells: string[]) =>
    sized
      .map((c, i) => fit(cells[i] ?? "", c.width, c.align, i === sized.length - 1))
      .join(" ")
      .replace(/\s+$/, "");
  return [line(sized.map((c) => c.label)), line(sized.map((c) => "-".repeat(c.label.length))), ...rows.map(line)];
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** en-US "d" and "t" formats: 11/25/2026, 1:02 PM (the simulated hosts keep UTC). */
export function shortDate(d: Date): string {
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`;
}
export function shortTime(d: Date): string {
  const h = d.getUTCHours();
  return `${h % 12 === 0 ? 12 : h % 12}:${pad2(d.getUTCMinutes())} ${h < 12 ? "AM" : "PM"}`;
}

/** The FileSystem view of Get-ChildItem: Mode(7) LastWriteTime(25, right) Length(14, right) Name. */
function fileTable(items: FileItemValue[], withComputer: boolean): string[] {
  const cols: Column[] = [
    { label: "Mode", width: 7, align: "left" },
    { label: "LastWriteTime", width: 25, align: "right" },
    { label: "Length", width: 14, align: "right" },
    { label: "Name", width: 0, align: "left" },
  ];
  if (withComputer) cols.push({ label: "PSComputerName", width: 0, align: "left" });
  return table(
    cols,
    items.map((f) => [
      f.mode,
      `${shortDate(f.lastWriteTime).padStart(10)}  ${shortTime(f.lastWriteTime).padStart(8)}`,
      f.directory ? "" : String(f.length),
      f.name,
      f.computerName ?? "",
    ]),
  );
}

function kindOf(v: Value): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return v.kind;
  return typeof v;
}

/**
 * The text Out-Default writes for a statement's output, CRLF line ends. Consecutive file
 * items are one table, grouped by folder under a "Directory:" header.
 */
export function formatOutput(values: Value[]): string {
  const flat: Value[] = [];
  const flatten = (v: Value) => (Array.isArray(v) ? v.forEach(flatten) : flat.push(v));
  values.forEach(flatten);
  const lines: string[] = [];
  let i = 0;
  while (i < flat.length) {
    const v = flat[i];
    const k = kindOf(v);
    if (k === "fileitem") {
      const run: FileItemValue[] = [];
      while (i < flat.length && kindOf(flat[i]) === "fileitem") run.push(flat[i++] as FileItemValue);
      const withComputer = run.some((f) => f.computerName !== undefined);
      let group: string | undefined;
      let chunk: FileItemValue[] = [];
      const flush = () => {
        if (!chunk.length) return;
        lines.push("", "", `    Directory: ${group}`, "", "", ...fileTable(chunk, withComputer));
        chunk = [];
      };
      for (const f of run) {
        if (f.parent !== group) {
          flush();
          group = f.parent;
        }
        chunk.push(f);
      }
      flush();
      lines.push("", "");
      continue;
    }
    if (k === "pssession") {
      const run: SessionValue[] = [];
      while (i < flat.length && kindOf(flat[i]) === "pssession") run.push(flat[i++] as SessionValue);
      lines.push(
        "",
        ...table(
          [
            { label: "Id", width: 3, align: "right" },
            { label: "Name", width: 15, align: "left" },
            { label: "ComputerName", width: 15, align: "left" },
            { label: "ComputerType", width: 15, align: "left" },
            { label: "State", width: 13, align: "left" },
            { label: "ConfigurationName", width: 20, align: "left" },
            { label: "Availability", width: 15, align: "right" },
          ],
          run.map((s) => [String(s.id), s.name, s.computerName, "RemoteMachine", s.state, "Microsoft.PowerShell", s.state === "Opened" ? "Available" : "None"]),
        ),
        "",
        "",
      );
      continue;
    }
    if (k === "credential") {
      const run: CredentialValue[] = [];
      while (i < flat.length && kindOf(flat[i]) === "credential") run.push(flat[i++] as CredentialValue);
      const w = Math.max(8, ...run.map((c) => c.userName.length));
      lines.push("", `${"UserName".padEnd(w)} Password`, `${"--------".padEnd(w)} --------`, ...run.map((c) => `${c.userName.padEnd(w)} ${c.password}`), "", "");
      continue;
    }
    if (k === "list") {
      const l = v as ListValue;
      const w = Math.max(...l.entries.map(([n]) => n.length));
      lines.push("", ...l.entries.map(([n, val]) => `${n.padEnd(w)} : ${val}`), "", "");
      i++;
      continue;
    }
    if (k === "null") {
      i++;
      continue;
    }
    lines.push(...toPsString(v).split(/\r?\n/));
    i++;
  }
  return lines.length ? lines.join(CRLF) + CRLF : "";
}

/** ErrorCategoryInfo.GetMessage: long names keep their first and last 15 characters. */
function ellipsize(s: string): string {
  return s.length <= 40 ? s : `${s.slice(0, 15)}...${s.slice(-15)}`;
}

export function categoryInfo(e: ErrorRecordValue): string {
  return `${e.category}: (${ellipsize(e.targetName)}:${ellipsize(e.targetType)}) [${ellipsize(e.activity)}], ${e.reason}`;
}

/** InvocationInfo.PositionMessage (PositionUtilities.VerboseMessage of 5.1). */
export function positionMessage(inv: NonNullable<ErrorRecordValue["invocation"]>): string {
  let line = inv.line.replace(/\s+$/, "");
  let before = inv.startColumn - 1;
  let len = Math.max(0, Math.min(inv.endColumn, line.length + 1) - inv.startColumn);
  const MAX = 69;
  let prefixDots = false;
  let suffixDots = false;
  if (line.length > MAX) {
    const totalPrefix = before;
    let prefix = Math.min(totalPrefix, 12);
    const totalSuffix = line.length - len - before;
    let suffix = Math.min(totalSuffix, 8);
    let candidate = prefix + len + suffix;
    if (candidate >= MAX) {
      if (prefix + len >= MAX) len = MAX - prefix;
      suffixDots = true;
    } else {
      const prefixAvailable = totalPrefix - prefix;
      if (prefixAvailable > 0) {
        prefix += Math.min(prefixAvailable, MAX - candidate);
        candidate = prefix + len + suffix;
      }
      if (candidate < MAX && totalSuffix > 0) suffix += Math.min(totalSuffix, MAX - candidate);
      suffixDots = suffix < totalSuffix;
    }
    prefixDots = prefix < totalPrefix;
    const startIndex = Math.max(before - prefix, 0);
    line = line.slice(startIndex, startIndex + MAX);
    before = Math.min(before, prefix);
    len = Math.min(len, MAX - before);
  }
  const shown = `${prefixDots ? "... " : ""}${line}${suffixDots ? " ..." : ""}`;
  const marks = `${" ".repeat(before + (prefixDots ? 4 : 0))}${"~".repeat(len > 0 ? len : 1)}`;
  return `At line:${inv.lineNumber} char:${inv.startColumn}\n+ ${shown}\n+ ${marks}`;
}

/** The NormalView text of an error record (before wrapping): prefix, message, position, details. */
export function errorRecordText(e: ErrorRecordValue): string {
  const prefix = e.invocation?.invocationName ? `${e.invocation.invocationName} : ` : "";
  let posmsg = e.invocation ? `\n${positionMessage(e.invocation)}` : "";
  const indent = "    ";
  const width = CONSOLE_COLUMNS + 1 - indent.length - 2;
  const detail = (s: string) => {
    // The view splits the line into chunks of the buffer width and indents each one.
    const chunks: string[] = [];
    for (let i = 0; i < s.length; i += width) chunks.push(s.slice(i, i + width));
    return chunks.map((c) => indent + c).join("");
  };
  posmsg += `\n${detail(`+ CategoryInfo          : ${categoryInfo(e)}`)}`;
  posmsg += `\n${detail(`+ FullyQualifiedErrorId : ${e.fullyQualifiedErrorId}`)}`;
  if (e.originComputer !== undefined) posmsg += `\n${detail(`+ PSComputerName        : ${e.originComputer}`)}`;
  return `${prefix}${e.message}${posmsg}\n `;
}

/** ComplexWriter's word wrap (GenerateLinesWithWordWrap) at `width` columns. */
export function wordWrap(text: string, width = CONSOLE_COLUMNS): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.length <= width) {
      out.push(line);
      continue;
    }
    let current = "";
    let left = width;
    const words = line.split(" ");
    words.forEach((w, idx) => {
      const word = idx < words.length - 1 ? `${w} ` : w;
      if (word.length > width) {
        for (const ch of word) {
          if (left < 1) {
            out.push(current);
            current = "";
            left = width;
          }
          current += ch;
          left--;
        }
      } else if (word.length > left) {
        out.push(current);
        current = word;
        left = width - word.length;
      } else {
        current += word;
        left -= word.length;
      }
    });
    out.push(current);
  }
  return out;
}

/** The lines the console host writes to stderr for one error record. */
export function formatErrorLines(e: ErrorRecordValue): string[] {
  return wordWrap(errorRecordText(e));
}
