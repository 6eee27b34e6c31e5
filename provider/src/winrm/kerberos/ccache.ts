// MIT credential cache files (FILE: type, format versions 3 and 4; see MIT's
// "Credential cache file format" in the krb5 docs). This lets a user who ran `kinit`
// connect without giving us a password: we take the TGT (or a service ticket) from the
// cache named by KRB5CCNAME, else krb5.conf's default_ccache_name, else
// /tmp/krb5cc_<uid>. DIR: collections are followed to their primary cache. Other cache
// types (KEYRING:, KCM:, API:, MEMORY:) live outside files and cannot be read here.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KerberosConfigError, KerberosNoCredentialsError } from "./errors";
import { FileReader } from "./file-reader";
import { decodeTicket, Ticket } from "./messages";
import { formatPrincipal, Principal } from "./principal";

export interface CachedCredential {
  client: Principal;
  server: Principal;
  key: { keytype: number; keyvalue: Buffer };
  authtime: number;
  starttime: number;
  endtime: number;
  renewTill: number;
  /** Ticket flags as the KDC gave them (uint32, bit 0 = most significant). */
  flags: number;
  ticket: Ticket;
}

export interface CredentialCache {
  file: string;
  version: number;
  defaultPrincipal: Principal;
  /** KDC time minus local time in seconds, when kinit recorded one (header tag 1). */
  kdcOffsetSeconds?: number;
  credentials: CachedCredential[];
}

const CONFIG_REALM = "X-CACHECONF:";

function readPrincipal(r: FileReader): Principal {
  const nameType = r.u32();
  const count = r.u32();
  const realm = r.counted32().toString("utf8");
  const components: string[] = [];
  for (let i = 0; i < count; i++) components.push(r.counted32().toString("utf8"));
  return { name: { nameType, components }, realm };
}

/** Parse a ccache file's bytes. */
export function parseCcache(buf: Buffer, file: string): CredentialCache {
  const r = new FileReader(buf, file);
  const version = r.u16();
  if (version !== 0x0503 && version !== 0x0504) {
    r.fail(`unsupported credential cache format 0x${version.toString(16)} (only versions 3 and 4, as MIT writes them)`);
  }
  let kdcOffsetSeconds: number | undefined;
  if (version === 0x0504) {
    const headerEnd = r.u16() + r.pos;
    while (r.pos < headerEnd) {
      const tag = r.u16();
      const len = r.u16();
      if (tag === 1 && len === 8) {
        kdcOffsetSeconds = r.s32();
        r.s32(); // microseconds
      } else {
        r.bytes(len);
      }
    }
  }
  const defaultPrincipal = readPrincipal(r);
  const credentials: CachedCredential[] = [];
  while (r.remaining > 0) {
    const client = readPrincipal(r);
    const server = readPrincipal(r);
    const keytype = r.u16();
    if (version === 0x0503) r.u16(); // v3 repeats the enctype
    const keyvalue = r.counted32();
    const authtime = r.u32() * 1000;
    const starttime = r.u32() * 1000;
    const endtime = r.u32() * 1000;
    const renewTill = r.u32() * 1000;
    r.u8(); // is_skey
    const flags = r.u32();
    for (let n = r.u32(); n > 0; n--) {
      r.u16();
      r.counted32();
    }
    for (let n = r.u32(); n > 0; n--) {
      r.u16();
      r.counted32();
    }
    const ticketBytes = r.counted32();
    r.counted32(); // second ticket (user-to-user)
    // Configuration entries (krb5_cc_set_config) are not tickets.
    if (server.realm === CONFIG_REALM || ticketBytes.length === 0) continue;
    credentials.push({
      client,
      server,
      key: { keytype, keyvalue },
      authtime,
      starttime: starttime || authtime,
      endtime,
      renewTill,
      flags,
      ticket: decodeTicket(ticketBytes),
    });
  }
  return { file, version, defaultPrincipal, kdcOffsetSeconds, credentials };
}

/** Expand %{uid}, %{USERID}, %{TEMP} and %{username} as MIT does in cache names. */
function expandTokens(name: string): string {
  const uid = typeof process.getuid === "function" ? String(process.getuid()) : "0";
  return name
    .replace(/%\{(uid|euid|USERID)\}/g, uid)
    .replace(/%\{TEMP\}/g, os.tmpdir())
    .replace(/%\{username\}/g, os.userInfo().username);
}

/** The file holding the default credential cache, from KRB5CCNAME or the defaults. */
export function resolveCcachePath(env: NodeJS.ProcessEnv = process.env, defaultCcacheName?: string): string {
  const uid = typeof process.getuid === "function" ? process.getuid() : 0;
  const name = expandTokens(env.KRB5CCNAME || defaultCcacheName || `FILE:/tmp/krb5cc_${uid}`);
  const colon = name.indexOf(":");
  const type = colon > 0 && !name.startsWith("/") ? name.slice(0, colon).toUpperCase() : "FILE";
  const residual = colon > 0 && !name.startsWith("/") ? name.slice(colon + 1) : name;
  if (type === "FILE") return residual;
  if (type === "DIR") {
    // "DIR::/dir/tkt" names one cache; "DIR:/dir" means the collection's primary cache.
    if (residual.startsWith(":")) return residual.slice(1);
    let primary = "tkt";
    try {
      primary = fs.readFileSync(path.join(residual, "primary"), "utf8").trim() || primary;
    } catch {
      // no primary file: MIT's default primary name
    }
    return path.join(residual, primary);
  }
  throw new KerberosConfigError(
    `credential cache "${name}" is of type ${type}, which is not a file we can read; ` +
      `set KRB5CCNAME=FILE:/tmp/krb5cc_${uid} and run kinit again, or give a password`,
  );
}

/** Load the default credential cache; a missing file is "no credentials", not a config error. */
export function loadCcache(env: NodeJS.ProcessEnv = process.env, defaultCcacheName?: string): CredentialCache {
  const file = resolveCcachePath(env, defaultCcacheName);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new KerberosNoCredentialsError(`no Kerberos credential cache at ${file}: run kinit first, or give a password`);
    }
    throw new KerberosConfigError(`cannot read credential cache ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseCcache(buf, file);
}

/** A credential in `cache` for `server` still valid at `now` (with a minute's margin). */
export function findCredential(cache: CredentialCache, server: Principal, now: number): CachedCredential | undefined {
  const want = formatPrincipal(server).toLowerCase();
  return cache.credentials.find(
    (c) => formatPrincipal(c.server).toLowerCase() === want && c.endtime > now + 60_000 && c.starttime <= now + 300_000,
  );
}
