// A client nobody here wrote: pywinrm 0.5 (the peers' virtualenv) runs the seed guide's
// PowerShell on simulated ws01 with its own run_ps, verbatim — the hosts carry the seed's
// names, Server01 and FileServer. Before `up` it fails with the seed's error; after `up`
// (the example program through the real engine) it lists \\FileServer\Share; after
// `destroy` it fails again.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { doubleHop } from "../../examples/double-hop/program";
import { HostDirectory } from "../../simulator/src";
import { seedHalfSetup } from "../../scripts/demo-hop";
import { tearDown } from "./support/teardown";
import { EngineStack, openStack } from "../../scripts/engine";
import { ADMIN, FleetHost, startFleetHost } from "../../testkit/fleet";
import { peerVersions, runPeerScript } from "../peers/peers";

jest.setTimeout(300_000);

// The seed guide's lines, verbatim (its `$cred = Get-Credential` made without a prompt).
const CRED = `$cred = New-Object System.Management.Automation.PSCredential('${ADMIN.name}', (ConvertTo-SecureString '${ADMIN.password}' -AsPlainText -Force))`;
const SEED = "Invoke-Command -ComputerName Server01 -ScriptBlock { Get-ChildItem \\\\FileServer\\Share } -Credential $cred -Authentication CredSSP";
const SEED_SESSION = [
  "$session = New-PSSession -ComputerName Server01 -Credential $cred -Authentication CredSSP",
  "Invoke-Command -Session $session -ScriptBlock {",
  "# This second hop will now work",
  "Get-ChildItem \\\\FileServer\\Share",
  "}",
  "Remove-PSSession $session",
].join("\n");

let hosts: FleetHost[] = [];
let shareDir: string;
let engine: EngineStack | undefined;

async function pywinrmRunPs(script: string): Promise<{ stdout: string; stderr: string; rc: number }> {
  const r = await runPeerScript("pywinrm_run_ps.py", [hosts[0].sim.httpUrl!, ADMIN.name], { PEER_PASSWORD: ADMIN.password, PEER_SCRIPT: script }, 120_000);
  if (r.code !== 0) throw new Error(`pywinrm_run_ps.py failed (${r.code}): ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout) as { stdout: string; stderr: string; rc: number };
}

/** pywinrm hands back the console's lines; join the 79-column wrapping to read a sentence. */
const unwrapped = (s: string) => s.replace(/\r?\n/g, "\n").replace(/ \n/g, " ");

const SEED_ERROR = "[Server01] Connecting to remote server Server01 failed with the following error message : The WinRM client cannot process the request. A computer policy does not allow the delegation of the user credentials to the target computer";

beforeAll(async () => {
  shareDir = fs.mkdtempSync(path.join(os.tmpdir(), "fileserver-share-"));
  fs.writeFileSync(path.join(shareDir, "files.csv"), "name\r\nquarterly.xlsx\r\n");
  fs.mkdirSync(path.join(shareDir, "Archive"));
  const directory = new HostDirectory();
  hosts = [
    await startFleetHost("ws01.corp.test", { directory }),
    await startFleetHost("server01.corp.test", { directory }),
    await startFleetHost("fileserver.corp.test", { directory, shares: { Share: shareDir } }),
  ];
  // Where the seed guide leaves the client: its step 2 and the TrustedHosts line, done.
  await seedHalfSetup(hosts[0], "corp.test", "Server01");
});

afterAll(() => tearDown(engine, hosts, shareDir));

test("the referee is pywinrm 0.5, from the pinned virtualenv", () => {
  expect(peerVersions().pywinrm).toBe("0.5.0");
});

test("before up: the seed's Invoke-Command fails with the seed's error", async () => {
  const r = await pywinrmRunPs(`${CRED}\n${SEED}`);
  expect(r.rc).toBe(1);
  expect(r.stdout).toBe("");
  expect(unwrapped(r.stderr)).toContain(SEED_ERROR);
  expect(r.stderr).toContain("+ FullyQualifiedErrorId : -2144108124,PSSessionStateBroken");
});

test("after up (the example through the engine): the same command lists \\\\FileServer\\Share from Server01", async () => {
  const [ws01, server01] = hosts;
  engine = await openStack({
    projectName: "e2e-pywinrm-seed",
    program: async () =>
      doubleHop({
        ws01: { fqdn: "ws01.corp.test", connection: ws01.connection },
        srv01: { fqdn: "Server01", connection: server01.connection },
        secondHop: { path: "\\\\FileServer\\Share" },
      }),
  });
  const up = await engine.stack.up({ color: "never" });
  expect(up.summary.result).toBe("succeeded");
  expect(up.outputs.doubleHopWorks.value).toBe(true);

  const r = await pywinrmRunPs(`${CRED}\n${SEED}`);
  expect({ rc: r.rc, stderr: r.stderr }).toEqual({ rc: 0, stderr: "" });
  expect(r.stdout).toContain("    Directory: \\\\FileServer\\Share\r\n");
  expect(r.stdout).toMatch(/\r\nd-{5} .* Archive +Server01\r\n/);
  expect(r.stdout).toMatch(/\r\n-{6} .* 22 files\.csv +Server01\r\n/);
});

test("the seed's New-PSSession / Invoke-Command -Session / Remove-PSSession form works too", async () => {
  const r = await pywinrmRunPs(`${CRED}\n${SEED_SESSION}`);
  expect({ rc: r.rc, stderr: r.stderr }).toEqual({ rc: 0, stderr: "" });
  expect(r.stdout).toMatch(/files\.csv +Server01\r\n/);
});

test("after destroy: the seed's error again", async () => {
  const down = await engine!.stack.destroy({ color: "never" });
  expect(down.summary.result).toBe("succeeded");
  const r = await pywinrmRunPs(`${CRED}\n${SEED}`);
  expect(r.rc).toBe(1);
  expect(unwrapped(r.stderr)).toContain(SEED_ERROR);
});
