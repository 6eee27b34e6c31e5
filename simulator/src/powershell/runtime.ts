// Runs a parsed script of the PowerShell subset on a simulated host: variables, the
// cmdlets the subset knows, error records with PowerShell's ids and categories.

import type { HostIdentity } from "../identity";
import type { SimState } from "../state";
import type { DirectoryEntry, HostDirectory } from "../host-directory";
import { CREDENTIALS_DELEGATION } from "../delegation-decision";
import { effectiveCredSsp } from "../config-resource";
import { Command, Expr, Extent, ParseError, Parser, Pipeline, Statement } from "./parser";
import { listItems, pathExists, readLines } from "./paths";
import { positionMessage } from "./format";
import { AuthMechanism, connect, RemoteConnection, TransportFailure, transportErrorRecord } from "./remoting";
import {
  CredentialValue,
  ErrorRecordValue,
  FileItemValue,
  ListValue,
  ScriptBlockValue,
  SecureStringValue,
  SessionValue,
  Value,
  errorRecord,
  toPsString,
} from "./values";

export interface PsHost {
  identity: HostIdentity;
  state: SimState;
  directory: HostDirectory;
  self: DirectoryEntry;
  /** The logged-on account (whoami). */
  user: string;
  /** Second-hop credentials the logon holds (a CredSSP session's delegated ones). */
  credentials?: { domain: string; user: string; password: string };
  /** The process environment ($env:NAME): what the WinRM client set on the shell. */
  environment?: Record<string, string>;
}

/** What one statement produced, in order. */
export type Emitted = { kind: "output"; value: Value } | { kind: "error"; record: ErrorRecordValue };

export interface StatementResult {
  emitted: Emitted[];
  failed: boolean;
}

class ExitSignal {
  constructor(readonly code: number) {}
}

/** A terminating error: stops the statement. */
class Terminate {
  constructor(readonly record: ErrorRecordValue) {}
}

interface CmdletContext {
  cmd: Command;
  bound: Map<string, Value | true>;
  positional: Value[];
  emit: (v: Value) => void;
  error: (r: ErrorRecordValue) => void;
  /** The error record for this invocation (adds its position and name). */
  record: (fields: Omit<ErrorRecordValue, "kind" | "invocation">) => ErrorRecordValue;
}

type Cmdlet = (ctx: CmdletContext) => Promise<void>;

const CMDLET_CLASS: Record<string, string> = {
  "Get-ChildItem": "Microsoft.PowerShell.Commands.GetChildItemCommand",
  "Test-Path": "Microsoft.PowerShell.Commands.TestPathCommand",
  "Get-Content": "Microsoft.PowerShell.Commands.GetContentCommand",
};

/** Canonical names, aliases and external commands of the subset. */
const NAMES: Record<string, string> = {
  "get-childitem": "Get-ChildItem",
  dir: "Get-ChildItem",
  ls: "Get-ChildItem",
  gci: "Get-ChildItem",
  "test-path": "Test-Path",
  "get-content": "Get-Content",
  gc: "Get-Content",
  cat: "Get-Content",
  type: "Get-Content",
  "convertto-securestring": "ConvertTo-SecureString",
  "new-object": "New-Object",
  "invoke-command": "Invoke-Command",
  icm: "Invoke-Command",
  "new-pssession": "New-PSSession",
  nsn: "New-PSSession",
  "remove-pssession": "Remove-PSSession",
  rsn: "Remove-PSSession",
  hostname: "hostname",
  "hostname.exe": "hostname",
  whoami: "whoami",
  "whoami.exe": "whoami",
  "get-wsmancredssp": "Get-WSManCredSSP",
  "test-wsman": "Test-WSMan",
};

const PSCREDENTIAL_TYPES = ["system.management.automation.pscredential", "pscredential", "management.automation.pscredential"];

export class PsRuntime {
  private readonly vars = new Map<string, Value>();
  private readonly sessions: SessionValue[] = [];
  private nextSessionId = 1;
  private lines: string[] = [];

  constructor(private readonly host: PsHost) {}

