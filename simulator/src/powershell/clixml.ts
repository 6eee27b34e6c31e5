// CLIXML, PowerShell's serialization format, for the streams powershell.exe writes when
// it talks to another PowerShell: "#< CLIXML" then one <Objs> document
// (http://schemas.microsoft.com/powershell/2004/04).
//
// - With -EncodedCommand, non-interactive and stderr redirected (the WinRM case), the
//   console host writes its error lines to stderr as <S S="Error"> strings
//   (ConsoleHost.ErrorFormat); pywinrm's run_ps decodes exactly that.
// - With -OutputFormat XML, output objects go to stdout and error records to stderr as
//   serialized objects; the simulated Invoke-Command uses this between hosts, so the
//   client formats remote output itself (PSComputerName column, "+ PSComputerName").
// Only the types of the simulated subset are written and read.

import { DOMParser } from "@xmldom/xmldom";
import type { Element as XmlElement } from "@xmldom/xmldom";
import { ErrorCategory, ErrorRecordValue, FileItemValue, OpaqueValue, Value, toPsString } from "./values";

export const CLIXML_HEADER = "#< CLIXML\r\n";
const NS = "http://schemas.microsoft.com/powershell/2004/04";

/** Strings escape control characters as _xHHHH_ (and a literal "_x" as _x005F_x). */
export function encodeClixmlString(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const code = c.charCodeAt(0);
    if (c === "_" && s[i + 1] === "x") out += "_x005F_";
    else if (code < 0x20 || (code >= 0xd800 && code <= 0xdfff)) out += `_x${code.toString(16).toUpperCase().padStart(4, "0")}_`;
    else if (c === "&") out += "&amp;";
    else if (c === "<") out += "&lt;";
    else if (c === ">") out += "&gt;";
    else if (c === '"') out += "&quot;";
    else out += c;
  }
  return out;
}

