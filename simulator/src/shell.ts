// The Windows Remote Shell resource (windows/shell/cmd) with a handful of cmd.exe built-ins.
//
// Commands finish immediately except `timeout /t N`, which runs N seconds so that a
// Receive can run out of OperationTimeout and get Windows' TimedOut fault (2150858793).

import { randomUUID } from "node:crypto";
import type { Element as XmlElement } from "@xmldom/xmldom";
import type { Account, HostIdentity } from "./identity";
import { childByLocalName, elementChildren, escapeXml, FAULTS, FaultError, NS, WsmanFault } from "./soap";

export const SHELL_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd";
const STATE_DONE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done";

interface Command {
  id: string;
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Epoch ms when the command finishes; output is released then. */
  doneAt: number;
  /** A command that runs asynchronously (powershell.exe): settles when it has finished. */
  running?: Promise<void>;
  delivered: boolean;
  stdin: Buffer[];
}

interface Shell {
  id: string;
  owner: string;
  clientIp: string;
  inputStreams: string;
  outputStreams: string;
  /** Variables the client set at Create (rsp:Environment), for every command of the shell. */
  environment: Record<string, string>;
  commands: Map<string, Command>;
}

const shellNotFound = (id: string): WsmanFault => ({
  ...FAULTS.invalidShellOrCommand(),
  message: `The request for the Windows Remote Shell with ShellId ${id} failed because the shell was not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the server. Provide the correct ShellId or create a new shell and retry the operation. `,
});

