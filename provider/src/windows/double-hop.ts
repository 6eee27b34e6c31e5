// The double-hop check an admin runs by hand, run over WinRM: on the client computer,
// Invoke-Command to the target with -Authentication CredSSP, and there list a UNC path
// (the second hop). Which link broke is read from PowerShell's own error records — the
// FullyQualifiedErrorId PowerShell derives from the WinRM error code, and the record
// the target's Get-ChildItem wrote — never from our guess at the configuration.

import type { PowerShellErrorRecord, PowerShellHostApi, PowerShellResult } from "./powershell";
import { runPowerShell } from "./powershell";

/** Where the double hop broke, in the order Windows checks (see the README). */
export const DOUBLE_HOP_LINKS = [
  "client-credssp-disabled",
  "trusted-hosts",
  "delegation-policy",
  "encryption-oracle",
  "server-credssp-disabled",
  "second-hop-denied",
  "target-unreachable",
  "other",
] as const;

export type DoubleHopLink = (typeof DOUBLE_HOP_LINKS)[number];

export interface DoubleHopSpec {
  /** -ComputerName as the user types it (the SPN is WSMAN/<this>). */
  target: string;
  /** -Port; omitted: WinRM's default for the transport. */
  targetPort?: number;
  /** -UseSSL. */
  https?: boolean;
  user: string;
  password: string;
  /** The UNC path listed on the target, e.g. \\fs01.corp.example.com\share. */
  path: string;
}

export interface DoubleHopOutcome {
  works: boolean;
  /** The client computer's own name (`hostname` there), when it printed one. */
  client?: string;
  /** Undefined when it works. */
  failingLink?: DoubleHopLink;
  /** Windows' own text of the first error record (wrapping undone), or what was listed. */
  message: string;
  /** For a failure under the Kerberos policy ("…to the target computer.") rather than the NTLM-only one. */
  policy?: "AllowFreshCredentials" | "AllowFreshCredentialsWhenNTLMOnly";
  /** Every error record, for callers that want more than the first. */
  errors: PowerShellErrorRecord[];
}

/** A PowerShell single-quoted string literal: only ' needs escaping (doubled). */
export function psQuote(s: string): string {
  return `'${s.replace(/['\u2018\u2019\u201a\u201b]/g, "$&$&")}'`;
}

/**
 * The environment variable the password travels in: set on the WinRM shell (never on
 * powershell.exe's command line, which process auditing logs), read by the script.
 */
export const PASSWORD_VARIABLE = "PULUMI_CREDSSP_CHECK_PASSWORD";

/**
 * The script: the client computer's name (for messages), a PSCredential, then the seed's
 * Invoke-Command. The password comes from $env:PULUMI_CREDSSP_CHECK_PASSWORD, so neither
 * the script (which script-block logging records) nor its command line holds it.
 */
export function doubleHopScript(spec: Omit<DoubleHopSpec, "password">): string {
  const connection = [`-ComputerName ${psQuote(spec.target)}`];
  if (spec.targetPort !== undefined) connection.push(`-Port ${spec.targetPort}`);
  if (spec.https) connection.push("-UseSSL");
  return [
    "hostname",
    `$secure = ConvertTo-SecureString $env:${PASSWORD_VARIABLE} -AsPlainText -Force`,
    `$cred = New-Object System.Management.Automation.PSCredential(${psQuote(spec.user)}, $secure)`,
    `Invoke-Command ${connection.join(" ")} -Authentication CredSSP -Credential $cred -ScriptBlock { Get-ChildItem -LiteralPath ${psQuote(spec.path)} }`,
  ].join("\n");
}

/**
 * PowerShell's FullyQualifiedErrorId for a failed connection is `<id>,PSSessionStateBroken`,
 * where <id> is a name for the WinRM codes PowerShell knows and the signed code otherwise
 * (WSManTransportManagerUtils). The codes are WinRM's (winerror.h).
 */
