// krb5.conf, the MIT profile format (krb5.conf(5)): [sections] of "tag = value" lines,
// "tag = { ... }" subsections, repeated tags for lists, "#"/";" comments, a trailing "*"
// that marks a value final, and include/includedir directives. We read what a client
// needs to find its realm and KDCs; everything else is ignored, as MIT ignores
// relations it does not know.
//
// The file is KRB5_CONFIG (a colon-separated list, all merged, earlier files first), else
// /etc/krb5.conf. A missing file is not an error: an explicit realm and kdc still work.

import * as fs from "node:fs";
import * as path from "node:path";
import { KDC_PORT } from "./constants";
import { KerberosConfigError } from "./errors";

type Relation = string | Section;
interface Section {
  [tag: string]: Relation[];
}

export interface KdcAddress {
  host: string;
  port: number;
  /** Forced by a "tcp/" or "udp/" prefix in krb5.conf; otherwise chosen per request. */
  transport?: "tcp" | "udp";
}

export interface RealmConfig {
  kdcs: KdcAddress[];
}

export interface Krb5Config {
  /** The files that were read, for messages. */
  files: string[];
  defaultRealm?: string;
  realms: Map<string, RealmConfig>;
  /** [domain_realm] in file order: ".corp.test" (a domain) or "host.corp.test" (one host). */
  domainRealm: Array<[string, string]>;
  /** Requests longer than this go over TCP first (MIT default 1465). */
  udpPreferenceLimit: number;
  /** Allowed clock skew in seconds (MIT "clockskew", default 300). */
  clockSkew: number;
  /** default_ccache_name, if set. */
  defaultCcacheName?: string;
}

const DEFAULT_UDP_PREFERENCE_LIMIT = 1465;
const DEFAULT_CLOCKSKEW = 300;

/** Parse profile text into nested sections; `file` only for error messages and includes. */
function parseProfile(text: string, file: string, into: Record<string, Section> = {}, depth = 0): Record<string, Section> {
  if (depth > 8) throw new KerberosConfigError(`${file}: include nesting is too deep`);
  let current: Section | undefined;
  const stack: Section[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const where = `${file}:${i + 1}`;
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    if (stack.length === 0) {
      const inc = /^(include|includedir)\s+(.+)$/.exec(line);
      if (inc) {
        includeFiles(inc[1], inc[2].trim(), file, into, depth);
        continue;
      }
      const header = /^\[([^\]]+)\]\s*\*?$/.exec(line);
      if (header) {
        into[header[1]] ??= {};
        current = into[header[1]];
        continue;
      }
    }
    if (line.startsWith("}")) {
      if (stack.length === 0) throw new KerberosConfigError(`${where}: "}" without an open "{"`);
      current = stack.pop();
      continue;
    }
    if (!current) throw new KerberosConfigError(`${where}: a relation before any [section]`);
    const eq = line.indexOf("=");
    if (eq <= 0) throw new KerberosConfigError(`${where}: expected "tag = value", got "${line}"`);
    const tag = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    current[tag] ??= [];
    if (value === "{") {
      const sub: Section = {};
      current[tag].push(sub);
      stack.push(current);
      current = sub;
    } else {
      current[tag].push(value.replace(/\s*\*$/, "").replace(/^"(.*)"$/, "$1"));
    }
  }
  if (stack.length > 0) throw new KerberosConfigError(`${file}: a "{" is never closed`);
  return into;
}

function includeFiles(kind: string, target: string, from: string, into: Record<string, Section>, depth: number): void {
  if (!path.isAbsolute(target)) throw new KerberosConfigError(`${from}: ${kind} needs an absolute path, got "${target}"`);
  const files = kind === "include"
    ? [target]
    : fs.readdirSync(target).filter((n) => /^[A-Za-z0-9_-]+$/.test(n) || n.endsWith(".conf")).sort().map((n) => path.join(target, n));
  for (const f of files) parseProfile(fs.readFileSync(f, "utf8"), f, into, depth + 1);
}

function first(section: Section | undefined, tag: string): string | undefined {
  const v = section?.[tag]?.[0];
  return typeof v === "string" ? v : undefined;
}

/** "host", "host:port", "[v6]:port", optionally "tcp/" or "udp/" in front (MIT 1.13+). */
export function parseKdcAddress(spec: string): KdcAddress {
  let rest = spec.trim();
  let transport: KdcAddress["transport"];
  const t = /^(tcp|udp)\//i.exec(rest);
  if (t) {
    transport = t[1].toLowerCase() as "tcp" | "udp";
    rest = rest.slice(4);
  }
  if (/^(https?|kkdcp):/i.test(rest)) throw new KerberosConfigError(`KDC "${spec}": MS-KKDCP (HTTPS proxy) KDCs are not supported`);
  let host = rest;
  let port = KDC_PORT;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1];
    if (v6[2]) port = Number(v6[2]);
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon > 0 && rest.indexOf(":") === colon) {
      host = rest.slice(0, colon);
      port = Number(rest.slice(colon + 1));
    }
  }
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) throw new KerberosConfigError(`bad KDC address "${spec}"`);
  return { host, port, transport };
}

