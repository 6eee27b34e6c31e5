// Paths as the simulated FileSystem provider sees them.
//
// - UNC paths \\host\share\… go over SMB to that host's smbd, with the credentials the
//   logon holds (none for an NTLM/Basic/Kerberos network logon: the double hop).
// - A host's own shares are also its local folders C:\Shares\<share>\…, read directly.
// Everything else does not exist on a simulated host.

import * as fs from "node:fs";
import * as path from "node:path";
import type { DirectoryEntry, HostDirectory } from "../host-directory";
import { SmbCredentials, SmbEntry, SmbResult, smbList, smbRead, smbStat } from "../smb/client";
import { FileItemValue } from "./values";

export const LOCAL_SHARES_ROOT = "C:\\Shares";

export interface FsEnv {
  directory: HostDirectory;
  self: DirectoryEntry;
  /** The second-hop credentials this logon holds; undefined = none. */
  credentials?: SmbCredentials;
}

export type FsFailure = "not-found" | "access-denied";
export type FsResult<T> = { ok: true; value: T } | { ok: false; failure: FsFailure };

type Located =
  | { kind: "unc"; entry?: DirectoryEntry; hostAsTyped: string; share: string; rest: string; display: string }
  | { kind: "local"; folder: string; display: string }
  | { kind: "none"; display: string };

function locate(env: FsEnv, raw: string): Located {
  const p = raw.replace(/\//g, "\\");
  const unc = /^\\\\([^\\]+)\\([^\\]+)\\?(.*)$/.exec(p);
  if (unc) {
    const [, hostAsTyped, share, rest] = unc;
    return { kind: "unc", entry: env.directory.resolve(hostAsTyped, env.self), hostAsTyped, share, rest: rest.replace(/\\+$/, ""), display: p.replace(/\\+$/, "") };
  }
  const local = /^[Cc]:\\Shares\\([^\\]+)\\?(.*)$/.exec(p);
  if (local) {
    const [, share, rest] = local;
    const key = Object.keys(env.self.shares).find((k) => k.toLowerCase() === share.toLowerCase());
    if (key) {
      const parts = rest.split("\\").filter(Boolean);
      if (parts.some((x) => x === "..")) return { kind: "none", display: p };
      return { kind: "local", folder: path.join(env.self.shares[key], ...parts), display: p.replace(/\\+$/, "") };
    }
  }
  return { kind: "none", display: p.replace(/\\+$/, "") || p };
}

function smbTarget(env: FsEnv, loc: Extract<Located, { kind: "unc" }>) {
  const smb = loc.entry?.smb;
  if (!smb) return undefined;
  return { host: smb.host, port: smb.port, share: loc.share, workstation: env.self.identity.netbiosName };
}

function failureOf<T>(r: SmbResult<T>): FsFailure {
  return r.status === "access-denied" || r.status === "logon-failure" ? "access-denied" : "not-found";
}

function modeOf(directory: boolean, attrs: string): string {
  const a = attrs.toUpperCase();
  return `${directory ? "d" : "-"}${a.includes("A") ? "a" : "-"}${a.includes("R") ? "r" : "-"}${a.includes("H") ? "h" : "-"}${a.includes("S") ? "s" : "-"}-`;
}

function fromSmb(e: SmbEntry, parent: string): FileItemValue {
  return new FileItemValue(e.name, e.directory, e.size, e.mtime, modeOf(e.directory, e.attributes), parent);
}

function fromStat(name: string, st: fs.Stats, parent: string): FileItemValue {
  const dir = st.isDirectory();
  return new FileItemValue(name, dir, dir ? 0 : st.size, st.mtime, dir ? "d-----" : "-a----", parent);
}

/** PowerShell lists folders first, then files, each by name. */
function ordered(items: FileItemValue[]): FileItemValue[] {
  const byName = (a: FileItemValue, b: FileItemValue) => a.name.toLowerCase().localeCompare(b.name.toLowerCase());
  return [...items.filter((i) => i.directory).sort(byName), ...items.filter((i) => !i.directory).sort(byName)];
}

/** Get-ChildItem: a folder's children, or the item itself for a file. */
export async function listItems(env: FsEnv, raw: string): Promise<FsResult<FileItemValue[]>> {
  const loc = locate(env, raw);
  if (loc.kind === "none") return { ok: false, failure: "not-found" };
  if (loc.kind === "local") {
    const st = fs.statSync(loc.folder, { throwIfNoEntry: false });
    if (!st) return { ok: false, failure: "not-found" };
    if (!st.isDirectory()) return { ok: true, value: [fromStat(path.basename(loc.folder), st, loc.display.replace(/\\[^\\]+$/, ""))] };
    const items = fs
      .readdirSync(loc.folder)
      .map((n) => ({ n, st: fs.statSync(path.join(loc.folder, n), { throwIfNoEntry: false }) }))
      .filter((x) => x.st)
      .map((x) => fromStat(x.n, x.st!, loc.display));
    return { ok: true, value: ordered(items) };
  }
  const target = smbTarget(env, loc);
  if (!target) return { ok: false, failure: "not-found" };
  const stat = await smbStat(target, env.credentials, loc.rest);
  if (stat.status !== "ok") return { ok: false, failure: failureOf(stat) };
  if (stat.value !== "root" && !stat.value.directory) {
    return { ok: true, value: [fromSmb(stat.value, loc.display.replace(/\\[^\\]+$/, ""))] };
  }
  const r = await smbList(target, env.credentials, loc.rest);
  if (r.status !== "ok") return { ok: false, failure: failureOf(r) };
  return { ok: true, value: ordered(r.value.map((e) => fromSmb(e, loc.display))) };
}

/** Test-Path: true/false, or access-denied (which Test-Path reports as an error). */
export async function pathExists(env: FsEnv, raw: string): Promise<FsResult<boolean>> {
  const loc = locate(env, raw);
  if (loc.kind === "none") return { ok: true, value: false };
  if (loc.kind === "local") return { ok: true, value: fs.existsSync(loc.folder) };
  const target = smbTarget(env, loc);
  if (!target) return { ok: true, value: false };
  const r = await smbStat(target, env.credentials, loc.rest);
  if (r.status === "ok") return { ok: true, value: true };
  const f = failureOf(r);
  return f === "access-denied" ? { ok: false, failure: f } : { ok: true, value: false };
}

/** Get-Content: the file's lines. */
export async function readLines(env: FsEnv, raw: string): Promise<FsResult<string[]>> {
  const loc = locate(env, raw);
  if (loc.kind === "none") return { ok: false, failure: "not-found" };
  let text: string;
  if (loc.kind === "local") {
    const st = fs.statSync(loc.folder, { throwIfNoEntry: false });
    if (!st || !st.isFile()) return { ok: false, failure: "not-found" };
    text = fs.readFileSync(loc.folder, "utf8");
  } else {
    const target = smbTarget(env, loc);
    if (!target || !loc.rest) return { ok: false, failure: "not-found" };
    const r = await smbRead(target, env.credentials, loc.rest);
    if (r.status !== "ok") return { ok: false, failure: failureOf(r) };
    text = r.value.toString("utf8");
  }
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  return { ok: true, value: lines };
}
