// The Python peers (pyspnego, requests-credssp, pywinrm 0.5, ...) in .tools/peers-venv,
// which `npm test` creates from tests/peers/requirements.txt (scripts/lib.sh,
// ensure_peers_venv). They are referees nobody here wrote; tests drive them through
// the small scripts in this folder.

import { ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";

import { PEERS_PYTHON, peerEnv } from "../../testkit/python-peers";
export { PEERS_PYTHON, peerEnv };

export const ROOT = path.resolve(__dirname, "../..");
const HERE = __dirname;

/** Fails loudly when the venv is missing: these tests must run, not skip. */
export function requirePeers(): void {
  if (!fs.existsSync(PEERS_PYTHON)) {
    throw new Error(
      `the Python peers' virtualenv is missing (${PEERS_PYTHON}); run the tests with \`npm test\`, ` +
        "or create it with: bash -c 'source scripts/lib.sh; ensure_peers_venv'",
    );
  }
}

/** Versions of the installed peers, for assertions that the referee is the one we pinned. */
export function peerVersions(): Record<string, string> {
  requirePeers();
  const code =
    "import json, importlib.metadata as m; print(json.dumps({p: m.version(p) for p in " +
    "['pywinrm', 'pyspnego', 'requests-credssp', 'pypsrp', 'smbprotocol', 'pykerberos']}))";
  const r = spawnSync(PEERS_PYTHON, ["-c", code], { encoding: "utf8", env: peerEnv() });
  if (r.status !== 0) throw new Error(`peer python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string>;
}

export type OracleResult = { ok: unknown } | { error: string };

/** Runs a batch of pyspnego operations (tests/peers/pyspnego_oracle.py). */
export function pyspnego(ops: Array<Record<string, unknown>>): OracleResult[] {
  requirePeers();
  const r = spawnSync(PEERS_PYTHON, [path.join(HERE, "pyspnego_oracle.py")], {
    input: JSON.stringify(ops),
    encoding: "utf8",
    env: peerEnv(),
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`pyspnego oracle failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as OracleResult[];
}

/** The value of one oracle result, or a thrown error naming pyspnego's exception. */
export function ok<T>(r: OracleResult): T {
  if ("error" in r) throw new Error(`pyspnego: ${r.error}`);
  return r.ok as T;
}

export interface AcceptorEvent {
  event: "delegated" | "request" | "error";
  [field: string]: unknown;
}

/** pyspnego's CredSSP acceptor behind WinRM's HTTP exchange (tests/peers/credssp_acceptor.py). */
export class CredSspAcceptorPeer {
  readonly events: AcceptorEvent[] = [];
  private stderr = "";
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly proc: ChildProcessWithoutNullStreams,
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** Starts the acceptor with NTLM users "DOMAIN:USER:PASSWORD". */
  static async start(users: string[], options: string[] = []): Promise<CredSspAcceptorPeer> {
    requirePeers();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "credssp-peer-"));
    const userFile = path.join(dir, "users");
    fs.writeFileSync(userFile, users.join("\n") + "\n", { mode: 0o600 });
    const proc = spawn(PEERS_PYTHON, [path.join(HERE, "credssp_acceptor.py"), ...options], {
      env: peerEnv({ NTLM_USER_FILE: userFile }),
      stdio: "pipe",
    });
    const lines = readline.createInterface({ input: proc.stdout });
    let stderr = "";
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`acceptor did not start: ${stderr}`)), 30_000);
      proc.once("exit", (code) => reject(new Error(`acceptor exited with ${code}: ${stderr}`)));
      lines.once("line", (line) => {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      });
    });
    const peer = new CredSspAcceptorPeer(proc, port, dir);
    proc.stderr.on("data", (d: Buffer) => (peer.stderr += d.toString()));
    lines.on("line", (line) => {
      peer.events.push(JSON.parse(line) as AcceptorEvent);
      for (const w of peer.waiters.splice(0)) w();
    });
    return peer;
  }

  /** Events of one kind so far. */
  of(kind: AcceptorEvent["event"]): AcceptorEvent[] {
    return this.events.filter((e) => e.event === kind);
  }

  /** Resolves when an event of this kind has arrived (events can trail the HTTP reply by a moment). */
  async waitFor(kind: AcceptorEvent["event"], count = 1, timeoutMs = 10_000): Promise<AcceptorEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.of(kind).length < count) {
      if (Date.now() > deadline) throw new Error(`no ${kind} event from the acceptor; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return this.of(kind);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null) {
      const exited = new Promise<void>((resolve) => this.proc.once("exit", () => resolve()));
      this.proc.kill("SIGTERM");
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs a process to its end, collecting its output; killed after `timeoutMs`. */
export function collect(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    p.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("error", reject);
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Runs a peer script with the venv's Python; the password goes through the environment, never argv. */
export function runPeerScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  requirePeers();
  return collect(PEERS_PYTHON, [path.join(HERE, script), ...args], peerEnv(env), timeoutMs);
}

/** A peer script that answers one JSON line per JSON command line (e.g. spnego_acceptor.py). */
export class LinePeer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private stderr = "";

  constructor(script: string, env: Record<string, string> = {}) {
    requirePeers();
    this.proc = spawn(PEERS_PYTHON, [path.join(HERE, script)], { stdio: "pipe", env: peerEnv(env) });
    this.proc.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.lines = readline.createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }

  async call(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.proc.stdin.write(JSON.stringify(cmd) + "\n");
    const next = await this.lines.next();
    if (next.done) throw new Error(`peer exited: ${this.stderr}`);
    return JSON.parse(next.value) as Record<string, unknown>;
  }

  async close(): Promise<void> {
    this.proc.stdin.end();
    if (this.proc.exitCode === null) await new Promise<void>((resolve) => this.proc.once("exit", () => resolve()));
  }
}