  /** Parses and runs `source`; yields each statement's result as it completes. */
  async run(source: string, onStatement: (r: StatementResult) => void): Promise<{ exitCode: number }> {
    this.lines = source.split(/\r?\n/);
    let statements: Statement[];
    try {
      statements = Parser.parse(source);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      onStatement({ emitted: [{ kind: "error", record: this.parseErrorRecord(err) }], failed: true });
      return { exitCode: 1 };
    }
    let last: StatementResult = { emitted: [], failed: false };
    try {
      for (const st of statements) {
        last = await this.statement(st);
        onStatement(last);
      }
    } catch (err) {
      if (err instanceof ExitSignal) return { exitCode: err.code };
      throw err;
    } finally {
      await Promise.all(this.sessions.filter((s) => s.state === "Opened").map((s) => s.close().catch(() => undefined)));
    }
    return { exitCode: last.failed ? 1 : 0 };
  }

  private position(extent: Extent) {
    // Line and columns of the extent's start, in the script's text.
    let offset = 0;
    for (let n = 0; n < this.lines.length; n++) {
      const len = this.lines[n].length + 1;
      if (extent.start < offset + len) {
        const startColumn = extent.start - offset + 1;
        const endColumn = Math.min(extent.end, offset + this.lines[n].length) - offset + 1;
        return { line: this.lines[n], lineNumber: n + 1, startColumn, endColumn };
      }
      offset += len;
    }
    return { line: "", lineNumber: this.lines.length, startColumn: 1, endColumn: 1 };
  }

  /** A ParseException's message starts with its own position; the record has no invocation. */
  private parseErrorRecord(err: ParseError): ErrorRecordValue {
    const pos = this.position(err.extent);
    return errorRecord({
      message: `${positionMessage({ invocationName: "", ...pos })}\n${err.message}`,
      category: "ParserError",
      activity: "",
      targetName: "",
      targetType: "",
      reason: "ParentContainsErrorRecordException",
      fullyQualifiedErrorId: err.errorId,
      terminating: true,
    });
  }

  private async statement(st: Statement): Promise<StatementResult> {
    const emitted: Emitted[] = [];
    let failed = false;
    const emit = (value: Value) => emitted.push({ kind: "output", value });
    const error = (record: ErrorRecordValue) => {
      failed = true;
      emitted.push({ kind: "error", record });
    };
    try {
      if (st.type === "exit") {
        const v = st.code ? await this.evaluate(st.code) : 0;
        throw new ExitSignal(Number(toPsString(v)) || 0);
      }
      if (st.type === "assignment") {
        const values: Value[] = [];
        await this.pipeline(st.value, (v) => values.push(v), error);
        this.vars.set(st.variable.toLowerCase(), values.length === 0 ? null : values.length === 1 ? values[0] : values);
      } else {
        await this.pipeline(st, emit, error);
      }
    } catch (err) {
      if (err instanceof Terminate) error(err.record);
      else throw err;
    }
    return { emitted, failed };
  }

  private async pipeline(p: Pipeline, emit: (v: Value) => void, error: (r: ErrorRecordValue) => void): Promise<void> {
    // PowerShell resolves every command of a pipeline before running any of it.
    for (const el of p.elements) {
      if (el.type === "command" && !NAMES[el.name.toLowerCase()]) throw new Terminate(this.notRecognized(el));
    }
    let input: Value[] | undefined;
    for (let i = 0; i < p.elements.length; i++) {
      const el = p.elements[i];
      const last = i === p.elements.length - 1;
      const out: Value[] = [];
      const sink = last ? emit : (v: Value) => out.push(v);
      if (el.type === "expression") {
        const v = await this.evaluate(el.expr);
        if (Array.isArray(v)) v.forEach((x) => sink(x));
        else sink(v);
      } else {
        await this.invoke(el, input, sink, error);
      }
      input = out;
    }
  }

  private notRecognized(cmd: Command): ErrorRecordValue {
    return errorRecord({
      message: `The term '${cmd.name}' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.`,
      category: "ObjectNotFound",
      activity: "",
      targetName: cmd.name,
      targetType: "String",
      reason: "CommandNotFoundException",
      fullyQualifiedErrorId: "CommandNotFoundException",
      invocation: { invocationName: cmd.name, ...this.position(cmd.nameExtent) },
      terminating: true,
    });
  }

