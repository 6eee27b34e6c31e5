// The provider plugin for tests that run programs through it: the tarball `npm run -s
// plugin` builds (rebuilt when the compiled code, schema or lockfile is newer), and a
// throwaway engine environment with that tarball installed by `pulumi plugin install`,
// exactly as a user installs it.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildPlugin, pluginTarballName } from "../scripts/build-plugin";
import { engineEnv, pulumiCommand, REPO_ROOT } from "../scripts/engine";

/** The package version: the plugin's, and the one the generated SDKs ask the engine for. */
export const PLUGIN_VERSION: string = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;

function newestMtime(entry: string): number {
  const st = fs.statSync(entry);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(entry).map((e) => newestMtime(path.join(entry, e))));
}

/** What the tarball is made of; it is rebuilt when any of these is newer. */
const INPUTS = ["dist/provider/src", "schema.json", "package.json", "package-lock.json"];

/**
 * The plugin tarball, built if missing or stale. Jest runs test files in parallel
 * workers, so the build holds a lock folder; a lock older than 10 minutes is stale.
 */
export async function pluginTarball(): Promise<string> {
  const tarball = path.join(REPO_ROOT, "dist", pluginTarballName(PLUGIN_VERSION));
  const lock = `${tarball}.lock`;
  const fresh = () => fs.existsSync(tarball) && fs.statSync(tarball).mtimeMs >= Math.max(...INPUTS.map((i) => newestMtime(path.join(REPO_ROOT, i))));
  for (const started = Date.now(); ; ) {
    if (fresh()) return tarball;
    try {
      fs.mkdirSync(lock);
    } catch {
      if (Date.now() - fs.statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 600_000) fs.rmSync(lock, { recursive: true, force: true });
      if (Date.now() - started > 900_000) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    try {
      if (!fresh()) buildPlugin();
      return tarball;
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }
}

export interface PluginEngine {
  /** A fresh temp folder: backend/, home/ (PULUMI_HOME, plugin installed) and work/. */
  root: string;
  backendDir: string;
  workDir: string;
  /** The environment the CLI and the Automation API of every language run with. */
  env: Record<string, string>;
  /** The CLI's install root (its bin/ holds pulumi and pulumi-language-yaml). */
  pulumiRoot: string;
  dispose(): void;
}

/** A file backend and a PULUMI_HOME of their own, with the plugin tarball installed in it. */
export async function pluginEngine(): Promise<PluginEngine> {
  const tarball = await pluginTarball();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "credssp-plugin-engine-"));
  const backendDir = path.join(root, "backend");
  const workDir = path.join(root, "work");
  const home = path.join(root, "home");
  for (const d of [backendDir, workDir, home]) fs.mkdirSync(d);
  const env = { ...engineEnv(backendDir), PULUMI_HOME: home };
  const cli = (await pulumiCommand()).command;
  execFileSync(cli, ["plugin", "install", "resource", "credssp", PLUGIN_VERSION, "--file", tarball], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return {
    root,
    backendDir,
    workDir,
    env,
    pulumiRoot: path.dirname(path.dirname(cli)),
    dispose: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** Where the plugin keeps a stack's state at rest (to check secrets are encrypted there). */
export function storedState(backendDir: string, project: string, stack = "dev"): string {
  return fs.readFileSync(path.join(backendDir, ".pulumi", "stacks", project, `${stack}.json`), "utf8");
}
