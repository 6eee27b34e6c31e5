// The SMB client a simulated host uses for UNC paths: Samba's smbclient, run as a
// subprocess against the target host's smbd. It logs on with exactly the credentials the
// caller has (a CredSSP session's delegated ones) or anonymously when it has none, which
// is what Windows' redirector does for a network logon that holds no password.
//
// The password travels in the PASSWD environment variable (smbclient(1)), never in argv.

import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface SmbCredentials {
  /** "" for none (the user name alone, as typed, or DOMAIN\user). */
  domain: string;
  user: string;
  password: string;
}

export interface SmbEntry {
  name: string;
  directory: boolean;
  size: number;
  /** Last write time (UTC). */
  mtime: Date;
  attributes: string;
}

/** How the share answered, in NT status terms. */
export type SmbStatus = "ok" | "access-denied" | "logon-failure" | "not-found" | "bad-share" | "unreachable" | "error";

export type SmbResult<T> = { status: "ok"; value: T } | { status: Exclude<SmbStatus, "ok">; detail: string };

const SMBCLIENT_CANDIDATES = ["/usr/bin/smbclient", "/usr/local/bin/smbclient"];

let emptyConf: string | undefined;
/** smbclient insists on a smb.conf; give it an empty one of our own, never /etc/samba's. */
function clientConf(): string {
  if (!emptyConf) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sim-smbclient-"));
    emptyConf = path.join(dir, "smb.conf");
    fs.writeFileSync(emptyConf, "[global]\n  client min protocol = SMB2_02\n");
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return emptyConf;
}

export function smbclientAvailable(): boolean {
  return SMBCLIENT_CANDIDATES.some((p) => fs.existsSync(p));
}

function classify(output: string): Exclude<SmbStatus, "ok"> | undefined {
  if (/NT_STATUS_ACCESS_DENIED/.test(output)) return "access-denied";
  if (/NT_STATUS_LOGON_FAILURE|NT_STATUS_WRONG_PASSWORD|NT_STATUS_NO_SUCH_USER|NT_STATUS_PASSWORD_MUST_CHANGE/.test(output)) return "logon-failure";
  if (/NT_STATUS_BAD_NETWORK_NAME/.test(output)) return "bad-share";
  if (/NT_STATUS_(NO_SUCH_FILE|OBJECT_NAME_NOT_FOUND|OBJECT_PATH_NOT_FOUND|NOT_A_DIRECTORY|FILE_IS_A_DIRECTORY)/.test(output)) return "not-found";
  if (/NT_STATUS_(CONNECTION_REFUSED|HOST_UNREACHABLE|IO_TIMEOUT|CONNECTION_RESET)/.test(output)) return "unreachable";
  if (/NT_STATUS_/.test(output)) return "error";
  return undefined;
}

/** smbclient's quoting for a -c command argument. */
const quote = (p: string) => `"${p.replace(/"/g, "")}"`;

interface Target {
  host: string;
  port: number;
  share: string;
  /** NetBIOS name the client announces (the calling host's; it shows in smbd's log). */
  workstation: string;
}

function run(target: Target, creds: SmbCredentials | undefined, command: string): Promise<{ out: string; err: string }> {
  const exe = SMBCLIENT_CANDIDATES.find((p) => fs.existsSync(p)) ?? "smbclient";
  const args = ["-s", clientConf(), `//${target.host}/${target.share}`, "-p", String(target.port), "-n", target.workstation, "-t", "20"];
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, TZ: "UTC", LANG: "C" };
  if (creds) {
    args.push("-U", creds.domain ? `${creds.domain}\\${creds.user}` : creds.user);
    env.PASSWD = creds.password;
  } else {
    args.push("-N");
  }
  args.push("-c", command);
  return new Promise((resolve) => {
    execFile(exe, args, { env, timeout: 30_000, maxBuffer: 16 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
      resolve({ out: stdout ?? "", err: `${stderr ?? ""}${error && !stdout && !stderr ? error.message : ""}` });
    });
  });
}

// "  name                               A     1234  Wed Nov 25 13:17:09 2026"
const LS_LINE = /^ {2}(.+?)\s+([ADHSRNV]*)\s+(\d+)\s+\w{3} (\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})$/;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function parseLs(out: string): SmbEntry[] {
  const entries: SmbEntry[] = [];
  for (const line of out.split(/\r?\n/)) {
    const m = LS_LINE.exec(line);
    if (!m) continue;
    const [, name, attributes, size, mon, day, hh, mm, ss, year] = m;
    if (name === "." || name === "..") continue;
    entries.push({
      name,
      attributes,
      directory: attributes.includes("D"),
      size: Number(size),
      mtime: new Date(Date.UTC(Number(year), MONTHS.indexOf(mon), Number(day), Number(hh), Number(mm), Number(ss))),
    });
  }
  return entries;
}

/** `rest` is the path inside the share with backslashes ("" for its root). */
export async function smbList(target: Target, creds: SmbCredentials | undefined, rest: string): Promise<SmbResult<SmbEntry[]>> {
  const mask = rest ? `${rest.replace(/\\+$/, "")}\\*` : "*";
  const { out, err } = await run(target, creds, `ls ${quote(mask)}`);
  const bad = classify(out + err);
  if (bad) return { status: bad, detail: (out + err).trim() };
  return { status: "ok", value: parseLs(out) };
}

/** The entry for a path inside the share itself (for Test-Path and for a file given to dir). */
export async function smbStat(target: Target, creds: SmbCredentials | undefined, rest: string): Promise<SmbResult<SmbEntry | "root">> {
  if (!rest.replace(/\\/g, "")) {
    const r = await smbList(target, creds, "");
    return r.status === "ok" ? { status: "ok", value: "root" } : r;
  }
  const trimmed = rest.replace(/\\+$/, "");
  const { out, err } = await run(target, creds, `ls ${quote(trimmed)}`);
  const bad = classify(out + err);
  if (bad) return { status: bad, detail: (out + err).trim() };
  const base = trimmed.split("\\").pop()!.toLowerCase();
  const hit = parseLs(out).find((e) => e.name.toLowerCase() === base);
  return hit ? { status: "ok", value: hit } : { status: "not-found", detail: "no such entry" };
}

export async function smbRead(target: Target, creds: SmbCredentials | undefined, rest: string): Promise<SmbResult<Buffer>> {
  const exeOut = await run(target, creds, `get ${quote(rest)} -`);
  const bad = classify(exeOut.out + exeOut.err);
  if (bad) return { status: bad, detail: (exeOut.out + exeOut.err).trim() };
  return { status: "ok", value: Buffer.from(exeOut.out, "utf8") };
}
