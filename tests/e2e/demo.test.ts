// `npm start`'s main job, run as a user runs it (the compiled demo, real engine,
// three simulated hosts): it must exit 0 and show every step, ending with each host
// identical to its starting state.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { REPO_ROOT, engineEnv } from "../../scripts/engine";

jest.setTimeout(240_000);

it("the demo runs every step and exits 0", () => {
  const env = { ...process.env, NODE_PATH: engineEnv("/nonexistent").NODE_PATH };
  const run = spawnSync(process.execPath, [path.join(REPO_ROOT, "dist", "scripts", "demo.js")], { cwd: REPO_ROOT, env, encoding: "utf8", timeout: 230_000 });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
  // Every step announces itself as [n/N], in order, with one N: nothing hand-counted here.
  const steps = [...run.stdout.matchAll(/^\[(\d+)\/(\d+)\] /gm)].map((m) => [Number(m[1]), Number(m[2])]);
  const total = steps[0]?.[1] ?? 0;
  expect(total).toBeGreaterThanOrEqual(8);
  expect(steps).toEqual(Array.from({ length: total }, (_, i) => [i + 1, total]));
  expect(run.stdout).toMatch(/missing {2}ws01: Client\/Auth\/CredSSP is false/);
  expect(run.stdout).toMatch(/ws01-offers-credssp\s+update\s+enabled/);
  expect(run.stdout.match(/identical/g)).toHaveLength(3);
  expect(run.stdout).not.toMatch(/DIFFERENT|FAILED/);
});