export function decodeClixmlString(s: string): string {
  return s.replace(/_x([0-9A-Fa-f]{4})_/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const str = (name: string | undefined, v: string) => `<S${name ? ` N="${name}"` : ""}>${encodeClixmlString(v)}</S>`;

/** A document of strings in one stream, e.g. the console host's error lines. */
export function clixmlStrings(stream: "Error" | "Warning" | "Verbose", lines: string[]): string {
  return `${CLIXML_HEADER}<Objs Version="1.1.0.1" xmlns="${NS}">${lines.map((l) => `<S S="${stream}">${encodeClixmlString(`${l}\r\n`)}</S>`).join("")}</Objs>`;
}

function objectXml(v: Value, ref: { n: number }, streamAttr = ""): string {
  if (v === null) return "<Nil />";
  if (typeof v === "string") return `<S${streamAttr}>${encodeClixmlString(v)}</S>`;
  if (typeof v === "boolean") return `<B${streamAttr}>${v ? "true" : "false"}</B>`;
  if (typeof v === "number") return `<I32${streamAttr}>${v}</I32>`;
  if (Array.isArray(v)) return v.map((x) => objectXml(x, ref, streamAttr)).join("");
  if (v.kind === "fileitem") {
    const id = ref.n++;
    const type = v.directory ? "System.IO.DirectoryInfo" : "System.IO.FileInfo";
    return (
      `<Obj${streamAttr} RefId="${id}"><TN RefId="${id}"><T>Deserialized.${type}</T><T>Deserialized.System.IO.FileSystemInfo</T><T>Deserialized.System.MarshalByRefObject</T><T>Deserialized.System.Object</T></TN>` +
      `<ToString>${encodeClixmlString(v.name)}</ToString><Props>${str("Name", v.name)}` +
      (v.directory ? "" : `<I64 N="Length">${v.length}</I64>`) +
      `<DT N="LastWriteTime">${v.lastWriteTime.toISOString()}</DT>${str("Mode", v.mode)}</Props>` +
      `<MS>${str("PSParentPath", `Microsoft.PowerShell.Core\\FileSystem::${v.parent}`)}${str("PSChildName", v.name)}<B N="PSIsContainer">${v.directory}</B></MS></Obj>`
    );
  }
  return `<S${streamAttr}>${encodeClixmlString(toPsString(v))}</S>`;
}

/** -OutputFormat XML stdout: the statement outputs, serialized. */
export function clixmlObjects(values: Value[]): string {
  const ref = { n: 0 };
  return `${CLIXML_HEADER}<Objs Version="1.1.0.1" xmlns="${NS}">${values.map((v) => objectXml(v, ref)).join("")}</Objs>`;
}

/** -OutputFormat XML stderr: error records, serialized with their category and id. */
export function clixmlErrors(errors: ErrorRecordValue[]): string {
  const body = errors
    .map(
      (e, i) =>
        `<Obj S="Error" RefId="${i}"><TN RefId="${i}"><T>System.Management.Automation.ErrorRecord</T><T>System.Object</T></TN>` +
        `<ToString>${encodeClixmlString(e.message)}</ToString><MS>` +
        `<Obj N="Exception" RefId="${errors.length + i}"><TN><T>System.Exception</T><T>System.Object</T></TN><Props>${str("Message", e.message)}</Props></Obj>` +
        `${str("FullyQualifiedErrorId", e.fullyQualifiedErrorId)}<I32 N="ErrorCategory_Category">0</I32>` +
        `${str("ErrorCategory_Category_Name", e.category)}${str("ErrorCategory_Activity", e.activity)}${str("ErrorCategory_Reason", e.reason)}` +
        `${str("ErrorCategory_TargetName", e.targetName)}${str("ErrorCategory_TargetType", e.targetType)}` +
        `<B N="SerializeExtendedInfo">false</B></MS></Obj>`,
    )
    .join("");
  return `${CLIXML_HEADER}<Objs Version="1.1.0.1" xmlns="${NS}">${body}</Objs>`;
}

function children(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) out.push(c as XmlElement);
  return out;
}

function named(el: XmlElement | undefined, name: string): XmlElement | undefined {
  if (!el) return undefined;
  for (const c of children(el)) {
    if (c.getAttribute("N") === name) return c;
    if (c.localName === "Props" || c.localName === "MS") {
      const inner = named(c, name);
      if (inner) return inner;
    }
  }
  return undefined;
}

const textOf = (el: XmlElement | undefined) => decodeClixmlString(el?.textContent ?? "");

function parseDoc(text: string): XmlElement | undefined {
  const start = text.indexOf("<Objs");
  if (!text.startsWith("#< CLIXML") || start < 0) return undefined;
  return new DOMParser().parseFromString(text.slice(start), "text/xml").documentElement as unknown as XmlElement;
}

/** Deserializes -OutputFormat XML stdout; items get `computerName` (PSComputerName). */
export function readClixmlObjects(text: string, computerName: string): Value[] {
  const root = parseDoc(text);
  if (!root) return text ? [text] : [];
  return children(root).map((el): Value => {
    switch (el.localName) {
      case "S":
        return textOf(el);
      case "B":
        return el.textContent === "true";
      case "I32":
      case "I64":
        return Number(el.textContent);
      case "Nil":
        return null;
      case "Obj": {
        const types = Array.from(el.getElementsByTagName("T")).map((t) => t.textContent ?? "");
        if (types.some((t) => /System\.IO\.(FileInfo|DirectoryInfo)$/.test(t))) {
          const directory = types.some((t) => t.endsWith("DirectoryInfo"));
          const parent = textOf(named(el, "PSParentPath")).replace(/^Microsoft\.PowerShell\.Core\\FileSystem::/, "");
          return new FileItemValue(
            textOf(named(el, "Name")),
            directory,
            Number(named(el, "Length")?.textContent ?? 0),
            new Date(named(el, "LastWriteTime")?.textContent ?? 0),
            textOf(named(el, "Mode")),
            parent,
            computerName,
          );
        }
        return new OpaqueValue(textOf(children(el).find((c) => c.localName === "ToString")));
      }
      default:
        return new OpaqueValue(textOf(el));
    }
  });
}

/** Deserializes -OutputFormat XML stderr into error records from `computerName`. */
export function readClixmlErrors(text: string, computerName: string): ErrorRecordValue[] {
  const root = parseDoc(text);
  if (!root) {
    return text.trim()
      ? [{ kind: "error", message: text.trim(), category: "NotSpecified", activity: "", targetName: "", targetType: "", reason: "RemoteException", fullyQualifiedErrorId: "NativeCommandError", originComputer: computerName }]
      : [];
  }
  return children(root)
    .filter((el) => el.getAttribute("S") === "Error")
    .map((el) => ({
      kind: "error" as const,
      message: el.localName === "S" ? textOf(el).replace(/\r\n$/, "") : textOf(named(named(el, "Exception"), "Message")) || textOf(children(el).find((c) => c.localName === "ToString")),
      category: (textOf(named(el, "ErrorCategory_Category_Name")) || "NotSpecified") as ErrorCategory,
      activity: textOf(named(el, "ErrorCategory_Activity")),
      reason: textOf(named(el, "ErrorCategory_Reason")),
      targetName: textOf(named(el, "ErrorCategory_TargetName")),
      targetType: textOf(named(el, "ErrorCategory_TargetType")),
      fullyQualifiedErrorId: textOf(named(el, "FullyQualifiedErrorId")),
      originComputer: computerName,
    }));
}
