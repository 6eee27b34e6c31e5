// Invoke-Command / New-PSSession / Test-WSMan from a simulated host to another one.
//
// The connection is real: the wire's WinRMClient (shared protocol code, like NTLM) over
// loopback to the target's listener, authenticated and encrypted as Windows would. The
// script block runs there as `powershell.exe -NonInteractive -OutputFormat XML
// -EncodedCommand …` in a cmd shell, and the CLIXML it returns is formatted here, so
// output carries PSComputerName as it does from real remoting. Before connecting, the
// client applies its own rules: TrustedHosts for NTLM over HTTP, and for CredSSP the
// whole delegation decision (delegation-decision.ts).

import { WinRMClient } from "../../../provider/src/winrm";
import { decideDelegation, trustedHostsMatch, WINRM_ERRORS, WINRM_TEXT } from "../delegation-decision";
import type { DirectoryEntry, HostDirectory, ResolvedEndpoint } from "../host-directory";
import { challengeHeaders } from "../auth";
import { isKerberosAuthenticated } from "../kerberos-auth";
import { effectiveCredSsp } from "../config-resource";
import { readClixmlErrors, readClixmlObjects } from "./clixml";
import { CredentialValue, ErrorRecordValue, RemoteResult, errorRecord } from "./values";

export type AuthMechanism = "Default" | "Negotiate" | "CredSSP" | "Basic" | "Kerberos";

export interface RemoteTarget {
  /** -ComputerName as typed. */
  name: string;
  port?: number;
  useSsl: boolean;
  authentication: AuthMechanism;
  credential?: CredentialValue;
}

export interface RemotingEnv {
  directory: HostDirectory;
  self: DirectoryEntry;
  /** Credentials the current logon holds (a CredSSP session's delegated ones). */
  logonCredentials?: { domain: string; user: string; password: string };
}

/** A transport failure as PowerShell reports it: the WinRM text and its error code. */
export class TransportFailure extends Error {
  constructor(
    readonly winrmMessage: string,
    /** The WinRM error code (unsigned) or a Win32 error. */
    readonly code: number,
    /** DoubleHopCheck's name for the link that broke. */
    readonly link: string,
  ) {
    super(winrmMessage);
  }
}

/** s_transportErrorCodeToFQEID in PowerShell's WSManTransportManager: known codes by name, else the signed code. */
export function transportErrorId(code: number): string {
  const names: Record<number, string> = {
    5: "AccessDenied",
    1326: "LogonFailure",
    [WINRM_ERRORS.ERROR_WSMAN_SENDDATA_CANNOT_COMPLETE]: "WinRMOperationTimeout",
    [WINRM_ERRORS.ERROR_WSMAN_SERVER_NOTTRUSTED]: "ServerNotTrusted",
  };
  return names[code] ?? String(code > 0x7fffffff ? code - 0x1_0000_0000 : code);
}

/** ParseEscapeWSManErrorMessage: "@{…}" is quoted so it can be pasted into PowerShell. */
function escapeForPowerShell(message: string): string {
  return message.includes("@{") ? message.replace(/@\{/g, "'@{").replace(/\}/g, "}'") : message;
}

/** The PSRemotingTransportException record of a failed connection. */
export function transportErrorRecord(f: TransportFailure, computer: string, cmdlet: "Invoke-Command" | "New-PSSession"): ErrorRecordValue {
  const message = `[${computer}] Connecting to remote server ${computer} failed with the following error message : ${escapeForPowerShell(f.winrmMessage)} For more information, see the about_Remote_Troubleshooting Help topic.`;
  return cmdlet === "Invoke-Command"
    ? errorRecord({ message, category: "OpenError", activity: "", targetName: computer, targetType: "String", reason: "PSRemotingTransportException", fullyQualifiedErrorId: `${transportErrorId(f.code)},PSSessionStateBroken` })
    : errorRecord({
        message,
        category: "OpenError",
        activity: "New-PSSession",
        targetName: "System.Management.Automation.RemoteRunspace",
        targetType: "RemoteRunspace",
        reason: "PSRemotingTransportException",
        fullyQualifiedErrorId: `${transportErrorId(f.code)},PSSessionOpenFailed`,
      });
}

const unreachable = () => new TransportFailure(WINRM_TEXT.unreachable, WINRM_ERRORS.ERROR_WSMAN_SENDDATA_CANNOT_COMPLETE, "target-unreachable");
const accessDenied = () => new TransportFailure(WINRM_TEXT.accessDenied, WINRM_ERRORS.ERROR_ACCESS_DENIED, "other");

function b64Utf16(script: string): string {
  return Buffer.from(script, "utf16le").toString("base64");
}

/** An open connection to a target; `run` executes a script block there. */
export interface RemoteConnection {
  computerName: string;
  run(script: string): Promise<RemoteResult>;
  close(): Promise<void>;
}

/**
 * Applies the client's rules and opens a WinRM connection to the target; throws a
 * TransportFailure with Windows' text when Windows would refuse.
 */
