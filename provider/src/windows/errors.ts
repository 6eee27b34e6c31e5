// Errors of the Windows layer, each declaring its `name` and a literal `code` that
// starts with WINDOWS_, and the translation of
// WinRM-level failures into sentences a Windows administrator recognises: which host,
// which setting, and what to do about it. No message here ever includes a password:
// nothing in this layer holds one, and describeFault redacts anything the caller
// asks it to before returning.

import { hklmPath } from "./uris";

export type WindowsErrorCode =
  | "WINDOWS_POLICY_CONTROLLED"
  | "WINDOWS_REGISTRY"
  | "WINDOWS_VERIFY"
  | "WINDOWS_HOST_FAULT"
  | "WINDOWS_INVALID_ARGUMENT";

/** The base of every error the Windows layer throws. */
export abstract class WindowsError extends Error {
  abstract readonly code: WindowsErrorCode;
  override readonly name: string = "WindowsError";
}

/** A Group Policy owns the setting; the WSMan Put is (or would be) refused with 2150858890. */
export class PolicyControlledError extends WindowsError {
  override readonly name = "PolicyControlledError";
  readonly code = "WINDOWS_POLICY_CONTROLLED";
  constructor(
    readonly setting: string,
    /** Full registry path of the policy key, e.g. HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM\Service. */
    readonly policyKey: string,
    readonly policyValue: string,
    options?: { host?: string; cause?: unknown },
  ) {
    super(
      `${setting}${options?.host ? ` on ${options.host}` : ""} is controlled by Group Policy ` +
        `(${policyKey}\\${policyValue} exists), so WinRM refuses to change it. ` +
        `Set that policy to "Not Configured" (or remove the value) and run gpupdate, or manage the setting through the policy instead.`,
      options,
    );
  }
}

const WIN32_NAMES: Record<number, string> = {
  2: "not found",
  5: "access denied — the account must be a local Administrator",
  6: "invalid handle",
  87: "invalid parameter",
  1018: "the key is marked for deletion",
};

/** StdRegProv returned a non-zero ReturnValue other than "not found". */
export class RegistryError extends WindowsError {
  override readonly name = "RegistryError";
  readonly code = "WINDOWS_REGISTRY";
  constructor(
    readonly method: string,
    readonly key: string,
    readonly valueName: string | undefined,
    /** Win32 error code from ReturnValue (5 = access denied). */
    readonly win32Code: number,
  ) {
    const what = valueName === undefined ? hklmPath(key) : `${hklmPath(key)} value "${valueName}"`;
    const meaning = WIN32_NAMES[win32Code];
    const cause = win32Code < 0 ? "the response had no ReturnValue" : `Win32 error ${win32Code}${meaning ? ` (${meaning})` : ""}`;
    super(`StdRegProv.${method} failed on ${what}: ${cause}`);
  }
}

/** A write was accepted but reading it back shows something else (someone else wrote, or the host ignored it). */
export class VerifyError extends WindowsError {
  override readonly name = "VerifyError";
  readonly code = "WINDOWS_VERIFY";
  constructor(
    readonly setting: string,
    readonly expected: unknown,
    readonly actual: unknown,
  ) {
    super(
      `${setting} did not hold after writing it: expected ${JSON.stringify(expected)}, read back ${JSON.stringify(actual ?? null)}`,
    );
  }
}