  async evaluate(e: Expr): Promise<Value> {
    switch (e.type) {
      case "string":
      case "bareword":
        return e.value;
      case "number":
        return e.value;
      case "expandable":
        return e.parts.map((p) => (typeof p === "string" ? p : toPsString(this.variable(p.variable)))).join("");
      case "variable":
        return this.variable(e.name);
      case "scriptblock":
        return new ScriptBlockValue(e.text);
      case "array": {
        const items: Value[] = [];
        for (const it of e.items) items.push(await this.evaluate(it));
        return items;
      }
      case "paren": {
        const values: Value[] = [];
        await this.pipeline(e.pipeline, (v) => values.push(v), (r) => {
          throw new Terminate(r);
        });
        return values.length === 1 ? values[0] : values;
      }
      case "type":
        return `${e.typeName}`;
      case "static-new": {
        const args: Value[] = [];
        for (const a of e.args) args.push(await this.evaluate(a));
        return this.construct(e.typeName, args, e.extent, "");
      }
    }
  }

  private variable(name: string): Value {
    // $env:NAME reads the process environment (names case-insensitive, as on Windows);
    // a scope prefix ($global:x, $script:x) names the one variable table here.
    const env = /^env:(.+)$/i.exec(name);
    if (env) {
      const hit = Object.entries(this.host.environment ?? {}).find(([k]) => k.toLowerCase() === env[1].toLowerCase());
      return hit ? hit[1] : null;
    }
    const n = name.toLowerCase().replace(/^(global|script|local|private):/, "");
    if (n === "true") return true;
    if (n === "false") return false;
    if (n === "null") return null;
    return this.vars.has(n) ? this.vars.get(n)! : null;
  }

  private construct(typeName: string, args: Value[], extent: Extent, invocationName: string): Value {
    const flat = args.length === 1 && Array.isArray(args[0]) ? (args[0] as Value[]) : args;
    if (PSCREDENTIAL_TYPES.includes(typeName.toLowerCase())) {
      const [user, secure] = flat;
      if (flat.length === 2 && typeof user === "string" && secure instanceof SecureStringValue) return new CredentialValue(user, secure);
      throw new Terminate(
        errorRecord({
          message: `Cannot find an overload for "PSCredential" and the argument count: "${flat.length}".`,
          category: "InvalidOperation",
          activity: invocationName,
          targetName: "",
          targetType: "",
          reason: "MethodException",
          fullyQualifiedErrorId: invocationName ? "ConstructorInvokedThrowException,Microsoft.PowerShell.Commands.NewObjectCommand" : "MethodCountCouldNotFindBest",
          invocation: { invocationName, ...this.position(extent) },
          terminating: true,
        }),
      );
    }
    throw new Terminate(
      errorRecord({
        message: `Cannot find type [${typeName}]: verify that the assembly containing this type is loaded.`,
        category: "InvalidType" as never,
        activity: invocationName,
        targetName: "",
        targetType: "",
        reason: "PSArgumentException",
        fullyQualifiedErrorId: invocationName ? "TypeNotFound,Microsoft.PowerShell.Commands.NewObjectCommand" : "TypeNotFound",
        invocation: { invocationName, ...this.position(extent) },
        terminating: true,
      }),
    );
  }

  private async invoke(cmd: Command, input: Value[] | undefined, emit: (v: Value) => void, error: (r: ErrorRecordValue) => void): Promise<void> {
    const canonical = NAMES[cmd.name.toLowerCase()];
    const bound = new Map<string, Value | true>();
    const positional: Value[] = [];
    const els = cmd.elements;
    for (let i = 0; i < els.length; i++) {
      const el = els[i];
      if (el.kind === "parameter") {
        const name = el.name!.toLowerCase();
        if (el.value) bound.set(name, await this.evaluate(el.value));
        else if (SWITCHES.has(name) || i + 1 >= els.length || els[i + 1].kind === "parameter") bound.set(name, true);
        else bound.set(name, await this.evaluate(els[++i].value!));
      } else {
        positional.push(await this.evaluate(el.value!));
      }
    }
    if (input && input.length) positional.push(input.length === 1 ? input[0] : input);
    const record = (fields: Omit<ErrorRecordValue, "kind" | "invocation">): ErrorRecordValue =>
      errorRecord({ ...fields, invocation: { invocationName: cmd.name, ...this.position(cmd.extent) } });
    const impl = this.cmdlets[canonical];
    await impl({ cmd, bound, positional, emit, error, record });
  }

