// Spawns tests/winrm/support/gssapi_peer.py: MIT's GSS-API through python-gssapi (Debian's
// python3-gssapi, so /usr/bin/python3), one JSON line per command, in a realm's environment.
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";

const SYSTEM_PYTHON = "/usr/bin/python3";

export function gssapiPeerUnavailableReason(): string | undefined {
  const probe = spawnSync(SYSTEM_PYTHON, ["-c", "import gssapi, gssapi.raw; gssapi.raw.wrap_iov"], { encoding: "utf8" });
  if (probe.error) return `${SYSTEM_PYTHON} not runnable: ${probe.error.message}`;
  if (probe.status !== 0) return `python3-gssapi (with the IOV extension) not usable: ${probe.stderr.trim()}`;
  return undefined;
}

export type PeerAnswer = Record<string, string | boolean | null>;

export class GssapiPeer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private stderr = "";

  constructor(env: NodeJS.ProcessEnv) {
    this.proc = spawn(SYSTEM_PYTHON, [path.join(__dirname, "gssapi_peer.py")], { stdio: "pipe", env });
    this.proc.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.lines = readline.createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }

  /** Send a command; buffers are base64-encoded on the way. Throws with MIT's message on an error answer. */
  async call(op: string, args: Record<string, string | Buffer> = {}): Promise<PeerAnswer> {
    const cmd: Record<string, string> = { op };
    for (const [k, v] of Object.entries(args)) cmd[k] = Buffer.isBuffer(v) ? v.toString("base64") : v;
    this.proc.stdin.write(JSON.stringify(cmd) + "\n");
    const next = await this.lines.next();
    if (next.done) throw new Error(`gssapi peer exited: ${this.stderr}`);
    const answer = JSON.parse(next.value) as PeerAnswer;
    if (answer.error) throw new Error(`MIT GSS-API (${String(answer.kind)}): ${String(answer.error)}`);
    return answer;
  }

  buf(answer: PeerAnswer, key: string): Buffer {
    return Buffer.from(String(answer[key] ?? ""), "base64");
  }

  async close(): Promise<void> {
    this.proc.stdin.end();
    await new Promise<void>((resolve) => {
      if (this.proc.exitCode !== null) resolve();
      else this.proc.once("exit", () => resolve());
    });
  }
}
