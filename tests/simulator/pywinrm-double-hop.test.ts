// pywinrm (a client nobody here wrote) runs the seed's PowerShell on simulated ws01 with
// run_ps: -EncodedCommand, and the error stream as CLIXML that pywinrm decodes itself.
// The hosts carry the seed's own names, so its commands run verbatim.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SimHost, startHosts } from "../../simulator/src/index";
import { CREDENTIALS_DELEGATION } from "../../simulator/src/delegation-decision";
import { runPython } from "./support/raw";

const SCRIPT = path.join(__dirname, "py", "run_ps.py");
const ADMIN = { name: "admin", password: "Adm1n!sim-P4ss", admin: true };
const CRED = `$cred = New-Object System.Management.Automation.PSCredential('admin', (ConvertTo-SecureString '${ADMIN.password}' -AsPlainText -Force))`;
// The seed guide's command, verbatim.
const SEED = "Invoke-Command -ComputerName Server01 -ScriptBlock { Get-ChildItem \\\\FileServer\\Share } -Credential $cred -Authentication CredSSP";

let hosts: SimHost[];
let shareDir: string;

async function runPs(h: SimHost, script: string): Promise<{ stdout: string; stderr: string; rc: number }> {
  const env = { SIM_PASSWORD: ADMIN.password, SIM_SCRIPT: script };
  const prev = { ...process.env };
  Object.assign(process.env, env);
  try {
    const r = await runPython(SCRIPT, [h.httpUrl!, ADMIN.name], 90_000);
    if (r.code !== 0) throw new Error(`run_ps.py failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as { stdout: string; stderr: string; rc: number };
  } finally {
    for (const k of Object.keys(env)) if (prev[k] === undefined) delete process.env[k];
  }
}

beforeAll(async () => {
  shareDir = fs.mkdtempSync(path.join(os.tmpdir(), "fileserver-share-"));
  fs.writeFileSync(path.join(shareDir, "files.txt"), "x\r\n");
  hosts = await startHosts([
    { hostname: "ws01.corp.test", users: [ADMIN] },
    { hostname: "server01.corp.test", users: [ADMIN] },
    { hostname: "fileserver.corp.test", users: [ADMIN], shares: { Share: shareDir } },
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all((hosts ?? []).map((h) => h.stop()));
  fs.rmSync(shareDir, { recursive: true, force: true });
});

test("a fresh ws01: CredSSP is disabled in its client configuration", async () => {
  const r = await runPs(hosts[0], `${CRED}; ${SEED}`);
  expect(r.rc).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr.replace(/ \n/g, " ")).toMatch(
    /^\[Server01\] Connecting to remote server Server01 failed with the following error message : The WinRM client cannot process the request\. CredSSP authentication is currently disabled in the client configuration\./,
  );
});

test("client CredSSP on and Server01 trusted, but no delegation policy: the seed's error", async () => {
  const ws01 = hosts[0];
  ws01.state.setConfig("Client/Auth/CredSSP", "true");
  ws01.state.setConfig("Client/TrustedHosts", "Server01");
  const r = await runPs(ws01, `${CRED}; ${SEED}`);
  const text = r.stderr.replace(/ \n/g, " ");
  expect(text).toContain(
    "[Server01] Connecting to remote server Server01 failed with the following error message : The WinRM client cannot process the request. A computer policy does not allow the delegation of the user credentials to the target computer",
  );
  expect(text).toContain("winrm set winrm/config/service '@{CertificateThumbprint=\"<thumbprint>\"}'");
  expect(text).toContain("+ FullyQualifiedErrorId : -2144108124,PSSessionStateBroken");
  expect(r.rc).toBe(1);
});

test("with WSMAN/Server01 allowed: first Server01's refusal, then, with CredSSP on there, the share listed through the double hop", async () => {
  const ws01 = hosts[0];
  ws01.state.registry.set("HKLM", CREDENTIALS_DELEGATION, "AllowFreshCredentialsWhenNTLMOnly", "REG_DWORD", 1);
  ws01.state.registry.set("HKLM", `${CREDENTIALS_DELEGATION}\\AllowFreshCredentialsWhenNTLMOnly`, "1", "REG_SZ", "wsman/Server01");
  // Server01 does not accept CredSSP yet: the server's refusal.
  let r = await runPs(ws01, `${CRED}; ${SEED}`);
  expect(r.stderr.replace(/ \n/g, " ")).toContain("The authentication mechanism requested by the client is not supported by the server");
  hosts[1].state.setConfig("Service/Auth/CredSSP", "true");
  const smbFrom = hosts[2].smb!.log().length;
  r = await runPs(ws01, `${CRED}; ${SEED}`);
  expect({ stderr: r.stderr, rc: r.rc }).toEqual({ stderr: "", rc: 0 });
  expect(r.stdout).toContain("    Directory: \\\\FileServer\\Share\r\n");
  expect(r.stdout).toMatch(/files\.txt +Server01\r\n/);
  // FileServer's smbd: admin logged on with a password, from Server01.
  expect(hosts[2].smb!.log().slice(smbFrom)).toMatch(/Auth: .*\[admin\] .* with \[NTLMv2\] status \[NT_STATUS_OK\] workstation \[SERVER01\]/);
  hosts[1].state.setConfig("Service/Auth/CredSSP", "false");
});

test("Negotiate from ws01 to Server01 works, and the share behind it is the double hop that fails", async () => {
  const r = await runPs(hosts[0], `${CRED}; Invoke-Command -ComputerName Server01 -Credential $cred -ScriptBlock { hostname; Test-Path \\\\FileServer\\Share }`);
  expect(r.stdout).toBe("server01\r\n");
  expect(r.stderr.replace(/ \n/g, " ")).toMatch(/^Access is denied\n    \+ CategoryInfo          : PermissionDenied: \(\\\\FileServer\\Share:String\)/);
  expect(r.stderr).toContain("+ PSComputerName        : Server01");
});
