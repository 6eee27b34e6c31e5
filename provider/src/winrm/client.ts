// WinRMClient: the public face of the wire layer (contract C). It wires endpoint,
// transport, authenticator and session together and exposes the operations; each
// operation lives in its own module.
import { BasicAuthenticator } from "./auth/basic";
import { CredSspAuthenticator } from "./auth/credssp";
import { KerberosAuthenticator } from "./auth/kerberos";
import { KerberosTickets } from "./auth/kerberos-tickets";
import { NegotiateAuthenticator } from "./auth/negotiate";
import { NtlmAuthenticator } from "./auth/ntlm";
import type { Authenticator } from "./auth/authenticator";
import { makeEndpoint } from "./endpoint";
import type { Endpoint } from "./endpoint";
import { isIP } from "node:net";
import { enumerateAll } from "./enumerate";
import { ConfigurationError } from "./errors";
import { parseKdcAddress } from "./kerberos";
import { invokeMethod } from "./invoke";
import type { InvokeInput } from "./invoke";
import { WsmanSession } from "./session";
import { DEFAULT_COMMAND_TIMEOUT_MS, runCommand } from "./shell";
import type { CommandOptions, CommandResult } from "./shell";
import { MAX_REPLY_BYTES } from "./soap";
import { transferCreate, transferDelete, transferGet, transferPut } from "./transfer";
import { HttpTransport, normaliseFingerprint } from "./transport";
import type { WsmanObject } from "./xml";

export interface WinRMClientOptions {
  host: string;
  /** Default 5985 (HTTP) / 5986 (HTTPS). */
  port?: number;
  https?: boolean;
  /**
   * "ntlm" (Negotiate), "basic", "kerberos" (a ticket for HTTP/<host> from the KDC, mutual
   * authentication), "negotiate" (Kerberos when a ticket can be had for the host, else
   * NTLM, as Windows' Negotiate does), or "credssp": Kerberos or NTLM inside a TLS
   * channel of its own, after which the password itself is delegated to the server (for
   * the double hop). All but Basic encrypt messages over HTTP.
   */
  auth: WinRMAuth;
  /** "DOMAIN\\user", "user@REALM" or a local "user". */
  username: string;
  /**
   * Required, except for "kerberos" and "negotiate": without it the Kerberos ticket comes
   * from the credential cache `kinit` filled (KRB5CCNAME).
   */
  password?: string;
  /** Kerberos realm of the user (default: from the user name, krb5.conf's [domain_realm] for the host, or default_realm). */
  realm?: string;
  /** "host[:port]" of the KDC, instead of the realm's kdc entries in krb5.conf. */
  kdc?: string;
  /**
   * The name in the service principal HTTP/<name> when `host` is an address or an alias
   * (pywinrm's kerberos_hostname_override). Default: host.
   */
  kerberosHostname?: string;
  /** Where KRB5_CONFIG and KRB5CCNAME are read (default process.env). */
  kerberosEnv?: NodeJS.ProcessEnv;
  /** Permit Basic over plain HTTP (password in clear text). Never implied. */
  allowUnencrypted?: boolean;
  /** PEM CA certificate(s) trusted for the HTTPS listener instead of the system CAs. */
  caCert?: string;
  /** SHA-256 fingerprint pin of the HTTPS certificate ("AA:BB:.." or 64 hex digits). */
  certFingerprint?: string;
  /** Accept any HTTPS certificate. Only for labs. */
  insecureSkipVerify?: boolean;
  /** Per-request timeout (default 60000 ms). */
  timeoutMs?: number;
  /** TLS server name (SNI and certificate name check) when it differs from host. */
  serverName?: string;
  /** TCP/TLS connect timeout (default min(timeoutMs, 15000) ms). */
  connectTimeoutMs?: number;
  /** Retries after connection-level failures, for idempotent requests (default 2). */
  retries?: number;
  /** Deadline for runCommand, from shell creation to the command's end (default 10 minutes). */
  commandTimeoutMs?: number;
}

export type WinRMAuth = "basic" | "ntlm" | "credssp" | "kerberos" | "negotiate";
const AUTHS: readonly WinRMAuth[] = ["basic", "ntlm", "credssp", "kerberos", "negotiate"];

