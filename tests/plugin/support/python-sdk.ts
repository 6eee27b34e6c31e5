// The generated Python SDK installed as a user installs it (pip, from sdk/python) into a
// throwaway folder, with the Python of the pinned peers' virtualenv (scripts/lib.sh
// makes it; tests/plugin/python/requirements.txt adds Pulumi's SDK to it).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../../scripts/engine";

export const PYTHON = path.join(REPO_ROOT, ".tools", "peers-venv", "bin", "python");

export interface PythonSdk {
  /** For PYTHONPATH: holds pulumi_credssp and its package metadata (its version comes from there). */
  lib: string;
  dispose(): void;
}

export function installPythonSdk(): PythonSdk {
  // `npm test` makes the virtualenv; a jest run on its own may not have.
  execFileSync("bash", ["-c", "source scripts/lib.sh && ensure_peers_venv"], { cwd: REPO_ROOT, stdio: ["ignore", "inherit", "inherit"] });
  // pip builds in the source folder, so it builds a copy.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "credssp-python-sdk-"));
  const source = path.join(root, "source");
  fs.cpSync(path.join(REPO_ROOT, "sdk", "python"), source, { recursive: true });
  const lib = path.join(root, "lib");
  execFileSync(PYTHON, ["-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--no-build-isolation", "--target", lib, source], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return { lib, dispose: () => fs.rmSync(root, { recursive: true, force: true }) };
}