const TRANSPORT_IDS: Record<string, { link: DoubleHopLink; policy?: DoubleHopOutcome["policy"] }> = {
  // 0x803381A2 ERROR_WSMAN_CLIENT_CREDSSP_AUTHENTICATION_DISABLED
  "-2144108126": { link: "client-credssp-disabled" },
  // 0x803380E4 ERROR_WSMAN_SERVER_NOTTRUSTED
  ServerNotTrusted: { link: "trusted-hosts" },
  // 0x803381A3 ERROR_WSMAN_CLIENT_ALLOWFRESHCREDENTIALS
  "-2144108125": { link: "delegation-policy", policy: "AllowFreshCredentials" },
  // 0x803381A4 ERROR_WSMAN_CLIENT_ALLOWFRESHCREDENTIALS_NTLMONLY
  "-2144108124": { link: "delegation-policy", policy: "AllowFreshCredentialsWhenNTLMOnly" },
  // Win32 50, ERROR_NOT_SUPPORTED: a patched client refusing an unpatched CredSSP server (CVE-2018-0886)
  "50": { link: "encryption-oracle" },
  // ERROR_WSMAN_SENDDATA_CANNOT_COMPLETE ("WinRM cannot complete the operation. Verify that
  // the specified computer name is valid…"), and the names PowerShell gives other
  // connection failures and unknown computers
  WinRMOperationTimeout: { link: "target-unreachable" },
  CannotConnect: { link: "target-unreachable" },
  ComputerNotFound: { link: "target-unreachable" },
  NetworkPathNotFound: { link: "target-unreachable" },
};

/** The WinRM client's text when the server's 401 offers no scheme the client asked for. */
const MECHANISM_NOT_SUPPORTED = /authentication mechanism requested by the client is not supported by the server/i;

function transportLink(record: PowerShellErrorRecord): { link: DoubleHopLink; policy?: DoubleHopOutcome["policy"] } | undefined {
  const [id, kind] = (record.fullyQualifiedErrorId ?? "").split(",");
  if (kind !== "PSSessionStateBroken" && kind !== "PSSessionOpenFailed") return undefined;
  if (id === "AccessDenied") return { link: MECHANISM_NOT_SUPPORTED.test(record.message) ? "server-credssp-disabled" : "other" };
  return TRANSPORT_IDS[id] ?? { link: "other" };
}

/** A file-system cmdlet on the target refused the path: the second hop's own answer. */
function isSecondHopDenial(record: PowerShellErrorRecord): boolean {
  const id = record.fullyQualifiedErrorId ?? "";
  return /^(ItemExistsUnauthorizedAccessError|UnauthorizedAccessError|DirUnauthorizedAccessError)\b/.test(id) || /UnauthorizedAccessException/.test(record.categoryInfo ?? "");
}

/** Which link broke, from what PowerShell reported. */
export function classifyDoubleHop(result: PowerShellResult): DoubleHopOutcome {
  const { errors } = result;
  if (result.exitCode === 0 && errors.length === 0) {
    return { works: true, message: "", errors };
  }
  const transport = errors.map((e) => ({ e, hit: transportLink(e) })).find((x) => x.hit);
  if (transport) return { works: false, failingLink: transport.hit!.link, policy: transport.hit!.policy, message: transport.e.message, errors };
  const denied = errors.find(isSecondHopDenial);
  if (denied) return { works: false, failingLink: "second-hop-denied", message: denied.message, errors };
  const first = errors[0];
  return {
    works: false,
    failingLink: "other",
    message: first ? first.message : `powershell.exe exited with ${result.exitCode}${result.stderr ? `: ${result.stderr.trim()}` : ""}`,
    errors,
  };
}

/** Runs the double-hop check on the client computer `api` is connected to. */
export async function checkDoubleHop(api: PowerShellHostApi, spec: DoubleHopSpec): Promise<DoubleHopOutcome & { stdout: string }> {
  const result = await runPowerShell(api, doubleHopScript(spec), { [PASSWORD_VARIABLE]: spec.password });
  const client = /^([A-Za-z0-9][A-Za-z0-9-]{0,62})\r?\n/.exec(result.stdout)?.[1];
  return { ...classifyDoubleHop(result), client, stdout: result.stdout };
}