  private param(ctx: CmdletContext, names: string[], position?: number): Value | true | undefined {
    for (const n of names) {
      const hit = [...ctx.bound.entries()].find(([k]) => k === n.toLowerCase());
      if (hit) return hit[1];
    }
    return position !== undefined ? ctx.positional[position] : undefined;
  }

  private pathError(ctx: CmdletContext, canonical: string, p: string, kind: "denied" | "missing"): ErrorRecordValue {
    const cls = CMDLET_CLASS[canonical];
    return kind === "denied"
      ? ctx.record({ message: "Access is denied", category: "PermissionDenied", activity: canonical, targetName: p, targetType: "String", reason: "UnauthorizedAccessException", fullyQualifiedErrorId: `ItemExistsUnauthorizedAccessError,${cls}` })
      : ctx.record({ message: `Cannot find path '${p}' because it does not exist.`, category: "ObjectNotFound", activity: canonical, targetName: p, targetType: "String", reason: "ItemNotFoundException", fullyQualifiedErrorId: `PathNotFound,${cls}` });
  }

  private fsEnv() {
    return { directory: this.host.directory, self: this.host.self, credentials: this.host.credentials };
  }

  private remotingEnv() {
    return { directory: this.host.directory, self: this.host.self, logonCredentials: this.host.credentials };
  }

  private paths(v: Value | true | undefined): string[] {
    if (v === undefined || v === true) return [];
    return (Array.isArray(v) ? v : [v]).map(toPsString);
  }

  private target(ctx: CmdletContext, name: string): { name: string; port?: number; useSsl: boolean; authentication: AuthMechanism; credential?: CredentialValue } {
    const auth = this.param(ctx, ["Authentication"]);
    const mech = (["Default", "Negotiate", "CredSSP", "Basic", "Kerberos"] as AuthMechanism[]).find((m) => m.toLowerCase() === toPsString((auth ?? "Default") as Value).toLowerCase());
    if (!mech) {
      throw new Terminate(
        ctx.record({
          message: `Cannot bind parameter 'Authentication'. Cannot convert value "${toPsString(auth as Value)}" to type "System.Management.Automation.Runspaces.AuthenticationMechanism". Error: "Unable to match the identifier name ${toPsString(auth as Value)} to a valid enumerator name. Specify one of the following enumerator names and try again:\nDefault, Basic, Negotiate, NegotiateWithImplicitCredential, Credssp, Digest, Kerberos"`,
          category: "InvalidArgument",
          activity: ctx.cmd.name,
          targetName: "",
          targetType: "",
          reason: "ParameterBindingException",
          fullyQualifiedErrorId: `CannotConvertArgumentNoMessage,Microsoft.PowerShell.Commands.${ctx.cmd.name === "New-PSSession" ? "NewPSSessionCommand" : "InvokeCommandCommand"}`,
        }),
      );
    }
    const cred = this.param(ctx, ["Credential", "Cred"]);
    const port = this.param(ctx, ["Port"]);
    return {
      name,
      port: port === undefined || port === true ? undefined : Number(toPsString(port)),
      useSsl: this.param(ctx, ["UseSSL"]) === true,
      authentication: mech === "Default" ? "Negotiate" : mech,
      credential: cred instanceof CredentialValue ? cred : undefined,
    };
  }

