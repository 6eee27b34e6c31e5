// Three simulated hosts in one process: ws01 (the admin's workstation), srv01 (the first
// hop), fs01 (a real Samba file server behind \\fs01\share). Driven the way an admin
// drives Windows: PowerShell command lines over WinRM (our wire's NTLM client here;
// pywinrm in pywinrm-double-hop.test.ts).

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SimHost, startHosts } from "../../simulator/src/index";
import { WinRMClient } from "../../provider/src/winrm";
import { CREDENTIALS_DELEGATION } from "../../simulator/src/delegation-decision";
import { runPeerScript } from "../peers/peers";

const ADMIN = { name: "admin", password: "Adm1n!sim-P4ss", admin: true };
let hosts: SimHost[];
let ws01: SimHost;
let shareDir: string;

function client(h: SimHost): WinRMClient {
  return new WinRMClient({ host: "127.0.0.1", port: Number(new URL(h.httpUrl!).port), auth: "ntlm", username: ADMIN.name, password: ADMIN.password, timeoutMs: 90_000 });
}

/** Joins the console's word-wrapped lines (a wrapped line ends in the space it broke at). */
const unwrap = (s: string) => s.replace(/\r\n/g, "\n").replace(/ \n/g, " ");

async function ps(h: SimHost, script: string): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const c = client(h);
  try {
    return await c.runCommand("powershell.exe", ["-NoProfile", "-NonInteractive", "-Command", script]);
  } finally {
    await c.close();
  }
}

beforeAll(async () => {
  shareDir = fs.mkdtempSync(path.join(os.tmpdir(), "fs01-share-"));
  fs.writeFileSync(path.join(shareDir, "readme.txt"), "hello from fs01\r\nsecond line\r\n");
  fs.writeFileSync(path.join(shareDir, "budget.csv"), "a,b\n1,2\n");
  fs.mkdirSync(path.join(shareDir, "reports"));
  fs.utimesSync(path.join(shareDir, "readme.txt"), new Date("2026-11-25T13:02:00Z"), new Date("2026-11-25T13:02:00Z"));
  hosts = await startHosts([
    { hostname: "ws01.corp.test", users: [ADMIN] },
    { hostname: "srv01.corp.test", users: [ADMIN], https: "127.0.0.1:0" },
    { hostname: "fs01.corp.test", users: [ADMIN], shares: { share: shareDir } },
  ]);
  ws01 = hosts[0];
  ws01.state.setConfig("Client/TrustedHosts", "*.corp.test");
}, 60_000);

afterAll(async () => {
  await Promise.all((hosts ?? []).map((h) => h.stop()));
  fs.rmSync(shareDir, { recursive: true, force: true });
});

test("fs01 runs a real smbd on loopback; the ready-line info names it", () => {
  const fs01 = hosts[2];
  expect(fs01.smb).toMatchObject({ host: "127.0.0.1" });
  expect(hosts[0].smb).toBeUndefined();
});

test("hostname and whoami in PowerShell", async () => {
  const r = await ps(ws01, "hostname; whoami");
  expect(r).toEqual({ stdout: "ws01\r\nws01\\admin\r\n", stderr: "", exitCode: 0 });
});

test("fs01 lists its own share as a local folder, in PowerShell's table", async () => {
  const r = await ps(hosts[2], "Get-ChildItem C:\\Shares\\share");
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain("\r\n\r\n    Directory: C:\\Shares\\share\r\n\r\n\r\nMode                LastWriteTime         Length Name\r\n----                -------------         ------ ----\r\n");
  expect(r.stdout).toContain("-a----       11/25/2026   1:02 PM             30 readme.txt\r\n");
  expect(r.stdout.indexOf("reports")).toBeLessThan(r.stdout.indexOf("budget.csv"));
});

test("the first hop's own UNC access has no credentials: Access is denied, then Cannot find path", async () => {
  const r = await ps(ws01, "Get-ChildItem \\\\fs01.corp.test\\share");
  expect(r.exitCode).toBe(1);
  expect(r.stdout).toBe("");
  // Wrapped at 79 columns as the WinRM console does, CategoryInfo split by the error view.
  expect(r.stderr).toBe(
    [
      "Get-ChildItem : Access is denied",
      "At line:1 char:1",
      "+ Get-ChildItem \\\\fs01.corp.test\\share",
      "+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
      "    + CategoryInfo          : PermissionDenied: (\\\\fs01.corp.test\\share:String ",
      "   ) [Get-ChildItem], UnauthorizedAccessException",
      "    + FullyQualifiedErrorId : ItemExistsUnauthorizedAccessError,Microsoft.Powe ",
      "   rShell.Commands.GetChildItemCommand",
      " ",
      "Get-ChildItem : Cannot find path '\\\\fs01.corp.test\\share' because it does not ",
      "exist.",
      "At line:1 char:1",
      "+ Get-ChildItem \\\\fs01.corp.test\\share",
      "+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
      "    + CategoryInfo          : ObjectNotFound: (\\\\fs01.corp.test\\share:String)  ",
      "   [Get-ChildItem], ItemNotFoundException",
      "    + FullyQualifiedErrorId : PathNotFound,Microsoft.PowerShell.Commands.GetCh ",
      "   ildItemCommand",
      " ",
      "",
    ].join("\r\n"),
  );
});

