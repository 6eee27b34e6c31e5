// The one way this repository drives a real Pulumi engine: the e2e tests, the
// demo (`npm start`) and the benchmarks all open their stacks through here.
//
// What it sets up, and why:
// - the Pulumi CLI from scripts/pulumi.sh (PATH's when compatible, else the one
//   built from the Go module), handed to the Automation API as a PulumiCommand;
// - an inline program, so no language plugin is needed: the SDK serves the
//   program from this process and the engine connects back with --client;
// - node_modules/@pulumi/pulumi on the engine's PATH, because that folder ships
//   pulumi-resource-pulumi-nodejs, the plugin that runs dynamic providers;
// - NODE_PATH at .tools/node_path, so that plugin's `require("pulumi-credssp")`
//   finds this checkout (a user has the package in node_modules instead);
// - a file backend in a fresh temp folder and a fixed passphrase, so nothing
//   touches ~/.pulumi or a cloud backend;
// - a workDir inside the package root (pulumi/pulumi#5578): the dynamic provider
//   plugin resolves @pulumi/pulumi from the engine's working directory;
// - the project option `refresh: always` (as in the root Pulumi.yaml), so every
//   preview, up and destroy reads the hosts first and plain `preview` shows drift.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  ConfigMap,
  EngineEvent,
  LocalWorkspace,
  ProjectSettings,
  PulumiCommand,
  PulumiFn,
  Stack,
} from "@pulumi/pulumi/automation";
import { deepEqual } from "../provider/src/resources/common";
import { packageRoot } from "../provider/src/plugin/package-root";

/** The checkout's root: the nearest folder above this file whose package.json is ours. */
export const REPO_ROOT: string = packageRoot(__dirname);

/** A fixed passphrase: the stacks here are throwaway and local. */
export const STACK_PASSPHRASE = "pulumi-credssp-local-stacks";

export interface OpenStackOptions {
  projectName: string;
  /** Defaults to "dev". */
  stackName?: string;
  program: PulumiFn;
  /** Stack config, set before the first operation. Mark passwords `secret: true`. */
  config?: ConfigMap;
  /** Reuse a backend folder (e.g. to reopen a stack); a fresh temp folder otherwise. */
  backendDir?: string;
  /**
   * The project's `options.refresh`: "always" (the default, as this project ships it)
   * refreshes before every preview, up and destroy; "default" leaves Pulumi's own
   * default (no refresh unless asked).
   */
  refresh?: "always" | "default";
}

/** The project settings every stack opened here uses: the root Pulumi.yaml's, as an inline program needs them. */
export function projectSettings(name: string, backendUrl: string, refresh: "always" | "default" = "always"): ProjectSettings {
  // `options` is a Pulumi.yaml key the Automation API's type does not list; it is
  // written to the workspace's Pulumi.yaml as given.
  const settings = { name, runtime: "nodejs", backend: { url: backendUrl } } as ProjectSettings & { options?: { refresh: string } };
  if (refresh === "always") settings.options = { refresh: "always" };
  return settings;
}

export interface EngineStack {
  stack: Stack;
  /** The file backend's folder. */
  backendDir: string;
  /** The workspace folder (inside the package root, git-ignored). */
  workDir: string;
  /** The environment every CLI invocation of this stack runs with. */
  env: Record<string, string>;
  /** Removes the workspace and, if this helper created it, the backend folder. */
  dispose(): Promise<void>;
}

let cachedCli: Promise<PulumiCommand> | undefined;

/** The project's Pulumi CLI, resolved once per process. */
export function pulumiCommand(): Promise<PulumiCommand> {
  if (!cachedCli) {
    const cliPath = execFileSync("bash", [path.join(REPO_ROOT, "scripts", "pulumi.sh"), "--print-path"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
    cachedCli = PulumiCommand.get({ root: path.dirname(path.dirname(cliPath)) });
  }
  return cachedCli;
}

/** The environment the engine and its plugins need; see the header comment. */
export function engineEnv(backendDir: string): Record<string, string> {
  const nodePathDir = path.join(REPO_ROOT, ".tools", "node_path");
  fs.mkdirSync(nodePathDir, { recursive: true });
  const link = path.join(nodePathDir, "pulumi-credssp");
  if (!fs.existsSync(link)) fs.symlinkSync(REPO_ROOT, link, "dir");
  const pulumiHome = path.join(REPO_ROOT, ".tools", "pulumi-home");
  fs.mkdirSync(pulumiHome, { recursive: true });
  return {
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: STACK_PASSPHRASE,
    PULUMI_HOME: pulumiHome,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PATH: [path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi"), path.dirname(process.execPath), process.env.PATH ?? ""].join(
      path.delimiter,
    ),
    NODE_PATH: [nodePathDir, process.env.NODE_PATH].filter(Boolean).join(path.delimiter),
  };
}

/** Creates (or selects) a stack running `program` inline through the real engine. */
export async function openStack(opts: OpenStackOptions): Promise<EngineStack> {
  const ownsBackend = opts.backendDir === undefined;
  const backendDir = opts.backendDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-credssp-backend-"));
  const stacksRoot = path.join(REPO_ROOT, ".tools", "stacks");
  fs.mkdirSync(stacksRoot, { recursive: true });
  const workDir = fs.mkdtempSync(path.join(stacksRoot, `${opts.projectName}-`));
  const env = engineEnv(backendDir);
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: opts.projectName, stackName: opts.stackName ?? "dev", program: opts.program },
    {
      workDir,
      pulumiCommand: await pulumiCommand(),
      envVars: env,
      projectSettings: projectSettings(opts.projectName, env.PULUMI_BACKEND_URL, opts.refresh),
    },
  );
  if (opts.config) await stack.setAllConfig(opts.config);
  return {
    stack,
    backendDir,
    workDir,
    env,
    async dispose() {
      fs.rmSync(workDir, { recursive: true, force: true });
      if (ownsBackend) fs.rmSync(backendDir, { recursive: true, force: true });
    },
  };
}

/** What one resource's planned step changes, by top-level input property. */
export interface PlannedChange {
  /** The resource's name (last URN segment). */
  name: string;
  type: string;
  op: string;
  /** Input properties whose old (refreshed) and new values differ. */
  properties: string[];
}

/**
 * The engine leaves `diffs`/`detailedDiff` empty for dynamic providers, whose Diff
 * returns no per-property detail; its own display compares the step's old and new
 * inputs, hiding keys that start with "__" (internal: `__provider`, our `__owner`).
 * We do the same, so tests and the demo name drifted properties exactly as
 * `pulumi preview --diff` shows them.
 */
export function plannedChanges(events: EngineEvent[]): PlannedChange[] {
  const changes: PlannedChange[] = [];
  for (const event of events) {
    const step = event.resourcePreEvent?.metadata;
    if (!step || step.op === "same" || step.op === "refresh" || step.op === "read") continue;
    if (step.type === "pulumi:pulumi:Stack" || step.type.startsWith("pulumi:providers:")) continue;
    const olds = step.old?.inputs ?? {};
    const news = step.new?.inputs ?? {};
    const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((k) => !k.startsWith("__"));
    const properties = keys.filter((k) => !deepEqual(olds[k], news[k])).sort();
    changes.push({ name: step.urn.split("::").pop() ?? step.urn, type: step.type, op: step.op, properties });
  }
  return changes;
}
