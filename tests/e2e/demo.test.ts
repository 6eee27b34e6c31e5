// `npm start`'s main job, run as a user runs it (the compiled demo, real engine,
// three simulated hosts and fs01's real smbd): it must exit 0 and tell the seed's story —
// the seed's Invoke-Command failing with the seed's error, listing the share after up,
// the hop breaking as drift with its link named, failing again after destroy — ending
// with each host identical to its starting state.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { REPO_ROOT, engineEnv } from "../../scripts/engine";

jest.setTimeout(420_000);

it("the demo runs every step and exits 0", () => {
  const env = { ...process.env, NODE_PATH: engineEnv("/nonexistent").NODE_PATH };
  const run = spawnSync(process.execPath, [path.join(REPO_ROOT, "dist", "scripts", "demo.js")], { cwd: REPO_ROOT, env, encoding: "utf8", timeout: 400_000 });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
  // Every step announces itself as [n/N], in order, with one N: nothing hand-counted here.
  const steps = [...run.stdout.matchAll(/^\[(\d+)\/(\d+)\] /gm)].map((m) => [Number(m[1]), Number(m[2])]);
  const total = steps[0]?.[1] ?? 0;
  expect(total).toBeGreaterThanOrEqual(8);
  expect(steps).toEqual(Array.from({ length: total }, (_, i) => [i + 1, total]));
  const step = (n: number) => run.stdout.slice(run.stdout.indexOf(`[${n}/${total}]`), run.stdout.indexOf(`[${n + 1}/${total}]`));
  const seedCommand = "ws01| PS C:\\Users\\admin> Invoke-Command -ComputerName srv01.corp.example.com -ScriptBlock { Get-ChildItem \\\\fs01\\share } -Credential $cred -Authentication CredSSP";
  // The console is 80 columns wide: join its word-wrapped lines to read the error.
  const joined = (text: string) => text.replace(/ *\n {6}ws01\| /g, " ");
  // Before up: the seed's command, the seed's error; the request never reached fs01.
  const before = step(3);
  expect(before).toContain(seedCommand);
  expect(joined(before)).toContain("The WinRM client cannot process the request. A computer policy does not allow the delegation of the user credentials to the target computer");
  expect(before).toContain("+ FullyQualifiedErrorId : -2144108124,PSSessionStateBroken");
  expect(before).toContain("fs01's smbd log: nothing");
  expect(before).toMatch(/missing {2}ws01: AllowFreshCredentialsWhenNTLMOnly has no WSMAN\/srv01/);
  // After up: the same command lists the share, and smbd saw the delegated logon.
  const works = step(5);
  expect(works).toContain(seedCommand);
  expect(works).toMatch(/ws01\| +Directory: \\\\fs01\\share/);
  expect(works).toMatch(/ws01\| -+ +11\/2\/2026 +9:15 AM +29 readme\.txt +srv01/);
  expect(works).toMatch(/fs01's smbd log {2}logon: .*admin with NTLMv2 from workstation SRV01: NT_STATUS_OK/);
  expect(works).not.toContain("not recognized");
  // After up, the hosts' ownership ledgers, read live: ws01's three resources, srv01's one.
  expect(step(4)).toMatch(/ownership ledger \(HKLM\\SOFTWARE\\pulumi-credssp, read live\): ws01 3 owner\(s\), \d+ setting\(s\); srv01 1 owner\(s\), 1 setting\(s\)/);
  // Drift is found by a plain preview (the project option refreshes), and the step says so.
  const drift = step(7);
  expect(drift).toContain("plain pulumi preview (no --refresh)");
  expect(drift).toContain("plain pulumi preview: the project option refresh: always (Pulumi.yaml) reads the hosts first");
  // Drift: the resources and the check name what changed and which link broke.
  expect(run.stdout).toMatch(/ws01-may-delegate\s+update\s+allowFreshCredentialsWhenNTLMOnly/);
  expect(run.stdout).toMatch(/srv01-accepts-credssp\s+update\s+enabled/);
  expect(run.stdout).toMatch(/ws01-srv01-share\s+update\s+works/);
  expect(run.stdout).toContain("DoubleHopCheck ws01-srv01-share: works = false, failingLink = delegation-policy");
  // After destroy the command fails again, and every host is as it was.
  const destroyed = step(total - 1);
  expect(destroyed).toContain(seedCommand);
  expect(destroyed).toContain("+ FullyQualifiedErrorId : -2144108124,PSSessionStateBroken");
  expect(run.stdout.match(/identical/g)).toHaveLength(3);
  // The password is never shown.
  expect(run.stdout).not.toContain("Adm1n!sim-P4ss");
  expect(run.stdout).not.toMatch(/DIFFERENT|FAILED/);
});
