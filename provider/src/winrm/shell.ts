// Remote command execution through a cmd shell (MS-WSMV 3.1.4.11-3.1.4.14, the
// "winrs" protocol): Create shell → Command → Receive until CommandState Done →
// Signal terminate → Delete shell. The shell is always deleted, even on failure, so a
// failed command never leaks a shell on the host (Windows limits shells per user).
//
// A command has a deadline (checked before every Receive; one Receive in flight can
// overrun it by at most the OperationTimeout) and a bound on the output it may
// collect, so a host that never reports Done, or never stops writing, ends in a typed
// error instead of looping or filling memory.
import { ProtocolError, TimeoutError, WSManFaultError } from "./errors";
import type { WsmanSession } from "./session";
import { ACTION } from "./soap";
import { NS, attr, descendants, escapeXml, textOf } from "./xml";

export const CMD_SHELL_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd";
const SIGNAL_TERMINATE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate";
const STATE_DONE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done";
/** "The WS-Management service cannot complete the operation within the time specified in OperationTimeout." */
export const FAULT_OPERATION_TIMEOUT = 2150858793;
/** How long a command may run before the client gives up on it, unless told otherwise. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10 * 60_000;
/** The most stdout + stderr a command may produce (decoded bytes). */
export const MAX_COMMAND_OUTPUT_BYTES = 16 * 1024 * 1024;

