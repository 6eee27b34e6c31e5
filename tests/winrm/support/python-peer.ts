// Spawns tests/winrm/support/ntlm_auth_peer.py under the system Python (which has the
// Debian ntlm-auth and pywinrm packages) and exchanges one JSON line per command.
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";

export const SYSTEM_PYTHON = "/usr/bin/python3";

// ntlm_auth hashes passwords with hashlib.new("md4"), which OpenSSL 3 only offers through
// its legacy provider; this config turns that on for the peer process only.
const PEER_ENV = { ...process.env, OPENSSL_CONF: path.join(__dirname, "openssl-legacy.cnf") };

/** Why the peer cannot run here, or undefined when it can. */
export function peerUnavailableReason(): string | undefined {
  const probe = spawnSync(SYSTEM_PYTHON, ["-c", "import hashlib, ntlm_auth.ntlm, winrm.encryption; hashlib.new('md4')"], {
    encoding: "utf8",
    env: PEER_ENV,
  });
  if (probe.error) return `${SYSTEM_PYTHON} not runnable: ${probe.error.message}`;
  if (probe.status !== 0) return `ntlm_auth/pywinrm/MD4 not usable by ${SYSTEM_PYTHON}: ${probe.stderr.trim()}`;
  return undefined;
}

export class PythonNtlmPeer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private stderr = "";

  constructor() {
    this.proc = spawn(SYSTEM_PYTHON, [path.join(__dirname, "ntlm_auth_peer.py")], { stdio: "pipe", env: PEER_ENV });
    this.proc.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.lines = readline.createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }

  async call(cmd: Record<string, unknown>): Promise<Record<string, string>> {
    this.proc.stdin.write(JSON.stringify(cmd) + "\n");
    const next = await this.lines.next();
    if (next.done) throw new Error(`python peer exited: ${this.stderr}`);
    return JSON.parse(next.value) as Record<string, string>;
  }

  async close(): Promise<void> {
    this.proc.stdin.end();
    await new Promise<void>((resolve) => {
      if (this.proc.exitCode !== null) resolve();
      else this.proc.once("exit", () => resolve());
    });
  }
}