/** Any other failure, carrying the admin-facing message from describeFault and the original error as `cause`. */
export class HostFaultError extends WindowsError {
  override readonly name = "HostFaultError";
  readonly code = "WINDOWS_HOST_FAULT";
  constructor(
    message: string,
    readonly host: string,
    readonly setting: string,
    /** The `code` of the underlying error (e.g. WINRM_FAULT, WINRM_AUTH), when it had one. */
    readonly causeCode: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A caller passed a value this layer refuses before any request (a programming error, not a host fault). */
export class InvalidArgumentError extends WindowsError {
  override readonly name = "InvalidArgumentError";
  readonly code = "WINDOWS_INVALID_ARGUMENT";
}

/** WSMan fault code for "controlled by policies" (0x8033808A). */
export const WSMAN_POLICY_CONTROLLED_FAULT = 2150858890;
/** Codes that mean "access denied" in a WSMan fault: Win32 5, HRESULT E_ACCESSDENIED, WBEM_E_ACCESS_DENIED. */
const ACCESS_DENIED_FAULTS = new Set([5, 0x80070005, 0x80041003]);

export interface FaultContext {
  /** Host name as the user wrote it in the connection. */
  host: string;
  /** The setting being read or changed, e.g. "Service/Auth/CredSSP". */
  setting: string;
  port?: number;
  /** "http" or "https". */
  scheme?: string;
  auth?: "basic" | "ntlm" | "credssp" | "kerberos" | "negotiate";
  /** Strings that must never appear in the message (e.g. the password); replaced by "***". */
  redact?: string[];
}

// The WinRM layer's errors are recognised by their stable `code` (contract C), not by
// class identity, so this layer needs no import from ../winrm and keeps working when
// the error crosses a module-instance boundary (e.g. the dynamic-provider closure).
interface CodedError {
  code?: unknown;
  message?: unknown;
  [field: string]: unknown;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

function endpoint(e: CodedError, ctx: FaultContext): { host: string; port: string; scheme: string } {
  const scheme = str(e.scheme) ?? ctx.scheme ?? "http";
  const port = typeof e.port === "number" ? e.port : ctx.port ?? (scheme === "https" ? 5986 : 5985);
  return { host: str(e.host) ?? ctx.host, port: String(port), scheme };
}

function describeWsmanFault(e: CodedError, ctx: FaultContext): string {
  const code = typeof e.wsmanCode === "number" ? e.wsmanCode : Number(e.wsmanCode);
  const serverText = str(e.faultMessage)?.trim();
  const quoted = serverText ? ` The host said: "${serverText}"` : "";
  if (ACCESS_DENIED_FAULTS.has(code)) {
    return `access is denied (WS-Management fault ${code}); the account must be a local Administrator on ${ctx.host}.${quoted}`;
  }
  if (code === WSMAN_POLICY_CONTROLLED_FAULT) {
    return (
      `the setting is controlled by Group Policy (WS-Management fault ${code}, ${hex(code)}); ` +
      `set the policy under HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM to "Not Configured" on ${ctx.host}.${quoted}`
    );
  }
  const n = Number.isFinite(code) ? `${code} (${hex(code)})` : "with no code";
  return `WS-Management fault ${n}.${quoted}`;
}

function describeAuth(e: CodedError, ctx: FaultContext): string {
  const offered = Array.isArray(e.offeredSchemes) ? e.offeredSchemes.map(String) : [];
  const named = String(e.authScheme ?? "");
  const auth =
    ctx.auth ??
    (/credssp/i.test(named) ? "credssp" : /basic/i.test(named) ? "basic" : /kerberos/i.test(named) ? "kerberos" : /ntlm|negotiate/i.test(named) ? "ntlm" : undefined);
  const scheme =
    auth === "basic"
      ? "Basic"
      : auth === "ntlm"
        ? "NTLM (Negotiate)"
        : auth === "credssp"
          ? "CredSSP"
          : auth === "kerberos"
            ? "Kerberos"
            : auth === "negotiate"
              ? "Negotiate (Kerberos or NTLM)"
              : "the chosen";
  if (e.reason === "scheme-not-offered") {
    const offeredText = offered.length > 0 ? offered.join(", ") : "none";
    const enable =
      auth === "basic"
        ? `Basic needs Service/Auth/Basic=true on the host (winrm set winrm/config/service/auth @{Basic="true"}), and over HTTP also Service/AllowUnencrypted=true`
        : auth === "credssp"
          ? `CredSSP needs Service/Auth/CredSSP=true on the host (a CredSSPServer resource, or Enable-WSManCredSSP -Role Server)`
          : auth === "kerberos"
            ? `Kerberos needs Service/Auth/Negotiate=true or Service/Auth/Kerberos=true on the host`
            : `NTLM needs Service/Auth/Negotiate=true on the host (winrm set winrm/config/service/auth @{Negotiate="true"})`;
    return `${ctx.host} does not offer ${scheme} authentication (it offers: ${offeredText}). ${enable}, or choose a scheme it offers with connection.auth.`;
  }
  const status = typeof e.ntStatus === "number" ? `, the host answered NTSTATUS ${hex(e.ntStatus)}` : "";
  return (
    `${ctx.host} rejected the credentials (${scheme} authentication${status}): bad user name or password. ` +
    `Check connection.user (a domain account as "CORP\\admin", a local account as "admin") and connection.password. ` +
    `If they are right and the account is a local administrator other than the built-in Administrator, Windows' remote UAC ` +
    `refuses it over the network: set the DWORD LocalAccountTokenFilterPolicy = 1 under ` +
    `HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System on ${ctx.host}, or use the built-in Administrator or a domain account.`
  );
}

function describeTransport(e: CodedError, ctx: FaultContext): string {
  const ep = endpoint(e, ctx);
  const where = `${ep.host}:${ep.port} (${ep.scheme})`;
  const detail = str(e.message) ? ` [${String(e.message)}]` : "";
  switch (e.kind) {
    case "refused":
      return `WinRM is not listening on ${where}; run \`winrm quickconfig\` on the host, or check the firewall for TCP 5985/5986.`;
    case "dns":
      return `the name ${ep.host} could not be resolved (DNS); check connection.host.`;
    case "reset":
      return `the connection to ${where} was dropped by the host or the network (the WinRM service may have restarted); retrying is safe.${detail}`;
    case "tls": {
      const subject = str(e.certSubject) ? `subject "${String(e.certSubject)}"` : "unknown subject";
      const fp = str(e.certSha256);
      return (
        `the TLS certificate presented by ${where} is not trusted (${subject}${fp ? `, SHA-256 fingerprint ${fp}` : ""}). ` +
        `Pass connection.caCert with the PEM of the CA that issued it, or pin it with connection.certFingerprint${fp ? ` = "${fp}"` : ""}.`
      );
    }
    default: {
      const status = typeof e.httpStatus === "number" ? ` (HTTP ${e.httpStatus})` : "";
      const hint =
        e.httpStatus === 503 || e.httpStatus === 500
          ? " The WinRM service may be overloaded or restarting; retrying is safe."
          : e.httpStatus === 404
            ? " Nothing answers at /wsman on that port; check connection.port and that this is a WinRM listener."
            : "";
      return `unexpected HTTP response from ${where}${status}.${hint}${detail}`;
    }
  }
}

/**
 * Turn any error from a WinRM operation into one sentence naming the host, the
 * setting, the cause and the fix. Safe to show to users: never contains a password
 * (strings in ctx.redact are masked as a last line of defence).
 */
export function describeFault(err: unknown, ctx: FaultContext): string {
  const e: CodedError = err !== null && typeof err === "object" ? (err as CodedError) : { message: String(err) };
  let reason: string;
  if (err instanceof WindowsError) {
    reason = err.message;
  } else {
    switch (e.code) {
      case "WINRM_FAULT":
        reason = describeWsmanFault(e, ctx);
        break;
      case "WINRM_AUTH":
        reason = describeAuth(e, ctx);
        break;
      case "WINRM_TRANSPORT":
        reason = describeTransport(e, ctx);
        break;
      case "WINRM_TIMEOUT": {
        const ep = endpoint(e, ctx);
        const after = typeof e.timeoutMs === "number" ? ` within ${e.timeoutMs} ms` : " in time";
        if (e.phase === "command") {
          reason = `a command on ${ep.host}:${ep.port} (${ep.scheme}) did not finish${after}; its shell was terminated.`;
          break;
        }
        const phase = e.phase === "connect" ? "could not connect to" : "no answer from";
        reason = `${phase} ${ep.host}:${ep.port} (${ep.scheme})${after}; check that the host is up and reachable (firewall for TCP 5985/5986), or raise connection.timeoutSeconds.`;
        break;
      }
      case "WINRM_CREDSSP_SERVER_KEY":
        reason =
          `the host did not prove it holds the key of the CredSSP TLS channel: a man-in-the-middle is possible, so the password was NOT sent. ` +
          `Check that connection.host reaches the machine you mean (DNS, proxies, TLS-inspecting middleboxes).`;
        break;
      case "WINRM_CREDSSP_STATUS":
      case "WINRM_CREDSSP":
      case "WINRM_SPNEGO":
        reason = `CredSSP authentication failed: ${String(e.message)}`;
        break;
      case "WINRM_CONFIG":
        reason = `invalid connection settings: ${String(e.message)}`;
        break;
      case "WINRM_KRB_CLOCK_SKEW":
      case "WINRM_KRB_NO_SPN":
      case "WINRM_KRB_BAD_PASSWORD":
      case "WINRM_KRB_PRINCIPAL_UNKNOWN":
      case "WINRM_KRB_REJECTED":
      case "WINRM_KRB_KDC_UNREACHABLE":
      case "WINRM_KRB_CONFIG":
      case "WINRM_KRB_NO_CREDENTIALS":
      case "WINRM_KRB_PROTOCOL":
      case "WINRM_KRB_INTEGRITY":
        // Kerberos' messages already name the KRB error code and say what to do.
        reason = `Kerberos authentication failed: ${String(e.message)}`;
        break;
      case "WINRM_PROTOCOL":
        reason = `the host sent a WS-Management response this client cannot use: ${String(e.message)}`;
        break;
      default:
        reason = str(e.message) ?? String(err);
    }
  }
  return redact(`${ctx.setting} on ${ctx.host}: ${reason}`, ctx.redact);
}

/** Wrap a failure for the resource layer: WindowsErrors pass through; anything else becomes a HostFaultError. */
export function wrapFault(err: unknown, ctx: FaultContext): WindowsError {
  if (err instanceof WindowsError) return err;
  const code = err !== null && typeof err === "object" ? (err as CodedError).code : undefined;
  return new HostFaultError(describeFault(err, ctx), ctx.host, ctx.setting, typeof code === "string" ? code : undefined, {
    cause: err,
  });
}

function redact(message: string, secrets: string[] | undefined): string {
  let out = message;
  for (const secret of secrets ?? []) {
    if (secret.length > 0) out = out.split(secret).join("***");
  }
  return out;
}