export const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
const DEFAULT_RETRIES = 2;

/** wsman:OperationTimeout: 20 s like Windows, but always under the HTTP timeout. */
function operationTimeoutFor(timeoutMs: number): number {
  return Math.max(1, Math.min(20, Math.floor((timeoutMs - 5000) / 1000)));
}

function validate(o: WinRMClientOptions): void {
  if (!o || typeof o.host !== "string" || o.host.trim() === "") throw new ConfigurationError("host is required");
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535)) {
    throw new ConfigurationError(`port must be an integer 1-65535, got ${String(o.port)}`);
  }
  if (!AUTHS.includes(o.auth)) {
    throw new ConfigurationError(`auth must be one of ${AUTHS.map((a) => `"${a}"`).join(", ")}, got "${String(o.auth)}"`);
  }
  if (typeof o.username !== "string" || o.username === "") throw new ConfigurationError("username is required");
  const kerberos = o.auth === "kerberos" || o.auth === "negotiate";
  if (o.password !== undefined && typeof o.password !== "string") throw new ConfigurationError("password must be a string");
  if (o.password === undefined && !kerberos) {
    throw new ConfigurationError(`password is required for auth "${o.auth}" (only "kerberos" and "negotiate" can use a kinit credential cache)`);
  }
  if (o.realm !== undefined && (typeof o.realm !== "string" || !/^[^\s@/]+$/.test(o.realm))) {
    throw new ConfigurationError(`realm must be a Kerberos realm such as CORP.EXAMPLE.COM, got "${String(o.realm)}"`);
  }
  if (o.kdc !== undefined) {
    try {
      parseKdcAddress(String(o.kdc));
    } catch (err) {
      throw new ConfigurationError(`kdc must be "host" or "host:port": ${(err as Error).message}`);
    }
  }
  if (o.auth === "kerberos" && isIP(o.host.trim().replace(/^\[|\]$/g, "")) !== 0 && !o.kerberosHostname) {
    throw new ConfigurationError(
      `auth "kerberos" needs the host's name, not the address ${o.host.trim()}: Kerberos asks the KDC for HTTP/<name>. ` +
        `Connect by the fully qualified name, set kerberosHostname, or use auth "negotiate" (NTLM for addresses)`,
    );
  }
  if (o.auth === "basic" && !o.https && o.allowUnencrypted !== true) {
    throw new ConfigurationError(
      `refusing Basic authentication over plain HTTP to ${o.host}: the password would travel in clear text. ` +
        `Use https: true, auth "ntlm" (messages are encrypted), or set allowUnencrypted: true deliberately`,
    );
  }
  if (o.certFingerprint !== undefined && !/^[0-9A-F]{64}$/.test(normaliseFingerprint(o.certFingerprint))) {
    throw new ConfigurationError("certFingerprint must be a SHA-256 fingerprint: 64 hex digits, colons optional");
  }
  for (const [name, v] of [["timeoutMs", o.timeoutMs], ["connectTimeoutMs", o.connectTimeoutMs], ["commandTimeoutMs", o.commandTimeoutMs]] as const) {
    if (v !== undefined && (!Number.isFinite(v) || v <= 0)) throw new ConfigurationError(`${name} must be a positive number`);
  }
  if (o.retries !== undefined && (!Number.isInteger(o.retries) || o.retries < 0)) {
    throw new ConfigurationError("retries must be a non-negative integer");
  }
}

function makeAuthenticator(transport: HttpTransport, o: WinRMClientOptions): Authenticator {
  const tickets = () =>
    new KerberosTickets({
      username: o.username,
      password: o.password,
      realm: o.realm,
      kdc: o.kdc,
      spnHost: (o.kerberosHostname ?? o.host).trim(),
      env: o.kerberosEnv,
    });
  switch (o.auth) {
    case "basic":
      return new BasicAuthenticator(transport, o.username, o.password!);
    case "credssp":
      return new CredSspAuthenticator(transport, o.username, o.password!, { tickets: tickets() });
    case "kerberos":
      return new KerberosAuthenticator(transport, tickets(), { username: o.username });
    case "negotiate":
      return new NegotiateAuthenticator(transport, tickets(), o.username, o.password);
    default:
      return new NtlmAuthenticator(transport, o.username, o.password!);
  }
}