test("$env:NAME reads the shell's environment, as the WinRM client set it at Create (ours, and pywinrm 0.5's env_vars)", async () => {
  const c = client(ws01);
  try {
    const script = '$x = $env:Check_Value; $x; "[$ENV:check_value]"; $env:Missing';
    const r = await c.runCommand("powershell.exe", ["-NoProfile", "-EncodedCommand", Buffer.from(script, "utf16le").toString("base64")], {
      environment: { CHECK_VALUE: "it's <here> & there" },
    });
    expect(r).toEqual({ stdout: "it's <here> & there\r\n[it's <here> & there]\r\n", stderr: "", exitCode: 0 });
  } finally {
    await c.close();
  }
  const peer = await runPeerScript("pywinrm_env.py", [ws01.httpUrl!, ADMIN.name, "powershell", "-Command", "$env:FROM_PYWINRM"], {
    PEER_PASSWORD: ADMIN.password,
    PEER_ENV: JSON.stringify({ FROM_PYWINRM: "set by pywinrm" }),
  });
  expect(peer.code).toBe(0);
  expect(JSON.parse(peer.stdout)).toEqual({ stdout: "set by pywinrm\r\n", stderr: "", rc: 0 });
});

test("unknown commands get PowerShell's own not-recognized error", async () => {
  const r = await ps(ws01, "Get-Date");
  expect(r.exitCode).toBe(1);
  expect(unwrap(r.stderr)).toMatch(
    /^Get-Date : The term 'Get-Date' is not recognized as the name of a cmdlet, function, script file, or operable program\. Check the spelling of the name, or if a path was included, verify that the path is correct and try again\.\nAt line:1 char:1\n\+ Get-Date\n\+ ~~~~~~~~\n/,
  );
  expect(unwrap(r.stderr)).toContain("    + CategoryInfo          : ObjectNotFound: (Get-Date:String) [], CommandNot    FoundException\n    + FullyQualifiedErrorId : CommandNotFoundException\n");
});

test("Invoke-Command -ComputerName srv01 (Negotiate) runs there; the UNC path on srv01 is the double hop and fails", async () => {
  const r = await ps(
    ws01,
    "$pw = ConvertTo-SecureString 'Adm1n!sim-P4ss' -AsPlainText -Force; $c = New-Object System.Management.Automation.PSCredential('admin', $pw); " +
      "Invoke-Command -ComputerName srv01.corp.test -Credential $c -ScriptBlock { hostname; Get-ChildItem \\\\fs01.corp.test\\share }",
  );
  expect(r.stdout).toBe("srv01\r\n");
  // Remote records: no command prefix, no position, and the computer they came from.
  expect(unwrap(r.stderr)).toMatch(/^Access is denied\n    \+ CategoryInfo          : PermissionDenied: \(\\\\fs01\.corp\.test\\share:String    \) \[Get-ChildItem\], UnauthorizedAccessException\n/);
  expect(unwrap(r.stderr)).toContain("    + PSComputerName        : srv01.corp.test\n Cannot find path '\\\\fs01.corp.test\\share' because it does not exist.\n");
  expect(r.exitCode).toBe(1);
}, 60_000);

test("Invoke-Command -Authentication CredSSP from a client with CredSSP off: the WinRM client's own error, wrapped", async () => {
  const r = await ps(
    ws01,
    "$c = [pscredential]::new('admin', (ConvertTo-SecureString 'Adm1n!sim-P4ss' -AsPlainText -Force)); " +
      "Invoke-Command -ComputerName srv01.corp.test -Authentication CredSSP -Credential $c -ScriptBlock { Get-ChildItem \\\\fs01.corp.test\\share }",
  );
  expect(r.exitCode).toBe(1);
  const text = unwrap(r.stderr);
  expect(text).toMatch(/^\[srv01\.corp\.test\] Connecting to remote server srv01\.corp\.test failed with the following error message : The WinRM client cannot process the request\. CredSSP authentication is currently disabled in the client configuration\./);
  expect(text).toContain("Group Policy must be edited to allow credential delegation to the target computer. For more information, see the about_Remote_Troubleshooting Help topic.\nAt line:1 char:99\n");
  expect(text).toContain("    + CategoryInfo          : OpenError: (srv01.corp.test:String) [], PSRemoti    ngTransportException\n    + FullyQualifiedErrorId : -2144108126,PSSessionStateBroken\n");
}, 60_000);

