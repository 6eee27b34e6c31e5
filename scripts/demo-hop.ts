// The demo's double hop as a user lives it: the seed's own Invoke-Command typed on ws01
// (run there in PowerShell over WinRM, as any remote shell would), the admin's half-done
// setup from the seed guide, and fs01's smbd log as the file server's own witness.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CREDENTIALS_DELEGATION_KEY, runPowerShell } from "../provider/src/windows";
import type { PowerShellResult } from "../provider/src/windows";
import { ADMIN, FleetHost } from "../testkit/fleet";
import { oob } from "../testkit/out-of-band";

/** The seed's command (seed-double-hop-guide.txt), with the demo's names. */
export function seedCommand(srv01: string, share: string): string {
  return `Invoke-Command -ComputerName ${srv01} -ScriptBlock { Get-ChildItem ${share} } -Credential $cred -Authentication CredSSP`;
}

/** The seed's `$cred = Get-Credential`, without the prompt: the same PSCredential, built from the password. */
const credLine = (password: string) =>
  `$cred = New-Object System.Management.Automation.PSCredential('${ADMIN.name}', (ConvertTo-SecureString '${password}' -AsPlainText -Force))`;

/** Runs the seed's command in PowerShell on `ws01`, logged on as the admin. */
export async function runSeedCommand(ws01: FleetHost, command: string): Promise<PowerShellResult> {
  const client = ws01.client();
  try {
    return await runPowerShell(client, `${credLine(ADMIN.password)}\n${command}`);
  } finally {
    await client.close();
  }
}

/** The console as the user saw it: the command, then what PowerShell wrote. */
export function consoleLines(host: string, command: string, r: PowerShellResult): string[] {
  const prompt = `PS C:\\Users\\${ADMIN.name}>`;
  const out = [`${prompt} ${credLine("********")}`, `${prompt} ${command}`];
  const text = `${r.stdout}${r.stderr}`.replace(/\r\n/g, "\n").replace(/^\n+|\n+$/g, "");
  for (const line of text.split("\n")) out.push(line);
  return out.map((l) => `${host}| ${l}`.trimEnd());
}

/**
 * What the seed's admin did on ws01 before this tool came along: step 2 of the guide
 * (Enable-WSManCredSSP -Role Client -DelegateComputer "*.<domain>": Client/Auth/CredSSP
 * = true, AllowFreshCredentials on with wsman/*.<domain>, defaults concatenated) and the
 * TrustedHosts line for machines off the domain — but not the NTLM-only policy, and
 * nothing on the server. Made over WinRM, as the admin's tools would.
 */
export async function seedHalfSetup(ws01: FleetHost, domain: string, server: string): Promise<string[]> {
  const ws = oob(ws01);
  await ws.setConfig("client/auth", "CredSSP", "true");
  await ws.setDword(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials", 1);
  await ws.setDword(CREDENTIALS_DELEGATION_KEY, "ConcatenateDefaults_AllowFresh", 1);
  await ws.setString(`${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`, "1", `wsman/*.${domain}`);
  await ws.setConfig("client", "TrustedHosts", server);
  return [
    `Enable-WSManCredSSP -Role Client -DelegateComputer "*.${domain}" -Force`,
    `Set-Item -Path WSMan:\\localhost\\Client\\TrustedHosts -Value "${server}" -Force`,
  ];
}

/** A folder for \\fs01\share with a few files, and the function that removes it. */
export function makeShareFolder(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "credssp-demo-share-"));
  fs.writeFileSync(path.join(dir, "Q3-budget.xlsx"), Buffer.alloc(18_432, 1));
  fs.writeFileSync(path.join(dir, "readme.txt"), "Files for the finance team.\r\n");
  fs.mkdirSync(path.join(dir, "reports"));
  fs.writeFileSync(path.join(dir, "reports", "2026-10.csv"), "month,total\r\n2026-10,1200\r\n");
  const stamp = new Date("2026-11-02T09:15:00Z");
  for (const f of ["Q3-budget.xlsx", "readme.txt", "reports"]) fs.utimesSync(path.join(dir, f), stamp, stamp);
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * smbd's own account of the second hop since `from` (its log's length then): each
 * distinct logon (who, how, from which workstation, the result), and the files opened
 * in the share with the session's user.
 */
export function smbWitness(fs01: FleetHost, shareDir: string, from: number): string[] {
  const log = fs01.sim.smb?.log().slice(from) ?? "";
  const lines = new Set<string>();
  for (const m of log.matchAll(/Auth: \[[^\]]*\] user \[([^\]]*)\]\\\[([^\]]*)\] .*? with \[(\w+)\] status \[(\w+)\] workstation \[([^\]]*)\]/g)) {
    lines.add(m[2] ? `logon: ${m[1] ? `${m[1]}\\` : ""}${m[2]} with ${m[3]} from workstation ${m[5] || "?"}: ${m[4]}` : `logon: anonymous (no password) from workstation ${m[5] || "?"}: ${m[4]}`);
  }
  const opened = new Map<string, Set<string>>();
  for (const m of log.matchAll(/([^|\s]+)\|[^|\n]+\|([^|\n]+)\|openat\|ok\|[^|\n]*\|(.+)$/gm)) {
    const rel = path.relative(shareDir, m[3].trim());
    if (!rel || rel.startsWith("..")) continue;
    const key = `${m[1]} in [${m[2]}]`;
    opened.set(key, (opened.get(key) ?? new Set()).add(rel));
  }
  for (const [who, files] of opened) lines.add(`read by ${who}: ${[...files].join(", ")}`);
  return [...lines];
}