export class WinRMClient {
  readonly endpoint: Endpoint;
  private readonly transport: HttpTransport;
  private readonly authenticator: Authenticator;
  private readonly session: WsmanSession;
  private readonly commandTimeoutMs: number;

  constructor(options: WinRMClientOptions) {
    validate(options);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.endpoint = makeEndpoint(options.host.trim(), options.https ? "https" : "http", options.port);
    this.transport = new HttpTransport(this.endpoint, {
      tls: {
        caCert: options.caCert,
        certFingerprint: options.certFingerprint,
        insecureSkipVerify: options.insecureSkipVerify === true,
        serverName: options.serverName,
      },
      connectTimeoutMs: options.connectTimeoutMs ?? Math.min(timeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
      requestTimeoutMs: timeoutMs,
      maxResponseBytes: MAX_REPLY_BYTES,
    });
    this.authenticator = makeAuthenticator(this.transport, options);
    this.session = new WsmanSession(
      this.endpoint,
      this.authenticator,
      { retries: options.retries ?? DEFAULT_RETRIES, baseDelayMs: 200, maxDelayMs: 3000 },
      operationTimeoutFor(timeoutMs),
    );
  }

  /**
   * What authenticated the connection, once a request was made: "basic", "ntlm",
   * "kerberos", or for CredSSP "credssp/kerberos" / "credssp/ntlm" (the mechanism inside).
   * For auth "negotiate" it says which one Negotiate picked.
   */
  get authMechanism(): string | undefined {
    const a = this.authenticator;
    if (a instanceof BasicAuthenticator) return "basic";
    if (a instanceof NtlmAuthenticator) return "ntlm";
    if (a instanceof KerberosAuthenticator) return a.lastMechanism;
    if (a instanceof NegotiateAuthenticator) return a.mechanism;
    if (a instanceof CredSspAuthenticator) return a.lastMechanism && `credssp/${a.lastMechanism}`;
    return undefined;
  }

  /**
   * Runs a command in a cmd shell; a non-zero exit code is returned, not thrown. The
   * command must finish within commandTimeoutMs (or `options.timeoutMs`), else a
   * TimeoutError with phase "command" is thrown and the shell is terminated.
   */
  runCommand(command: string, args?: string[], options?: CommandOptions): Promise<CommandResult> {
    return runCommand(this.session, command, args ?? [], { ...options, timeoutMs: options?.timeoutMs ?? this.commandTimeoutMs });
  }

  /** WS-Transfer Get; the root element of the reply as a plain object. */
  get(resourceUri: string, selectors?: Record<string, string>): Promise<WsmanObject> {
    return transferGet(this.session, resourceUri, selectors);
  }

  /** WS-Transfer Put of a (partial) resource element given as XML. */
  put(resourceUri: string, body: string, selectors?: Record<string, string>): Promise<WsmanObject> {
    return transferPut(this.session, resourceUri, body, selectors);
  }

  create(resourceUri: string, body: string, selectors?: Record<string, string>): Promise<WsmanObject> {
    return transferCreate(this.session, resourceUri, body, selectors);
  }

  delete(resourceUri: string, selectors?: Record<string, string>): Promise<void> {
    return transferDelete(this.session, resourceUri, selectors);
  }

  /** Invokes a WMI method; resolves to the <Method>_OUTPUT element as a plain object. */
  invoke(resourceUri: string, method: string, input: InvokeInput, selectors?: Record<string, string>): Promise<WsmanObject> {
    return invokeMethod(this.session, resourceUri, method, input, selectors);
  }

  /** Enumerates all instances, optionally filtered by a WQL query. */
  enumerate(resourceUri: string, filter?: string): Promise<WsmanObject[]> {
    return enumerateAll(this.session, resourceUri, filter);
  }

  /** Closes the connection; the client cannot be used afterwards. */
  async close(): Promise<void> {
    this.authenticator.reset();
    this.transport.close();
  }
}