/** Turn parsed sections into the client's view. */
function configFromProfile(profile: Record<string, Section>, files: string[]): Krb5Config {
  const lib = profile.libdefaults;
  const realms = new Map<string, RealmConfig>();
  for (const [name, entries] of Object.entries(profile.realms ?? {})) {
    const sec = entries.find((e): e is Section => typeof e !== "string");
    const kdcs = (sec?.kdc ?? []).filter((v): v is string => typeof v === "string").flatMap((v) => v.split(/[\s,]+/).filter(Boolean));
    realms.set(name, { kdcs: kdcs.map(parseKdcAddress) });
  }
  const domainRealm: Array<[string, string]> = [];
  for (const [domain, values] of Object.entries(profile.domain_realm ?? {})) {
    const v = values[0];
    if (typeof v === "string") domainRealm.push([domain.toLowerCase(), v]);
  }
  const num = (tag: string, dflt: number): number => {
    const v = first(lib, tag);
    if (v === undefined) return dflt;
    const m = /^(\d+)\s*(s|m|h)?$/.exec(v); // clockskew may be "300" or "5m"
    if (!m) throw new KerberosConfigError(`[libdefaults] ${tag} = "${v}" is not a number`);
    return Number(m[1]) * (m[2] === "m" ? 60 : m[2] === "h" ? 3600 : 1);
  };
  return {
    files,
    defaultRealm: first(lib, "default_realm"),
    realms,
    domainRealm,
    udpPreferenceLimit: num("udp_preference_limit", DEFAULT_UDP_PREFERENCE_LIMIT),
    clockSkew: num("clockskew", DEFAULT_CLOCKSKEW),
    defaultCcacheName: first(lib, "default_ccache_name"),
  };
}

export function parseKrb5Config(text: string, file = "krb5.conf"): Krb5Config {
  return configFromProfile(parseProfile(text, file), [file]);
}

/** Read KRB5_CONFIG (colon-separated) or /etc/krb5.conf; files that do not exist are skipped. */
export function loadKrb5Config(env: NodeJS.ProcessEnv = process.env): Krb5Config {
  const candidates = (env.KRB5_CONFIG ?? "/etc/krb5.conf").split(":").filter(Boolean);
  const profile: Record<string, Section> = {};
  const read: string[] = [];
  for (const file of candidates) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw new KerberosConfigError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
    // Values from earlier files come first, so their single-valued settings win (MIT semantics).
    const one = parseProfile(text, file);
    for (const [name, sec] of Object.entries(one)) {
      profile[name] ??= {};
      for (const [tag, values] of Object.entries(sec)) profile[name][tag] = [...(profile[name][tag] ?? []), ...values];
    }
    read.push(file);
  }
  return configFromProfile(profile, read);
}

/** The realm krb5.conf(5)'s [domain_realm] maps `host` to: an exact host entry first, then the longest ".domain" suffix. */
export function mappedRealmForHost(cfg: Krb5Config, host: string): string | undefined {
  const h = host.toLowerCase().replace(/\.$/, "");
  const exact = cfg.domainRealm.find(([d]) => d === h);
  if (exact) return exact[1];
  let best: [string, string] | undefined;
  for (const entry of cfg.domainRealm) {
    const d = entry[0];
    if (d.startsWith(".") && (h.endsWith(d) || h === d.slice(1)) && (!best || d.length > best[0].length)) best = entry;
  }
  return best?.[1];
}

/**
 * The realm of `host`: its [domain_realm] mapping; without one, the default realm, and
 * failing that the host's parent domain in upper case (MIT's fallback).
 */
export function realmForHost(cfg: Krb5Config, host: string): string | undefined {
  const mapped = mappedRealmForHost(cfg, host);
  if (mapped) return mapped;
  const h = host.toLowerCase().replace(/\.$/, "");
  if (cfg.defaultRealm) return cfg.defaultRealm;
  const dot = h.indexOf(".");
  return dot > 0 && !/^[\d.]+$/.test(h) ? h.slice(dot + 1).toUpperCase() : undefined;
}

/** The KDCs of `realm`, or a config error that says where we looked. */
export function kdcsForRealm(cfg: Krb5Config, realm: string): KdcAddress[] {
  const r = cfg.realms.get(realm);
  if (!r || r.kdcs.length === 0) {
    const where = cfg.files.length > 0 ? cfg.files.join(", ") : "no krb5.conf found (KRB5_CONFIG, /etc/krb5.conf)";
    throw new KerberosConfigError(
      `no KDC known for realm ${realm}: add "kdc = host" under [realms] ${realm} in krb5.conf (${where}), or give the connection's kdc`,
    );
  }
  return r.kdcs;
}