describe("Invoke-Command -Authentication CredSSP once the four settings line up", () => {
  const CRED = "$c = [pscredential]::new('admin', (ConvertTo-SecureString 'Adm1n!sim-P4ss' -AsPlainText -Force))";
  const HOP = "Invoke-Command -ComputerName srv01.corp.test -Authentication CredSSP -Credential $c -ScriptBlock { Get-ChildItem \\\\fs01.corp.test\\share }";

  beforeAll(() => {
    ws01.state.setConfig("Client/Auth/CredSSP", "true");
    ws01.state.registry.set("HKLM", CREDENTIALS_DELEGATION, "AllowFreshCredentialsWhenNTLMOnly", "REG_DWORD", 1);
    ws01.state.registry.set("HKLM", `${CREDENTIALS_DELEGATION}\\AllowFreshCredentialsWhenNTLMOnly`, "1", "REG_SZ", "WSMAN/*.corp.test");
    hosts[1].state.setConfig("Service/Auth/CredSSP", "true");
  });

  test("ws01 opens a real CredSSP connection to srv01; srv01 lists \\\\fs01\\share with the delegated credentials", async () => {
    const fs01 = hosts[2];
    const before = fs01.smb!.log().length;
    const r = await ps(ws01, `${CRED}; ${HOP}`);
    expect({ stderr: r.stderr, exitCode: r.exitCode }).toEqual({ stderr: "", exitCode: 0 });
    expect(r.stdout).toContain("    Directory: \\\\fs01.corp.test\\share\r\n");
    expect(r.stdout).toMatch(/Mode +LastWriteTime +Length Name +PSComputerName\r\n/);
    // Attributes are what Samba reports (no archive bit on files it did not write); the
    // PSComputerName column is cut to fit 79 columns as the table writer cuts it.
    expect(r.stdout).toMatch(/\r\n------ +11\/25\/2026 +1:02 PM +30 readme\.txt +srv01\.corp\.\.\.\.\r\n/);
    expect(r.stdout).toMatch(/\r\nd----- .* reports +srv01/);
    // smbd's own log: admin logged on with a password (NTLMv2), from workstation SRV01, and
    // the share was opened in admin's session.
    const log = fs01.smb!.log().slice(before);
    expect(log).toMatch(/Auth: .*user \[[^\]]*\]\\\[admin\] .* with \[NTLMv2\] status \[NT_STATUS_OK\] workstation \[SRV01\]/);
    expect(log).toMatch(/admin\|127\.0\.0\.1\|share\|/);
  }, 90_000);

  test("srv01 held the delegated credentials only in that session: a Negotiate session still has none, and smbd is given no password", async () => {
    const fs01 = hosts[2];
    const before = fs01.smb!.log().length;
    const r = await ps(ws01, `${CRED}; Invoke-Command -ComputerName srv01.corp.test -Credential $c -ScriptBlock { Get-ChildItem \\\\fs01.corp.test\\share }`);
    expect(r.exitCode).toBe(1);
    expect(unwrap(r.stderr)).toMatch(/^Access is denied\n/);
    const log = fs01.smb!.log().slice(before);
    expect(log).toMatch(/Auth: .* user \[\]\\\[\] /);
    expect(log).not.toMatch(/NTLMv2/);
    expect(log).not.toMatch(/admin\|/);
  }, 90_000);

  test("-UseSSL: CredSSP inside the HTTPS listener's TLS, no TrustedHosts needed, the same second hop", async () => {
    ws01.state.setConfig("Client/TrustedHosts", "");
    try {
      const denied = await ps(ws01, `${CRED}; ${HOP}`);
      expect(unwrap(denied.stderr)).toContain("+ FullyQualifiedErrorId : ServerNotTrusted,PSSessionStateBroken");
      const r = await ps(ws01, `${CRED}; ${HOP.replace("-Authentication CredSSP", "-UseSSL -Authentication CredSSP")}`);
      expect({ stderr: r.stderr, exitCode: r.exitCode }).toEqual({ stderr: "", exitCode: 0 });
      expect(r.stdout).toMatch(/readme\.txt +srv01/);
    } finally {
      ws01.state.setConfig("Client/TrustedHosts", "*.corp.test");
    }
  }, 90_000);

  test("New-PSSession -Authentication CredSSP, Invoke-Command -Session, Remove-PSSession (the seed's other form)", async () => {
    const r = await ps(
      ws01,
      `${CRED}; $s = New-PSSession -ComputerName srv01.corp.test -Credential $c -Authentication CredSSP; ` +
        "Invoke-Command -Session $s -ScriptBlock { Get-Content \\\\fs01.corp.test\\share\\readme.txt }; Remove-PSSession $s",
    );
    expect(r).toEqual({ stdout: "hello from fs01\r\nsecond line\r\n", stderr: "", exitCode: 0 });
  }, 90_000);

  test("a wrong password in -Credential: the CredSSP logon fails at srv01 before any second hop", async () => {
    const fs01 = hosts[2];
    const before = fs01.smb!.log().length;
    const r = await ps(ws01, `$c = [pscredential]::new('admin', (ConvertTo-SecureString 'wrong' -AsPlainText -Force)); ${HOP}`);
    expect(r.exitCode).toBe(1);
    expect(unwrap(r.stderr)).toMatch(/^\[srv01\.corp\.test\] Connecting to remote server srv01\.corp\.test failed with the following error message : Access is denied\./);
    expect(fs01.smb!.log().slice(before)).toBe("");
  }, 90_000);
});