export interface CommandOptions {
  /** Deadline for the whole command, from Create to Done (default DEFAULT_COMMAND_TIMEOUT_MS). */
  timeoutMs?: number;
  /**
   * Environment variables of the shell the command runs in (WSManCreateShell's variable
   * set; on the wire rsp:Environment, as winrs -env: sends it). A value placed here never
   * appears on the command's command line.
   */
  environment?: Record<string, string>;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const rsp = `xmlns:rsp="${NS.rsp}"`;

async function createShell(session: WsmanSession, environment: Record<string, string> = {}): Promise<string> {
  const vars = Object.entries(environment);
  const env = vars.length
    ? `<rsp:Environment>${vars.map(([name, value]) => `<rsp:Variable Name="${escapeXml(name)}">${escapeXml(value)}</rsp:Variable>`).join("")}</rsp:Environment>`
    : "";
  const res = await session.request({
    action: ACTION.create,
    resourceUri: CMD_SHELL_URI,
    // UTF-8 console code page so non-ASCII output round-trips (see the unicode capture).
    options: { WINRS_NOPROFILE: "FALSE", WINRS_CODEPAGE: "65001" },
    body: `<rsp:Shell ${rsp}><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams>${env}</rsp:Shell>`,
    idempotent: false,
  });
  const shellIdEl = descendants(res.body, NS.rsp, "ShellId")[0];
  if (shellIdEl) return textOf(shellIdEl).trim();
  const selector = descendants(res.body, NS.wsman, "Selector").find((s) => attr(s, "Name") === "ShellId");
  if (selector) return textOf(selector).trim();
  throw new ProtocolError("shell Create reply carries no ShellId");
}

async function startCommand(session: WsmanSession, shellId: string, command: string, args: string[]): Promise<string> {
  const argXml = args.map((a) => `<rsp:Arguments>${escapeXml(a)}</rsp:Arguments>`).join("");
  const res = await session.request({
    action: ACTION.command,
    resourceUri: CMD_SHELL_URI,
    selectors: { ShellId: shellId },
    options: { WINRS_CONSOLEMODE_STDIN: "TRUE", WINRS_SKIP_CMD_SHELL: "FALSE" },
    body: `<rsp:CommandLine ${rsp}><rsp:Command>${escapeXml(command)}</rsp:Command>${argXml}</rsp:CommandLine>`,
    idempotent: false,
  });
  const idEl = descendants(res.body, NS.rsp, "CommandId")[0];
  if (!idEl) throw new ProtocolError("Command reply carries no CommandId");
  return textOf(idEl).trim();
}

/** Collects output until Done, or until the deadline. Streams arrive interleaved and in chunks of base64. */
async function receiveAll(session: WsmanSession, shellId: string, commandId: string, deadline: Deadline): Promise<CommandResult> {
  const chunks: Record<"stdout" | "stderr", Buffer[]> = { stdout: [], stderr: [] };
  let collected = 0;
  for (;;) {
    deadline.check();
    let res;
    try {
      res = await session.request({
        action: ACTION.receive,
        resourceUri: CMD_SHELL_URI,
        selectors: { ShellId: shellId },
        options: { WSMAN_CMDSHELL_OPTION_KEEPALIVE: "TRUE" },
        body: `<rsp:Receive ${rsp}><rsp:DesiredStream CommandId="${escapeXml(commandId)}">stdout stderr</rsp:DesiredStream></rsp:Receive>`,
        idempotent: true,
      });
    } catch (err) {
      // No output within OperationTimeout is normal for a long-running command: ask again.
      if (err instanceof WSManFaultError && err.wsmanCode === FAULT_OPERATION_TIMEOUT) continue;
      throw err;
    }
    for (const stream of descendants(res.body, NS.rsp, "Stream")) {
      const name = attr(stream, "Name");
      const text = textOf(stream).trim();
      if ((name === "stdout" || name === "stderr") && text) {
        const bytes = Buffer.from(text, "base64");
        collected += bytes.length;
        if (collected > MAX_COMMAND_OUTPUT_BYTES) {
          throw new ProtocolError(`command ${commandId} produced more than ${MAX_COMMAND_OUTPUT_BYTES} bytes of output; it was stopped`);
        }
        chunks[name].push(bytes);
      }
    }
    const state = descendants(res.body, NS.rsp, "CommandState")[0];
    if (state && attr(state, "State") === STATE_DONE) {
      const exitEl = descendants(state, NS.rsp, "ExitCode")[0];
      const exitCode = exitEl ? Number(textOf(exitEl).trim()) : 0;
      // Decode once at the end: a multi-byte UTF-8 character may span two chunks.
      return {
        stdout: Buffer.concat(chunks.stdout).toString("utf8"),
        stderr: Buffer.concat(chunks.stderr).toString("utf8"),
        exitCode: Number.isFinite(exitCode) ? exitCode : -1,
      };
    }
  }
}

/** The point in time a command must be done by. */
class Deadline {
  private readonly at: number;
  constructor(
    private readonly session: WsmanSession,
    private readonly timeoutMs: number,
  ) {
    this.at = Date.now() + timeoutMs;
  }
  check(): void {
    if (Date.now() < this.at) return;
    const { host, port, scheme } = this.session.endpoint;
    throw new TimeoutError({ host, port, scheme, timeoutMs: this.timeoutMs, phase: "command" });
  }
}

async function signalTerminate(session: WsmanSession, shellId: string, commandId: string): Promise<void> {
  await session.request({
    action: ACTION.signal,
    resourceUri: CMD_SHELL_URI,
    selectors: { ShellId: shellId },
    body: `<rsp:Signal ${rsp} CommandId="${escapeXml(commandId)}"><rsp:Code>${SIGNAL_TERMINATE}</rsp:Code></rsp:Signal>`,
    idempotent: false,
  });
}

async function deleteShell(session: WsmanSession, shellId: string): Promise<void> {
  await session.request({ action: ACTION.delete, resourceUri: CMD_SHELL_URI, selectors: { ShellId: shellId }, idempotent: false });
}

/**
 * Runs `command args...` and returns its decoded output and exit code. A non-zero
 * exit code is a result, not an error; faults, transport failures, the deadline
 * (TimeoutError, phase "command") and too much output (ProtocolError) throw. Cleanup
 * failures never mask the command's own outcome.
 */
export async function runCommand(
  session: WsmanSession,
  command: string,
  args: string[] = [],
  options: CommandOptions = {},
): Promise<CommandResult> {
  const deadline = new Deadline(session, options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
  const shellId = await createShell(session, options.environment);
  try {
    const commandId = await startCommand(session, shellId, command, args);
    try {
      return await receiveAll(session, shellId, commandId, deadline);
    } finally {
      await signalTerminate(session, shellId, commandId).catch(() => undefined);
    }
  } finally {
    await deleteShell(session, shellId).catch(() => undefined);
  }
}