  private readonly cmdlets: Record<string, Cmdlet> = {
    "Get-ChildItem": async (ctx) => {
      const targets = this.paths(this.param(ctx, ["Path", "LiteralPath"], 0));
      if (!targets.length) targets.push(`C:\\Users\\${this.host.user}\\Documents`);
      for (const p of targets) {
        const r = await listItems(this.fsEnv(), p);
        if (r.ok) r.value.forEach((i) => ctx.emit(i));
        else if (r.failure === "access-denied") {
          ctx.error(this.pathError(ctx, "Get-ChildItem", p, "denied"));
          ctx.error(this.pathError(ctx, "Get-ChildItem", p, "missing"));
        } else ctx.error(this.pathError(ctx, "Get-ChildItem", p, "missing"));
      }
    },
    "Test-Path": async (ctx) => {
      for (const p of this.paths(this.param(ctx, ["Path", "LiteralPath"], 0))) {
        const r = await pathExists(this.fsEnv(), p);
        if (r.ok) ctx.emit(r.value);
        else ctx.error(this.pathError(ctx, "Test-Path", p, "denied"));
      }
    },
    "Get-Content": async (ctx) => {
      for (const p of this.paths(this.param(ctx, ["Path", "LiteralPath"], 0))) {
        const r = await readLines(this.fsEnv(), p);
        if (r.ok) r.value.forEach((l) => ctx.emit(l));
        else if (r.failure === "access-denied") {
          ctx.error(this.pathError(ctx, "Get-Content", p, "denied"));
          ctx.error(this.pathError(ctx, "Get-Content", p, "missing"));
        } else ctx.error(this.pathError(ctx, "Get-Content", p, "missing"));
      }
    },
    "ConvertTo-SecureString": async (ctx) => {
      const s = this.param(ctx, ["String"], 0);
      if (this.param(ctx, ["AsPlainText"]) !== true) {
        throw new Terminate(
          ctx.record({ message: "Input string was not in a correct format.", category: "InvalidArgument", activity: "ConvertTo-SecureString", targetName: "", targetType: "", reason: "FormatException", fullyQualifiedErrorId: "ImportSecureString_InvalidArgument,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand" }),
        );
      }
      if (this.param(ctx, ["Force"]) !== true) {
        throw new Terminate(
          ctx.record({
            message: "The system cannot protect plain text input. To suppress this warning and convert the plain text to a SecureString, reissue the command specifying the Force parameter. For more information ,type: get-help ConvertTo-SecureString.",
            category: "InvalidArgument",
            activity: "ConvertTo-SecureString",
            targetName: "",
            targetType: "",
            reason: "ArgumentException",
            fullyQualifiedErrorId: "ImportSecureString_InvalidArgument,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand",
          }),
        );
      }
      ctx.emit(new SecureStringValue(toPsString((s ?? "") as Value)));
    },
    "New-Object": async (ctx) => {
      const type = toPsString((this.param(ctx, ["TypeName"], 0) ?? "") as Value);
      const args = this.param(ctx, ["ArgumentList", "Args"], ctx.bound.has("typename") ? 0 : 1);
      const list = args === undefined || args === true ? [] : Array.isArray(args) ? args : [args];
      ctx.emit(this.construct(type, list, ctx.cmd.extent, ctx.cmd.name));
    },
    hostname: async (ctx) => ctx.emit(this.host.identity.shortName),
    whoami: async (ctx) => ctx.emit(`${this.host.identity.netbiosName}\\${this.host.user}`.toLowerCase()),
    "Get-WSManCredSSP": async (ctx) => {
      // Get-WSManCredSSP lists the "wsman/…" values of AllowFreshCredentials in registry
      // order, each prepended (so last first), right after "target(s):" with no space
      // (CredSSP.cs GetDelegateSettings; the DelegateFreshCred resource string).
      const sub = `${CREDENTIALS_DELEGATION}\\AllowFreshCredentials`;
      const values = (this.host.state.registry.enumValues("HKLM", sub) ?? [])
        .map(({ name }) => this.host.state.registry.get("HKLM", sub, name))
        .flatMap((v) => (v?.type === "REG_SZ" && v.value.toLowerCase().startsWith("wsman") ? [v.value] : []));
      ctx.emit(values.length ? `The machine is configured to allow delegating fresh credentials to the following target(s):${values.reverse().join(",")}` : "The machine is not configured to allow delegating fresh credentials.");
      ctx.emit(effectiveCredSsp(this.host.state, "Service") ? "This computer is configured to receive credentials from a remote client computer." : "This computer is not configured to receive credentials from a remote client computer.");
    },
    "Test-WSMan": async (ctx) => {
      const name = this.param(ctx, ["ComputerName", "cn"], 0);
      const identity = new ListValue([
        ["wsmid", "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"],
        ["ProtocolVersion", "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"],
        ["ProductVendor", "Microsoft Corporation"],
        ["ProductVersion", "OS: 0.0.0 SP: 0.0 Stack: 3.0"],
      ]);
      if (name === undefined || name === true) return ctx.emit(identity);
      const target = toPsString(name);
      const port = this.param(ctx, ["Port"]);
      const ep = this.host.directory.endpoint(target, { https: this.param(ctx, ["UseSSL"]) === true, port: port === undefined || port === true ? undefined : Number(toPsString(port)) }, this.host.self);
      if (ep) return ctx.emit(identity);
      ctx.error(
        ctx.record({
          message: `<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150859046" Machine="${this.host.identity.fqdn}"><f:Message>WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer is accessible over the network, and that a firewall exception for the WinRM service is enabled and allows access from this computer. By default, the WinRM firewall exception for public profiles limits access to remote computers within the same local subnet. </f:Message></f:WSManFault>`,
          category: "InvalidOperation",
          activity: "Test-WSMan",
          targetName: target,
          targetType: "String",
          reason: "InvalidOperationException",
          fullyQualifiedErrorId: "WsManError,Microsoft.WSMan.Management.TestWSManCommand",
        }),
      );
    },
    "New-PSSession": async (ctx) => {
      const names = this.paths(this.param(ctx, ["ComputerName", "cn"], 0));
      for (const name of names.length ? names : ["localhost"]) {
        const t = this.target(ctx, name);
        let conn: RemoteConnection;
        try {
          conn = await connect(this.remotingEnv(), t);
        } catch (err) {
          if (!(err instanceof TransportFailure)) throw err;
          ctx.error({ ...transportErrorRecord(err, name, "New-PSSession"), invocation: ctx.record({} as never).invocation });
          continue;
        }
        const id = this.nextSessionId++;
        const s: SessionValue = new SessionValue(id, `Session${id}`, name, (script) => conn.run(script), async () => {
          s.state = "Closed";
          await conn.close();
        });
        this.sessions.push(s);
        ctx.emit(s);
      }
    },
    "Remove-PSSession": async (ctx) => {
      const v = this.param(ctx, ["Session"], 0);
      for (const s of (Array.isArray(v) ? v : [v]).filter((x): x is SessionValue => x instanceof SessionValue)) await s.close();
    },
    "Invoke-Command": async (ctx) => {
      let first = this.param(ctx, ["ComputerName", "cn", "Session"], 0);
      let block = this.param(ctx, ["ScriptBlock"], 1);
      if (first instanceof ScriptBlockValue && block === undefined) {
        block = first;
        first = undefined;
      }
      if (!(block instanceof ScriptBlockValue)) {
        throw new Terminate(
          ctx.record({ message: "Cannot validate argument on parameter 'ScriptBlock'. The argument is null. Provide a valid value for the argument, and then try running the command again.", category: "InvalidData", activity: "Invoke-Command", targetName: "", targetType: "", reason: "ParameterBindingValidationException", fullyQualifiedErrorId: "ParameterArgumentValidationError,Microsoft.PowerShell.Commands.InvokeCommandCommand" }),
        );
      }
      const sessions = (Array.isArray(first) ? first : [first]).filter((x): x is SessionValue => x instanceof SessionValue);
      if (sessions.length) {
        for (const s of sessions) await this.relay(ctx, await s.run(block.text));
        return;
      }
      if (first === undefined || first === true) {
        // No computer: the block runs here, in this session.
        const inner = new PsRuntime(this.host);
        await inner.run(block.text, (r) => r.emitted.forEach((e) => (e.kind === "output" ? ctx.emit(e.value) : ctx.error(e.record))));
        return;
      }
      for (const name of this.paths(first)) {
        let conn: RemoteConnection | undefined;
        try {
          conn = await connect(this.remotingEnv(), this.target(ctx, name));
          await this.relay(ctx, await conn.run(block.text));
        } catch (err) {
          if (!(err instanceof TransportFailure)) throw err;
          ctx.error({ ...transportErrorRecord(err, name, "Invoke-Command"), invocation: { ...ctx.record({} as never).invocation!, invocationName: "" } });
        } finally {
          await conn?.close();
        }
      }
    },
  };

  private async relay(ctx: CmdletContext, r: { output: Value[]; errors: ErrorRecordValue[] }): Promise<void> {
    r.output.forEach((v) => ctx.emit(v));
    r.errors.forEach((e) => ctx.error(e));
  }
}

const SWITCHES = new Set(["asplaintext", "force", "usessl", "noprofile", "noninteractive", "recurse", "file", "directory", "hidecomputername"]);

export { FileItemValue };
