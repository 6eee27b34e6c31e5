// The values the simulated PowerShell passes around, and its error records.

import { inspect } from "node:util";

export class SecureStringValue {
  readonly kind = "securestring";
  readonly #plain: string;
  constructor(plain: string) {
    this.#plain = plain;
  }
  reveal(): string {
    return this.#plain;
  }
  toString(): string {
    return "System.Security.SecureString";
  }
  toJSON(): string {
    return this.toString();
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

export class CredentialValue {
  readonly kind = "credential";
  constructor(
    readonly userName: string,
    readonly password: SecureStringValue,
  ) {}
  toString(): string {
    return "System.Management.Automation.PSCredential";
  }
}

export class ScriptBlockValue {
  readonly kind = "scriptblock";
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** A FileInfo or DirectoryInfo, from a local folder or an SMB share. */
export class FileItemValue {
  readonly kind = "fileitem";
  constructor(
    readonly name: string,
    readonly directory: boolean,
    readonly length: number,
    readonly lastWriteTime: Date,
    /** Mode as Get-ChildItem shows it, e.g. "d-----", "-a----". */
    readonly mode: string,
    /** The folder it is in, as the Directory: header shows it (C:\x or \\host\share\x). */
    readonly parent: string,
    /** PSComputerName, when the item came back from Invoke-Command. */
    readonly computerName?: string,
  ) {}
  toString(): string {
    return this.name;
  }
}

export class SessionValue {
  readonly kind = "pssession";
  state: "Opened" | "Closed" | "Broken" = "Opened";
  constructor(
    readonly id: number,
    readonly name: string,
    readonly computerName: string,
    /** Runs a script block on the target; returns its output and error records. */
    readonly run: (script: string) => Promise<RemoteResult>,
    readonly close: () => Promise<void>,
  ) {}
  toString(): string {
    return `[PSSession]${this.name}`;
  }
}

export interface RemoteResult {
  output: Value[];
  errors: ErrorRecordValue[];
}

/** A PSObject we only know by its string form (e.g. deserialized from a remote host). */
export class OpaqueValue {
  readonly kind = "opaque";
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Test-WSMan's identity answer (Format-List output). */
export class ListValue {
  readonly kind = "list";
  constructor(readonly entries: Array<[string, string]>) {}
  toString(): string {
    return "System.Xml.XmlElement";
  }
}

export type Value =
  | string
  | number
  | boolean
  | null
  | SecureStringValue
  | CredentialValue
  | ScriptBlockValue
  | FileItemValue
  | SessionValue
  | OpaqueValue
  | ListValue
  | Value[];

/** ErrorCategory names as PowerShell prints them in CategoryInfo. */
export type ErrorCategory =
  | "NotSpecified"
  | "ObjectNotFound"
  | "PermissionDenied"
  | "InvalidArgument"
  | "InvalidOperation"
  | "OpenError"
  | "ParserError"
  | "InvalidData"
  | "ResourceUnavailable"
  | "AuthenticationError";

export interface ErrorRecordValue {
  kind: "error";
  /** The exception message (or ErrorDetails). */
  message: string;
  category: ErrorCategory;
  /** The cmdlet that raised it, in brackets in CategoryInfo ("" for none). */
  activity: string;
  targetName: string;
  targetType: string;
  /** The exception type's short name, e.g. "ItemNotFoundException". */
  reason: string;
  fullyQualifiedErrorId: string;
  /** Where it happened locally: the name the command was invoked by, and the source extent. */
  invocation?: { invocationName: string; line: string; lineNumber: number; startColumn: number; endColumn: number };
  /** PSComputerName of a record that came back from a remote session. */
  originComputer?: string;
  /** A terminating error stops the statement (and sets the exit code). */
  terminating?: boolean;
}

export function errorRecord(fields: Omit<ErrorRecordValue, "kind">): ErrorRecordValue {
  return { kind: "error", ...fields };
}

export function isErrorRecord(v: unknown): v is ErrorRecordValue {
  return typeof v === "object" && v !== null && (v as { kind?: string }).kind === "error";
}

/** PowerShell's string conversion of a value ("True", "System.Security.SecureString", …). */
export function toPsString(v: Value): string {
  if (v === null) return "";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (Array.isArray(v)) return v.map(toPsString).join(" ");
  return String(v);
}
