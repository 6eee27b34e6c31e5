// The simulated host's Windows state (WSMan config + registry + TLS identity) and its
// crash-safe persistence.
//
// Every mutation is written through synchronously: temp file in the same directory,
// fsync, rename over the old file, fsync the directory. rename(2) is atomic, so a kill -9
// at any instant leaves either the previous file or the new one, never a torn one.

import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigTree, defaultConfig, normaliseValue, resolveSchemaPath } from "./config-schema";
import { defaultRegistry, Hive, Registry, RegistryData } from "./registry";

export interface TlsMaterial {
  certPem: string;
  keyPem: string;
}

interface PersistedState {
  version: 1;
  config: ConfigTree;
  registry: RegistryData;
  tls?: TlsMaterial;
  /** The key pair inside CredSSP (Windows makes a self-signed one for it, apart from the listener's). */
  credsspTls?: TlsMaterial;
}

export class StateError extends Error {
  constructor(
    readonly code: "SIM_STATE_PATH" | "SIM_STATE_VALUE" | "SIM_STATE_FILE",
    message: string,
    /** The WSMan setting concerned, when there is one. */
    readonly setting?: string,
  ) {
    super(message);
  }
}

export class SimState {
  readonly registry: Registry;
  private config: ConfigTree;
  tls?: TlsMaterial;
  credsspTls?: TlsMaterial;
  /** Number of successful writes to the state file (for tests and diagnostics). */
  writes = 0;

  constructor(private readonly stateFile?: string) {
    if (stateFile) removeStaleTemps(stateFile);
    const loaded = stateFile ? SimState.load(stateFile) : undefined;
    this.config = loaded?.config ?? defaultConfig();
    this.tls = loaded?.tls;
    this.credsspTls = loaded?.credsspTls;
    this.registry = new Registry(loaded?.registry ?? defaultRegistry(), () => this.save());
  }

  private static load(file: string): PersistedState | undefined {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new StateError("SIM_STATE_FILE", `cannot read state file ${file}: ${(err as Error).message}`);
    }
    try {
      const parsed = JSON.parse(text) as PersistedState;
      // Merge onto defaults so a file written by an older simulator still has every setting.
      const config = mergeConfig(defaultConfig(), parsed.config ?? {});
      return { version: 1, config, registry: parsed.registry ?? defaultRegistry(), tls: parsed.tls, credsspTls: parsed.credsspTls };
    } catch (err) {
      throw new StateError("SIM_STATE_FILE", `state file ${file} is not valid JSON: ${(err as Error).message}`);
    }
  }

  /** Read a WSMan setting by path, e.g. "Client/TrustedHosts". Undefined for unknown paths/containers. */
  getConfig(p: string): string | undefined {
    const resolved = resolveSchemaPath(p);
    if (!resolved || !resolved.type) return undefined;
    let node: ConfigTree | string = this.config;
    for (const n of resolved.names) node = (node as ConfigTree)[n];
    return typeof node === "string" ? node : undefined;
  }

  /** Write a WSMan setting, validating it like Windows would. Throws StateError. */
  setConfig(p: string, value: string): void {
    this.setConfigMany([[p, value]]);
  }

  /** Validate all, then apply all and persist once (a Put is all-or-nothing). */
  setConfigMany(entries: Array<[string, string]>): void {
    const planned: Array<[string[], string]> = [];
    for (const [p, value] of entries) {
      const resolved = resolveSchemaPath(p);
      if (!resolved || !resolved.type) throw new StateError("SIM_STATE_PATH", `unknown WSMan setting ${p}`, p);
      const norm = normaliseValue(resolved.type, value);
      if (norm === undefined) throw new StateError("SIM_STATE_VALUE", `invalid value for ${resolved.names.join("/")}`, resolved.names.join("/"));
      planned.push([resolved.names, norm]);
    }
    for (const [names, v] of planned) {
      let node = this.config;
      for (const n of names.slice(0, -1)) node = node[n] as ConfigTree;
      node[names[names.length - 1]] = v;
    }
    if (planned.length > 0) this.save();
  }

  /** A deep copy of the config subtree at `names` (canonical), or the whole tree. */
  configTree(names: string[] = []): ConfigTree {
    let node: ConfigTree = this.config;
    for (const n of names) node = node[n] as ConfigTree;
    return JSON.parse(JSON.stringify(node)) as ConfigTree;
  }

  /** Deep-copied JSON of config + registry, for equality checks. */
  snapshot(): { config: ConfigTree; registry: RegistryData } {
    return { config: this.configTree(), registry: this.registry.toJSON() };
  }

  setTls(tls: TlsMaterial): void {
    this.tls = tls;
    this.save();
  }

  setCredsspTls(tls: TlsMaterial): void {
    this.credsspTls = tls;
    this.save();
  }

  /** Persist now (no-op without a state file). */
  save(): void {
    if (!this.stateFile) return;
    const data: PersistedState = { version: 1, ...this.snapshot(), tls: this.tls, credsspTls: this.credsspTls };
    writeFileAtomic(this.stateFile, JSON.stringify(data, null, 1));
    this.writes++;
  }
}

function mergeConfig(base: ConfigTree, over: ConfigTree): ConfigTree {
  for (const [k, v] of Object.entries(base)) {
    const o = over[k];
    if (o === undefined) continue;
    if (typeof v === "string") {
      if (typeof o === "string") base[k] = o;
    } else if (typeof o === "object") {
      mergeConfig(v, o);
    }
  }
  return base;
}

let tmpCounter = 0;

/** A kill -9 between write and rename leaves a temp file behind; it never holds the live state. */
function removeStaleTemps(file: string): void {
  const dir = path.dirname(path.resolve(file));
  const prefix = `.${path.basename(file)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (n.startsWith(prefix) && n.endsWith(".tmp")) fs.rmSync(path.join(dir, n), { force: true });
  }
}

export function writeFileAtomic(file: string, content: string): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${++tmpCounter}.tmp`);
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  // Make the rename itself durable.
  try {
    const dfd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}

export type { Hive };