/** Split a cmd line into words, honouring double quotes (quotes are removed). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] ?? m[2]);
  return out;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  durationMs: number;
}

/** What cmd.exe would do with this command line, for the built-ins the simulator knows. */
export function runCommandLine(line: string, identity: HostIdentity, account: Account): CommandResult {
  const rest = stripCmd(line);
  const verbMatch = /^("[^"]*"|[^\s]+)\s*(.*)$/s.exec(rest);
  const verb = verbMatch ? verbMatch[1].replace(/"/g, "") : "";
  const args = verbMatch ? verbMatch[2] : "";
  const ok = (stdout: string, durationMs = 0): CommandResult => ({ stdout, stderr: "", exitCode: 0, durationMs });
  switch (verb.toLowerCase()) {
    case "":
      return ok("");
    case "hostname":
    case "hostname.exe":
      return ok(`${identity.shortName}\r\n`);
    case "whoami":
    case "whoami.exe":
      return ok(`${identity.whoami(account)}\r\n`);
    case "echo":
      return ok(args.trim() === "" ? "ECHO is on.\r\n" : `${args.replace(/\s+$/, "")}\r\n`);
    case "echo.":
      return ok("\r\n");
    case "exit": {
      const w = words(args).filter((x) => x.toLowerCase() !== "/b");
      const n = w.length ? Number.parseInt(w[0], 10) : 0;
      return { stdout: "", stderr: "", exitCode: Number.isNaN(n) ? 0 : n, durationMs: 0 };
    }
    case "timeout":
    case "timeout.exe": {
      const w = words(args);
      const i = w.findIndex((x) => x.toLowerCase() === "/t");
      const secs = Number.parseInt(i >= 0 ? (w[i + 1] ?? "0") : (w[0] ?? "0"), 10);
      const s = Number.isNaN(secs) ? 0 : Math.max(0, secs);
      return ok(`\r\nWaiting for ${s} seconds, press CTRL+C to quit ...\r\n`, s * 1000);
    }
    default:
      return {
        stdout: "",
        stderr: `'${verb}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n`,
        exitCode: 1,
        durationMs: 0,
      };
  }
}

/** Who runs a command: the account, and the credentials its logon holds for a second hop. */
export interface ShellCaller {
  account: Account;
  session?: { delegatedCredentials?: { domain: string; user: string; password: string } };
}

/** Runs a powershell.exe command line (simulator/src/powershell) with the shell's environment variables. */
export type PowerShellRunner = (line: string, caller: ShellCaller, environment: Record<string, string>) => Promise<Omit<CommandResult, "durationMs">>;

/** `cmd /c X` (and cmd.exe, /C, /k) just runs X. */
export function stripCmd(line: string): string {
  let rest = line.trim();
  for (;;) {
    const m = /^(?:cmd|cmd\.exe)\s+\/[ck]\s*(.*)$/is.exec(rest);
    if (!m) return rest;
    rest = m[1].trim();
    if (rest.length >= 2 && rest.startsWith('"') && rest.endsWith('"')) rest = rest.slice(1, -1).trim();
  }
}

export class ShellManager {
  private shells = new Map<string, Shell>();

  constructor(
    private readonly identity: HostIdentity,
    private readonly powershell?: { matches(line: string): boolean; run: PowerShellRunner },
  ) {}

  /** "Service restart": every shell is gone. */
  clear(): void {
    this.shells.clear();
  }

  get count(): number {
    return this.shells.size;
  }

  private shell(selectors: Record<string, string>): Shell {
    const id = selectors["ShellId"] ?? "";
    const shell = this.shells.get(id.toUpperCase());
    if (!shell) throw new FaultError(shellNotFound(id));
    return shell;
  }

  /** The open shells as rsp:Shell elements (for Enumerate on the shell resource). */
  list(): string[] {
    return [...this.shells.values()].map(
      (sh) =>
        `<rsp:Shell xmlns:rsp="${NS.rsp}"><rsp:ShellId>${sh.id}</rsp:ShellId><rsp:ResourceUri>${SHELL_URI}</rsp:ResourceUri>` +
        `<rsp:Owner>${escapeXml(sh.owner)}</rsp:Owner><rsp:ClientIP>${escapeXml(sh.clientIp)}</rsp:ClientIP>` +
        `<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:InputStreams>${escapeXml(sh.inputStreams)}</rsp:InputStreams>` +
        `<rsp:OutputStreams>${escapeXml(sh.outputStreams)}</rsp:OutputStreams><rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime>` +
        `<rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>`,
    );
  }

  /** Create: returns the x:ResourceCreated + rsp:Shell body. */
  create(body: XmlElement | undefined, account: Account, clientIp: string, address: string): string {
    const input = body ? textChild(body, "InputStreams") || "stdin" : "stdin";
    const output = body ? textChild(body, "OutputStreams") || "stdout stderr" : "stdout stderr";
    // <rsp:Environment><rsp:Variable Name="N">value</rsp:Variable>…: the processes' environment.
    const environment: Record<string, string> = {};
    const envEl = body ? childByLocalName(body, "Environment") : undefined;
    for (const v of envEl ? elementChildren(envEl).filter((c) => c.localName === "Variable") : []) {
      const name = v.getAttribute("Name");
      if (name) environment[name] = v.textContent ?? "";
    }
    const id = randomUUID().toUpperCase();
    this.shells.set(id, { id, owner: account.name, clientIp, inputStreams: input, outputStreams: output, environment, commands: new Map() });
    return (
      `<x:ResourceCreated><a:Address>${escapeXml(address)}</a:Address><a:ReferenceParameters>` +
      `<w:ResourceURI>${SHELL_URI}</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">${id}</w:Selector></w:SelectorSet>` +
      `</a:ReferenceParameters></x:ResourceCreated>` +
      `<rsp:Shell xmlns:rsp="${NS.rsp}"><rsp:ShellId>${id}</rsp:ShellId><rsp:ResourceUri>${SHELL_URI}</rsp:ResourceUri>` +
      `<rsp:Owner>${escapeXml(account.name)}</rsp:Owner><rsp:ClientIP>${escapeXml(clientIp)}</rsp:ClientIP>` +
      `<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:InputStreams>${escapeXml(input)}</rsp:InputStreams>` +
      `<rsp:OutputStreams>${escapeXml(output)}</rsp:OutputStreams><rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime>` +
      `<rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>`
    );
  }

  delete(selectors: Record<string, string>): void {
    const shell = this.shell(selectors);
    this.shells.delete(shell.id);
  }

  command(selectors: Record<string, string>, body: XmlElement | undefined, account: Account, caller: ShellCaller = { account }): string {
    const shell = this.shell(selectors);
    if (!body || body.localName !== "CommandLine") throw new FaultError(FAULTS.invalidParameter());
    const cmd = textChild(body, "Command");
    const args = elementChildren(body)
      .filter((c) => c.localName === "Arguments")
      .map((c) => c.textContent ?? "");
    const line = [cmd, ...args].join(" ");
    const id = randomUUID().toUpperCase();
    const inner = stripCmd(line);
    if (this.powershell?.matches(inner)) {
      const c: Command = { id, stdout: "", stderr: "", exitCode: 0, doneAt: Number.POSITIVE_INFINITY, delivered: false, stdin: [] };
      c.running = this.powershell.run(inner, caller, shell.environment).then(
        (r) => {
          Object.assign(c, { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode, doneAt: Date.now() });
        },
        (err: Error) => {
          Object.assign(c, { stderr: `${err.message}\r\n`, exitCode: 1, doneAt: Date.now() });
        },
      );
      shell.commands.set(id, c);
      return `<rsp:CommandResponse><rsp:CommandId>${id}</rsp:CommandId></rsp:CommandResponse>`;
    }
    const r = runCommandLine(line, this.identity, account);
    shell.commands.set(id, {
      id,
      stdout: r.stdout,
      stderr: r.stderr,
      exitCode: r.exitCode,
      doneAt: Date.now() + r.durationMs,
      delivered: false,
      stdin: [],
    });
    return `<rsp:CommandResponse><rsp:CommandId>${id}</rsp:CommandId></rsp:CommandResponse>`;
  }

  private commandOf(shell: Shell, commandId: string | null | undefined): Command {
    const c = commandId ? shell.commands.get(commandId.toUpperCase()) : undefined;
    if (!c) throw new FaultError(FAULTS.invalidShellOrCommand());
    return c;
  }

  send(selectors: Record<string, string>, body: XmlElement | undefined): string {
    const shell = this.shell(selectors);
    for (const s of body ? elementChildren(body).filter((c) => c.localName === "Stream") : []) {
      const c = this.commandOf(shell, s.getAttribute("CommandId"));
      c.stdin.push(Buffer.from(s.textContent ?? "", "base64"));
    }
    return `<rsp:SendResponse/>`;
  }

  signal(selectors: Record<string, string>, body: XmlElement | undefined): string {
    const shell = this.shell(selectors);
    const c = this.commandOf(shell, body?.getAttribute("CommandId"));
    const code = body ? textChild(body, "Code") : "";
    if (/\/(terminate|ctrl_c|ctrl_break)$/i.test(code)) shell.commands.delete(c.id);
    return `<rsp:SignalResponse/>`;
  }

  /**
   * Receive: resolves with the ReceiveResponse body once the command has finished, or
   * rejects with the TimedOut fault when it is still running after `timeoutSec`.
   */
  async receive(selectors: Record<string, string>, body: XmlElement | undefined, timeoutSec: number): Promise<string> {
    const shell = this.shell(selectors);
    const desired = body ? childByLocalName(body, "DesiredStream") : undefined;
    const c = this.commandOf(shell, desired?.getAttribute("CommandId"));
    if (c.running && c.doneAt === Number.POSITIVE_INFINITY) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([c.running, new Promise((r) => (timer = setTimeout(r, timeoutSec * 1000)))]);
      clearTimeout(timer);
      if (c.doneAt === Number.POSITIVE_INFINITY) throw new FaultError(FAULTS.operationTimeout());
    }
    const wait = c.doneAt - Date.now();
    if (wait > 0) {
      const budgetMs = timeoutSec * 1000;
      await new Promise((r) => setTimeout(r, Math.min(wait, budgetMs)));
      if (Date.now() < c.doneAt) throw new FaultError(FAULTS.operationTimeout());
    }
    const cid = c.id;
    let streams = "";
    if (!c.delivered) {
      if (c.stdout) streams += `<rsp:Stream Name="stdout" CommandId="${cid}">${Buffer.from(c.stdout).toString("base64")}</rsp:Stream>`;
      if (c.stderr) streams += `<rsp:Stream Name="stderr" CommandId="${cid}">${Buffer.from(c.stderr).toString("base64")}</rsp:Stream>`;
      c.delivered = true;
    }
    streams +=
      `<rsp:Stream Name="stdout" CommandId="${cid}" End="true"></rsp:Stream>` +
      `<rsp:Stream Name="stderr" CommandId="${cid}" End="true"></rsp:Stream>`;
    return (
      `<rsp:ReceiveResponse>${streams}<rsp:CommandState CommandId="${cid}" State="${STATE_DONE}">` +
      `<rsp:ExitCode>${c.exitCode}</rsp:ExitCode></rsp:CommandState></rsp:ReceiveResponse>`
    );
  }
}


function textChild(el: XmlElement, localName: string): string {
  return (childByLocalName(el, localName)?.textContent ?? "").trim();
}
