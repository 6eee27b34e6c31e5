// A real file server for a simulated host: Samba's smbd on a loopback port, serving the
// host's shares to the host's own accounts (same names, same passwords).
//
// Everything lives in a temp folder (../shared/reference/smb-notes.md): smb.conf given
// with -s, passdb, locks, state, the log. Samba wants a Unix account behind every SMB
// account; rather than touching /etc/passwd we hand smbd a passwd/group file of its own
// through nss_wrapper (Debian's libnss-wrapper, the tool Samba's own test suite uses for
// exactly this), one Unix account per Windows account, and a username map from the
// Windows names onto them. File access itself runs as root (`force user`), so share
// folders need no particular permissions. The passdb is an smbpasswd file holding each
// account's NT hash (MD4 of the UTF-16LE password, MS-NLMP 3.3.1), computed with the
// wire's MD4.
//
// The log (log level auth_audit:3 plus the full_audit VFS module) records every logon
// with the user and workstation that offered it, and every open of a share file with
// the session's user: the tests read it to prove who crossed the second hop.

import { spawn, ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { md4 } from "../../../provider/src/winrm/crypto/md4";

export interface SmbAccount {
  name: string;
  password: string;
}

export interface SmbServer {
  host: string;
  port: number;
  /** smbd's log file (authentications and share accesses). */
  logFile: string;
  /** The log so far. */
  log(): string;
  stop(): Promise<void>;
}

export class SmbUnavailableError extends Error {
  readonly code = "SIM_SMB_UNAVAILABLE";
  override readonly name = "SmbUnavailableError";
}

const SMBD_CANDIDATES = ["/usr/sbin/smbd", "/usr/local/sbin/smbd"];
const NSS_WRAPPER_CANDIDATES = [
  "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so",
  "/usr/lib/aarch64-linux-gnu/libnss_wrapper.so",
  "/usr/lib64/libnss_wrapper.so",
  "/usr/lib/libnss_wrapper.so",
];
const FIRST_UID = 61001;
const GROUP_ID = 61000;

const firstExisting = (paths: string[]) => paths.find((p) => fs.existsSync(p));

/** Unix names for the Windows accounts: lower-case, safe characters, never root/nobody. */
function unixNames(accounts: SmbAccount[]): string[] {
  const used = new Set(["root", "nobody"]);
  return accounts.map((a, i) => {
    let n = a.name.toLowerCase().replace(/[^a-z0-9_-]/g, "_").slice(0, 24) || `user${i}`;
    if (/^[0-9-]/.test(n)) n = `u${n}`;
    while (used.has(n)) n = `${n}_`;
    used.add(n);
    return n;
  });
}

function ntHash(password: string): string {
  return md4(Buffer.from(password, "utf16le")).toString("hex").toUpperCase();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new SmbUnavailableError(`smbd exited early (code ${child.exitCode ?? child.signalCode})`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, "127.0.0.1");
      c.once("connect", () => {
        c.destroy();
        resolve(true);
      });
      c.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new SmbUnavailableError(`smbd did not listen on 127.0.0.1:${port} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Is a Samba smbd (and nss_wrapper) on this machine? */
export function smbdAvailable(): boolean {
  return firstExisting(SMBD_CANDIDATES) !== undefined && firstExisting(NSS_WRAPPER_CANDIDATES) !== undefined;
}

/**
 * Starts smbd for `shares` (name → absolute folder) with `accounts` as its users.
 * `netbiosName` is the server's name on the wire (the host's NetBIOS name).
 */
export async function startSmbServer(opts: { netbiosName: string; shares: Record<string, string>; accounts: SmbAccount[] }): Promise<SmbServer> {
  const smbd = firstExisting(SMBD_CANDIDATES);
  const nssWrapper = firstExisting(NSS_WRAPPER_CANDIDATES);
  if (!smbd || !nssWrapper) {
    throw new SmbUnavailableError(
      "shares need Samba's smbd and nss_wrapper (Debian: apt-get install samba smbclient libnss-wrapper; npm test installs them)",
    );
  }
  if (process.getuid && process.getuid() !== 0) {
    throw new SmbUnavailableError("shares need smbd to run as root (it switches to each logged-on account)");
  }
  for (const [name, dir] of Object.entries(opts.shares)) {
    if (!/^[A-Za-z0-9_.$-]{1,80}$/.test(name)) throw new SmbUnavailableError(`share name "${name}" is not a plain share name`);
    if (!path.isAbsolute(dir) || !fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      throw new SmbUnavailableError(`share "${name}": ${dir} is not an existing absolute folder`);
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sim-smbd-"));
  const sub = (n: string) => {
    const p = path.join(dir, n);
    fs.mkdirSync(p, { recursive: true });
    return p;
  };
  const names = unixNames(opts.accounts);
  const lct = Math.floor(Date.now() / 1000).toString(16).toUpperCase();
  fs.writeFileSync(
    path.join(dir, "passwd"),
    [
      "root:x:0:0:root:/root:/bin/false",
      "nobody:x:65534:65534:nobody:/nonexistent:/bin/false",
      ...names.map((n, i) => `${n}:x:${FIRST_UID + i}:${GROUP_ID}:${n}:${dir}:/bin/false`),
    ].join("\n") + "\n",
  );
  fs.writeFileSync(path.join(dir, "group"), `root:x:0:\nnogroup:x:65534:\nsimusers:x:${GROUP_ID}:${names.join(",")}\n`);
  fs.writeFileSync(
    path.join(dir, "smbpasswd"),
    opts.accounts.map((a, i) => `${names[i]}:${FIRST_UID + i}:${"X".repeat(32)}:${ntHash(a.password)}:[U          ]:LCT-${lct}:`).join("\n") + "\n",
    { mode: 0o600 },
  );
  // username map: unix = windows-name (quoted: names may hold spaces).
  fs.writeFileSync(path.join(dir, "users.map"), opts.accounts.map((a, i) => `${names[i]} = "${a.name.replace(/"/g, "")}"`).join("\n") + "\n");
  const port = await freePort();
  const logFile = path.join(sub("log"), "smbd.log");
  const shareSections = Object.entries(opts.shares)
    .map(
      ([name, folder]) =>
        `[${name}]\n  path = ${folder}\n  read only = yes\n  browseable = yes\n  force user = root\n` +
        `  vfs objects = full_audit\n  full_audit:syslog = false\n  full_audit:prefix = %U|%I|%S\n` +
        `  full_audit:success = connect disconnect openat\n  full_audit:failure = connect openat\n`,
    )
    .join("");
  const conf =
    `[global]\n  netbios name = ${opts.netbiosName}\n  workgroup = ${opts.netbiosName}\n  server role = standalone server\n` +
    `  smb ports = ${port}\n  interfaces = 127.0.0.1\n  bind interfaces only = yes\n  disable netbios = yes\n` +
    `  map to guest = never\n  restrict anonymous = 2\n  server min protocol = SMB2_02\n` +
    `  passdb backend = smbpasswd:${path.join(dir, "smbpasswd")}\n  username map = ${path.join(dir, "users.map")}\n` +
    `  private dir = ${sub("private")}\n  lock directory = ${sub("lock")}\n  state directory = ${sub("state")}\n` +
    `  cache directory = ${sub("cache")}\n  pid directory = ${sub("pid")}\n  ncalrpc dir = ${sub("ncalrpc")}\n` +
    `  log file = ${logFile}\n  log level = 1 auth_audit:3\n  max log size = 0\n` +
    `  load printers = no\n  printing = bsd\n  printcap name = /dev/null\n  disable spoolss = yes\n` +
    shareSections;
  const confFile = path.join(dir, "smb.conf");
  fs.writeFileSync(confFile, conf);

  const child = spawn(smbd, ["-s", confFile, "--foreground", "--no-process-group"], {
    env: {
      PATH: process.env.PATH ?? "/usr/sbin:/usr/bin",
      LD_PRELOAD: nssWrapper,
      NSS_WRAPPER_PASSWD: path.join(dir, "passwd"),
      NSS_WRAPPER_GROUP: path.join(dir, "group"),
    },
    stdio: ["ignore", "ignore", "pipe"],
    // Its own process group: smbd signals its whole group when it shuts down, which must
    // not include us (or the test runner).
    detached: true,
  });
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => {
    if (stderr.length < 8192) stderr += b.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    await waitForPort(port, child, 15_000);
  } catch (err) {
    child.kill("SIGKILL");
    await exited;
    cleanup();
    throw new SmbUnavailableError(`${(err as Error).message}${stderr ? `: ${stderr.trim().slice(-500)}` : ""}`);
  }
  // smbd forks a child per connection; each watches its parent and exits with it, so
  // SIGTERM to the one process we started ends them all.
  const killAll = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  };
  process.once("exit", killAll);
  let stopped = false;
  return {
    host: "127.0.0.1",
    port,
    logFile,
    log: () => {
      try {
        return fs.readFileSync(logFile, "utf8");
      } catch {
        return "";
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener("exit", killAll);
      killAll();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      cleanup();
    },
  };
}
