// Typed errors of the WinRM layer (contract C). Callers branch on the stable `code`
// string, never on the message text, so messages can be improved freely. Every class
// declares its `name` and a literal `code`; every code of this layer (NTLM's included,
// ntlm/errors.ts) starts with WINRM_. No message built here ever includes a password:
// constructors only receive host/port/scheme, server-provided text and certificate facts.

export type Scheme = "http" | "https";

/** The base of every error the wire layer throws. */
export abstract class WinRMError extends Error {
  abstract readonly code: `WINRM_${string}`;
  override readonly name: string = "WinRMError";
}

/** The endpoint a failure happened on. */
export interface Endpoint {
  host: string;
  port: number;
  scheme: Scheme;
}

/** The base of failures tied to one endpoint: they carry its host, port and scheme. */
export abstract class EndpointError extends WinRMError {
  readonly host: string;
  readonly port: number;
  readonly scheme: Scheme;
  /** `message` receives the endpoint as "scheme://host:port". */
  constructor(at: Endpoint, message: (target: string) => string, options?: ErrorOptions) {
    super(message(`${at.scheme}://${at.host}:${at.port}`), options);
    this.host = at.host;
    this.port = at.port;
    this.scheme = at.scheme;
  }
}

/** A SOAP fault returned by the WS-Management service (HTTP 500 with s:Fault on Windows). */
export class WSManFaultError extends WinRMError {
  override readonly name = "WSManFaultError";
  readonly code = "WINRM_FAULT";
  /** f:WSManFault/@Code, e.g. 2150858793 (operation timeout); undefined when the fault carries none. */
  readonly wsmanCode: number | undefined;
  /** SOAP subcode value such as "w:TimedOut" (prefix as sent). */
  readonly subcode?: string;
  /** f:WSManFault/@Machine. */
  readonly machine?: string;
  /** Innermost human-readable fault text (f:Message, else s:Reason/s:Text). */
  readonly faultMessage: string;
  /** The WS-Addressing Action of the request that failed. */
  readonly action?: string;
  constructor(fields: { wsmanCode: number | undefined; subcode?: string; machine?: string; faultMessage: string; action?: string }) {
    const where = fields.machine ? ` on ${fields.machine}` : "";
    const sub = fields.subcode ? ` [${fields.subcode}]` : "";
    const code = fields.wsmanCode === undefined ? "with no code" : String(fields.wsmanCode);
    super(`WS-Management fault ${code}${sub}${where}: ${fields.faultMessage}`);
    this.wsmanCode = fields.wsmanCode;
    this.subcode = fields.subcode;
    this.machine = fields.machine;
    this.faultMessage = fields.faultMessage;
    this.action = fields.action;
  }
}

export type AuthFailureReason = "bad-credentials" | "scheme-not-offered";

/**
 * The server refused us. "bad-credentials": our scheme was offered and a complete
 * exchange still ended in 401. "scheme-not-offered": the server's WWW-Authenticate
 * list does not contain the scheme we were configured for.
 */
export class AuthenticationError extends EndpointError {
  override readonly name = "AuthenticationError";
  readonly code = "WINRM_AUTH";
  readonly reason: AuthFailureReason;
  readonly offeredSchemes: string[];
  readonly authScheme: string;
  /** The NTSTATUS the server gave (CredSSP's TSRequest errorCode), when it gave one. */
  readonly ntStatus?: number;
  constructor(fields: {
    reason: AuthFailureReason; offeredSchemes: string[]; host: string; port: number; scheme: Scheme; authScheme: string;
    username?: string; ntStatus?: number; statusText?: string; hint?: string;
  }) {
    const offered = fields.offeredSchemes.length > 0 ? fields.offeredSchemes.join(", ") : "none";
    const who = fields.username ? ` for user "${fields.username}"` : "";
    const status = fields.statusText ? `; ${fields.statusText}` : "";
    super(fields, (target) => {
      const message =
        fields.reason === "bad-credentials"
          ? `${target} rejected the ${fields.authScheme} credentials${who} (HTTP 401 after a complete ${fields.authScheme} exchange${status}); check user name, domain and password`
          : `${target} does not offer ${fields.authScheme} authentication (offered: ${offered})`;
      return fields.hint ? `${message}. ${fields.hint}` : message;
    });
    this.reason = fields.reason;
    this.offeredSchemes = fields.offeredSchemes;
    this.authScheme = fields.authScheme;
    this.ntStatus = fields.ntStatus;
  }
}

export type TransportErrorKind = "dns" | "refused" | "reset" | "tls" | "http";

/** The connection could not be made or broke, or HTTP answered with a non-SOAP error. */
export class TransportError extends EndpointError {
  override readonly name = "TransportError";
  readonly code = "WINRM_TRANSPORT";
  readonly kind: TransportErrorKind;
  /** Subject of the certificate the server presented (TLS failures only). */
  readonly certSubject?: string;
  /** SHA-256 fingerprint (AA:BB:.. upper case) of the presented certificate (TLS failures only). */
  readonly certSha256?: string;
  /** HTTP status for kind "http". */
  readonly httpStatus?: number;
  constructor(fields: {
    kind: TransportErrorKind; host: string; port: number; scheme: Scheme; detail: string;
    certSubject?: string; certSha256?: string; httpStatus?: number; cause?: unknown;
  }) {
    const cert = fields.certSubject || fields.certSha256
      ? ` (certificate subject: ${fields.certSubject ?? "unknown"}; SHA-256 fingerprint: ${fields.certSha256 ?? "unknown"})`
      : "";
    super(fields, (target) => {
      const what: Record<TransportErrorKind, string> = {
        dns: `cannot resolve host name of ${target}`,
        refused: `connection refused by ${target} (is WinRM listening on port ${fields.port}?)`,
        reset: `connection to ${target} was closed unexpectedly`,
        tls: `TLS verification of ${target} failed`,
        http: `unexpected HTTP response from ${target}`,
      };
      return `${what[fields.kind]}: ${fields.detail}${cert}`;
    }, { cause: fields.cause });
    this.kind = fields.kind;
    this.certSubject = fields.certSubject;
    this.certSha256 = fields.certSha256;
    this.httpStatus = fields.httpStatus;
  }
}

export type TimeoutPhase = "connect" | "response" | "command";

/** Connecting, waiting for a response, or a whole remote command took longer than configured. */
export class TimeoutError extends EndpointError {
  override readonly name = "TimeoutError";
  readonly code = "WINRM_TIMEOUT";
  readonly timeoutMs: number;
  readonly phase: TimeoutPhase;
  constructor(fields: { host: string; port: number; scheme: Scheme; timeoutMs: number; phase: TimeoutPhase }) {
    const what = {
      connect: "connecting to",
      response: "waiting for a response from",
      command: "waiting for a command to finish on (the shell was terminated)",
    }[fields.phase];
    super(fields, (target) => `timed out after ${fields.timeoutMs} ms ${what} ${target}`);
    this.timeoutMs = fields.timeoutMs;
    this.phase = fields.phase;
  }
}

/** The server answered something that is not a valid WS-Management reply to our request. */
export class ProtocolError extends WinRMError {
  override readonly name = "ProtocolError";
  readonly code = "WINRM_PROTOCOL";
}

/** Invalid client options, detected at construction. */
export class ConfigurationError extends WinRMError {
  override readonly name = "ConfigurationError";
  readonly code = "WINRM_CONFIG";
}