export async function connect(env: RemotingEnv, t: RemoteTarget): Promise<RemoteConnection> {
  const endpoint = env.directory.endpoint(t.name, { https: t.useSsl, port: t.port }, env.self);
  const client = env.self.state;
  if (t.authentication === "Kerberos") {
    // No KDC in the simulated workgroup (the Kerberos issue adds one).
    throw new TransportFailure(
      "WinRM cannot process the request. The following error with errorcode 0x80090311 occurred while using Kerberos authentication: We can't sign you in with this credential because your domain isn't available. Make sure your device is connected to your organization's network and try again. If you previously signed in on this device with another credential, you can sign in with that credential.",
      0x80090311,
      "other",
    );
  }
  if (t.authentication === "CredSSP") {
    if (!t.credential) {
      throw new TransportFailure(
        "The WinRM client cannot process the request. A user name and password must be provided when using CredSSP authentication.",
        2150859169,
        "other",
      );
    }
    const server = endpoint?.entry;
    const decision = decideDelegation({
      client,
      target: t.name,
      https: t.useSsl,
      serverAuthentication: isKerberosAuthenticated(env.directory, env.self, t.name) ? "kerberos" : "ntlm",
      // Rules 1 and 2 are the client's alone; with no server at the other end they still
      // come first, and only then does the connection fail.
      server: server
        ? {
            credsspEnabled: effectiveCredSsp(server.state, "Service"),
            offeredSchemes: challengeHeaders(server.state, t.useSsl).map((h) => h.split(" ")[0]),
            credsspVersion: server.credsspVersion,
          }
        : { credsspEnabled: true, offeredSchemes: ["CredSSP"], credsspVersion: 6 },
    });
    if (!server && (decision.allowed || (decision.link !== "client-credssp-disabled" && decision.link !== "trusted-hosts"))) throw unreachable();
    if (!decision.allowed) throw new TransportFailure(decision.message, decision.winrmCode, decision.link);
    // Delegation allowed: a real CredSSP handshake with the wire's client (MS-CSSP), whose
    // last message hands srv01 the password — the credentials its own UNC paths then use.
    return open(endpoint!, t, "credssp", { username: t.credential.userName, password: t.credential.password.reveal() });
  }
  // NTLM (Negotiate off-domain) over HTTP: only to hosts the client trusts.
  if (!t.useSsl && !trustedHostsMatch(client.getConfig("Client/TrustedHosts") ?? "", t.name)) {
    throw new TransportFailure(WINRM_TEXT.trustedHosts, WINRM_ERRORS.ERROR_WSMAN_SERVER_NOTTRUSTED, "trusted-hosts");
  }
  if (!endpoint) throw unreachable();
  const creds = t.credential
    ? { username: t.credential.userName, password: t.credential.password.reveal() }
    : env.logonCredentials
      ? { username: env.logonCredentials.domain ? `${env.logonCredentials.domain}\\${env.logonCredentials.user}` : env.logonCredentials.user, password: env.logonCredentials.password }
      : undefined;
  // A network logon without credentials has nothing to answer NTLM's challenge with.
  if (!creds) throw accessDenied();
  if (t.authentication === "Basic" && !t.useSsl && client.getConfig("Client/AllowUnencrypted") !== "true") {
    throw new TransportFailure(
      "The WinRM client cannot process the request. Unencrypted traffic is currently disabled in the client configuration. Change the client configuration and try the request again.",
      2150859120,
      "other",
    );
  }
  return open(endpoint, t, t.authentication === "Basic" ? "basic" : "ntlm", creds);
}

/** Opens the WinRM connection (authenticating now, as PowerShell opens the runspace first). */
async function open(endpoint: ResolvedEndpoint, t: RemoteTarget, auth: "basic" | "ntlm" | "credssp", creds: { username: string; password: string }): Promise<RemoteConnection> {
  const wire = new WinRMClient({
    host: "127.0.0.1",
    port: endpoint.port,
    https: t.useSsl,
    auth,
    allowUnencrypted: auth === "basic" ? true : undefined,
    username: creds.username,
    password: creds.password,
    caCert: endpoint.entry.certPem,
    serverName: t.useSsl ? endpoint.entry.identity.fqdn : undefined,
    timeoutMs: 120_000,
    retries: 0,
  });
  const computerName = t.name;
  const run = async (script: string): Promise<RemoteResult> => {
    let r;
    try {
      r = await wire.runCommand("powershell.exe", ["-NoProfile", "-NonInteractive", "-OutputFormat", "XML", "-EncodedCommand", b64Utf16(script)]);
    } catch (err) {
      throw mapWireError(err);
    }
    return { output: readClixmlObjects(r.stdout, computerName), errors: readClixmlErrors(r.stderr, computerName) };
  };
  try {
    await wire.get("http://schemas.microsoft.com/wbem/wsman/1/config");
  } catch (err) {
    await wire.close();
    throw mapWireError(err);
  }
  return { computerName, run, close: () => wire.close() };
}

function mapWireError(err: unknown): TransportFailure {
  if (err instanceof TransportFailure) return err;
  const code = (err as { code?: string }).code;
  if (code === "WINRM_AUTH") return accessDenied();
  if (code === "WINRM_FAULT" && /AccessDenied/.test((err as { subcode?: string }).subcode ?? "")) return accessDenied();
  if (code === "WINRM_TRANSPORT" || code === "WINRM_TIMEOUT") return unreachable();
  return new TransportFailure((err as Error).message, WINRM_ERRORS.ERROR_NOT_SUPPORTED, "other");
}
