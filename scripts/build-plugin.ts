// `npm run -s plugin`: builds dist/pulumi-resource-credssp-v<version>-linux-amd64.tar.gz,
// the provider plugin in the layout `pulumi plugin install resource credssp <version>
// --file <tarball>` unpacks into the plugin folder:
//
//   pulumi-resource-credssp   launcher: runs package/dist/provider/src/plugin/main.js with `node`
//   package/                  this npm package, exactly the files `npm pack` ships
//   package/node_modules/     its runtime dependencies, @pulumi/pulumi included (a peer for
//                             npm users, but the plugin has no program to borrow it from)
//
// Everything comes from this checkout and its node_modules: no network, no global
// install. The runtime dependency set is read from package-lock.json: the packages
// reachable from our dependencies and peers through their own dependencies, each
// copied from where npm placed it. Prints the tarball's path on stdout.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "./engine";

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  link?: boolean;
}

interface Manifest extends LockEntry {
  name: string;
  version: string;
}

export const PLUGIN_NAME = "pulumi-resource-credssp";

function manifest(): Manifest {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as Manifest;
}

/** The tarball's file name for this package version. */
export function pluginTarballName(version = manifest().version): string {
  return `${PLUGIN_NAME}-v${version}-linux-amd64.tar.gz`;
}

/** What a package needs at run time: dependencies, optional ones, and non-optional peers. */
function runtimeDeps(entry: LockEntry): { name: string; optional: boolean }[] {
  const out = [
    ...Object.keys(entry.dependencies ?? {}).map((name) => ({ name, optional: false })),
    ...Object.keys(entry.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
  ];
  for (const name of Object.keys(entry.peerDependencies ?? {})) {
    if (!entry.peerDependenciesMeta?.[name]?.optional) out.push({ name, optional: false });
  }
  return out;
}

/**
 * The lockfile locations (`node_modules/…`) of every package our code can load at run
 * time, resolved as Node does: from the requiring package's folder upwards.
 */
export function runtimeClosure(lock: { packages: Record<string, LockEntry> }, root: LockEntry): string[] {
  const found = new Set<string>();
  const resolve = (from: string, name: string): string | undefined => {
    let dir = from;
    for (;;) {
      const candidate = dir === "" ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
      if (lock.packages[candidate]) return candidate;
      if (dir === "") return undefined;
      const i = dir.lastIndexOf("/node_modules/");
      dir = i < 0 ? "" : dir.slice(0, i);
    }
  };
  const visit = (from: string, entry: LockEntry) => {
    for (const dep of runtimeDeps(entry)) {
      const at = resolve(from, dep.name);
      if (at === undefined) {
        if (dep.optional) continue;
        throw new Error(`package-lock.json has no ${dep.name} reachable from ${from || "the root"}`);
      }
      if (found.has(at)) continue;
      found.add(at);
      visit(at, lock.packages[at]);
    }
  };
  visit("", root);
  return [...found].sort();
}

/** Copies a package folder without its nested node_modules (those are entries of their own). */
function copyPackage(from: string, to: string): void {
  fs.cpSync(from, to, {
    recursive: true,
    dereference: true,
    filter: (src) => path.relative(from, src).split(path.sep)[0] !== "node_modules",
  });
}

const LAUNCHER = `#!/bin/sh
# ${PLUGIN_NAME}: the pulumi-credssp provider plugin. The engine starts this file;
# it runs the package's Node code shipped beside it (Node.js 20 or newer on PATH).
dir=$(cd "$(dirname "$0")" && pwd -P)
if ! command -v node >/dev/null 2>&1; then
  echo "${PLUGIN_NAME}: Node.js (20 or newer) must be on PATH" >&2
  exit 1
fi
exec node "$dir/package/dist/provider/src/plugin/main.js" "$@"
`;

/** Builds the plugin tarball into `outDir` (dist/ by default) and returns its path. */
export function buildPlugin(outDir = path.join(REPO_ROOT, "dist")): string {
  const pkg = manifest();
  const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), "credssp-plugin-"));
  try {
    // The package: the files `npm pack` would publish (its own rules: "files", README, package.json).
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
    ) as { files: { path: string }[] }[];
    const pkgDir = path.join(stage, "package");
    for (const f of packed[0].files) {
      fs.mkdirSync(path.dirname(path.join(pkgDir, f.path)), { recursive: true });
      fs.copyFileSync(path.join(REPO_ROOT, f.path), path.join(pkgDir, f.path));
    }
    for (const at of runtimeClosure(lock, { dependencies: pkg.dependencies, peerDependencies: pkg.peerDependencies })) {
      copyPackage(path.join(REPO_ROOT, at), path.join(pkgDir, at));
    }
    fs.writeFileSync(path.join(stage, PLUGIN_NAME), LAUNCHER, { mode: 0o755 });
    fs.mkdirSync(outDir, { recursive: true });
    const tarball = path.join(outDir, pluginTarballName(pkg.version));
    const partial = `${tarball}.partial`;
    execFileSync("tar", ["-C", stage, "--owner=0", "--group=0", "--numeric-owner", "-czf", partial, "."], { stdio: "inherit" });
    fs.renameSync(partial, tarball);
    return tarball;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const started = Date.now();
  const tarball = buildPlugin();
  const mb = (fs.statSync(tarball).size / 1024 / 1024).toFixed(1);
  process.stderr.write(`built ${path.relative(REPO_ROOT, tarball)} (${mb} MiB) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`${tarball}\n`);
}
