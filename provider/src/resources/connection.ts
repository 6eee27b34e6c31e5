// The `connection` input every resource takes, its validation, and the one place a
// resource opens a WinRM session: under the host's lock, with every failure turned
// into a sentence naming host, port, scheme and setting, and the password redacted.
import { z } from "zod";
import { parseKdcAddress } from "../winrm";
import type { WinRMClientOptions } from "../winrm";
import { OperationView, withHostSession, wrapFault } from "../windows";
import type { PowerShellHostApi, WsmanHostApi } from "../windows";
import { checked, hostProblem, isIpAddress } from "./validation";

/** The values of `connection.auth`; gen-schema.ts names this enum AuthScheme. */
export const AUTH_SCHEMES = ["ntlm", "basic", "credssp", "kerberos", "negotiate"] as const;

function isKdcAddress(v: string): boolean {
  try {
    parseKdcAddress(v);
    return true;
  } catch {
    return false;
  }
}

const SHA256_FINGERPRINT = /^(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$/;

export const connectionSchema = z
  .object({
    host: checked(hostProblem).describe("The Windows host: FQDN (recommended), short name or IP address."),
    port: z
      .number()
      .int("port must be a whole number")
      .min(1, "port must be 1-65535")
      .max(65535, "port must be 1-65535")
      .optional()
      .describe("WinRM port. Defaults to 5985 for HTTP and 5986 for HTTPS."),
    https: z
      .boolean()
      .optional()
      .describe("Connect over HTTPS. The certificate is verified against the system CAs unless `caCert` or `certFingerprint` is given."),
    auth: z
      .enum(AUTH_SCHEMES)
      .optional()
      .describe(
        'Authentication scheme: `"ntlm"` (default; messages encrypted over HTTP), `"kerberos"` (a ticket for `HTTP/<host>` from the ' +
          "realm's KDC, the host proves its identity; messages encrypted over HTTP), `\"negotiate\"` (Kerberos when a ticket can be had " +
          'for the host, else NTLM, as Windows does), `"basic"` (HTTPS only, unless `allowUnencrypted`), ' +
          'or `"credssp"` (Kerberos or NTLM inside a TLS channel bound to the host\'s key, then the password is delegated to the host; ' +
          "messages encrypted over HTTP; the host must have Service/Auth/CredSSP=true).",
      ),
    user: z
      .string()
      .min(1, "user is required, e.g. \"CORP\\\\admin\" or \"admin\"")
      .describe(
        'An account that is a local Administrator on the host: `"CORP\\\\admin"`, `"admin@corp.example.com"` or `"admin"`. ' +
          'For Kerberos, the user principal: `"admin"` (in the realm) or `"admin@CORP.EXAMPLE.COM"`.',
      ),
    password: z
      .string()
      .min(1, "password is required")
      .optional()
      .describe(
        "The account's password. Always stored as a secret. Required, except with `auth` `\"kerberos\"` or `\"negotiate\"`: without it the " +
          "Kerberos ticket comes from the credential cache `kinit` filled (`KRB5CCNAME`) where Pulumi runs.",
      ),
    realm: z
      .string()
      .regex(/^[^\s@/\\]+$/, "realm must be a Kerberos realm such as CORP.EXAMPLE.COM")
      .optional()
      .describe(
        "Kerberos realm of `user`, e.g. `CORP.EXAMPLE.COM` (upper case, like the AD domain), for auth `kerberos`, `negotiate` " +
          "and `credssp` (ignored by the others). Default: from `user@REALM`, else krb5.conf's `[domain_realm]` for the host, " +
          "else its `default_realm`.",
      ),
    kdc: z
      .string()
      .refine(isKdcAddress, 'kdc must be "host" or "host:port", e.g. "dc01.corp.example.com:88"')
      .optional()
      .describe(
        "The KDC (a domain controller) as `host` or `host:port`, instead of the realm's `kdc` entries in krb5.conf " +
          "(`KRB5_CONFIG`, default /etc/krb5.conf), for auth `kerberos`, `negotiate` and `credssp`. UDP, and TCP for long messages.",
      ),
    kerberosHostname: checked(hostProblem)
      .optional()
      .describe(
        "The host name in the service principal Kerberos asks a ticket for, `HTTP/<kerberosHostname>`, when `host` is an " +
          "IP address or an alias (e.g. a load balancer). Default: `host`.",
      ),
    allowUnencrypted: z
      .boolean()
      .optional()
      .describe("Allow Basic authentication over plain HTTP, which sends the password in clear text. Off by default."),
    caCert: z
      .string()
      .includes("-----BEGIN CERTIFICATE-----", { message: "caCert must be a PEM certificate" })
      .optional()
      .describe("PEM CA certificate that signed the host's WinRM HTTPS certificate."),
    certFingerprint: z
      .string()
      .regex(SHA256_FINGERPRINT, "certFingerprint must be a SHA-256 fingerprint (64 hex digits, colons optional)")
      .optional()
      .describe("SHA-256 fingerprint the host's HTTPS certificate must have (certificate pinning)."),
    insecureSkipVerify: z.boolean().optional().describe("Accept any HTTPS certificate. For labs only; never the default."),
    timeoutSeconds: z
      .number()
      .positive("timeoutSeconds must be positive")
      .max(3600, "timeoutSeconds must be at most 3600")
      .optional()
      .describe("Per-request timeout, in seconds."),
  })
  .strict()
  .superRefine(
    (c, ctx) => {
      // Reported beside the other fields' problems (a missing user too), so it runs on the raw object.
      const raw = c as { auth?: unknown; password?: unknown };
      const auth = raw.auth ?? "ntlm";
      if (raw.password === undefined && (auth === "ntlm" || auth === "basic" || auth === "credssp")) {
        ctx.addIssue({
          code: "custom",
          path: ["password"],
          message: `password is required for auth "${auth}" (only "kerberos" and "negotiate" can use a kinit credential cache instead)`,
        });
      }
    },
    { when: (payload) => typeof payload.value === "object" && payload.value !== null },
  )
  .superRefine((c, ctx) => {
    if (c.auth === "kerberos" && isIpAddress(c.host) && c.kerberosHostname === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["host"],
        message:
          `auth "kerberos" needs the host's name, not the address ${c.host}: Kerberos asks the KDC for HTTP/<name>. ` +
          'Use the FQDN, set kerberosHostname, or use auth "negotiate" (NTLM for addresses)',
      });
    }
    if (c.auth === "basic" && c.https !== true && c.allowUnencrypted !== true) {
      ctx.addIssue({
        code: "custom",
        path: ["auth"],
        message:
          'auth "basic" over plain HTTP would send the password in clear text: set https: true (port 5986), ' +
          'use auth "ntlm" (encrypted), or set allowUnencrypted: true if you really mean it',
      });
    }
  })
  .describe("How to reach a host over WinRM. The password is a secret.");

export type Connection = z.infer<typeof connectionSchema>;

/** The port a connection uses: explicit, else WinRM's default for the scheme. */
export function connectionPort(c: Connection): number {
  return c.port ?? (c.https ? 5986 : 5985);
}

export function connectionScheme(c: Connection): "http" | "https" {
  return c.https ? "https" : "http";
}

/** Fills the defaults, so state shows what was actually used. */
export function withConnectionDefaults(c: Connection): Connection {
  return { ...c, port: connectionPort(c), https: c.https ?? false, auth: c.auth ?? "ntlm" };
}

/** The WinRM client options a connection stands for. */
export function clientOptions(c: Connection): WinRMClientOptions {
  return {
    host: c.host,
    port: connectionPort(c),
    https: c.https ?? false,
    auth: c.auth ?? "ntlm",
    username: c.user,
    password: c.password,
    realm: c.realm,
    kdc: c.kdc,
    kerberosHostname: c.kerberosHostname,
    allowUnencrypted: c.allowUnencrypted,
    caCert: c.caCert,
    certFingerprint: c.certFingerprint,
    insecureSkipVerify: c.insecureSkipVerify,
    timeoutMs: c.timeoutSeconds === undefined ? undefined : c.timeoutSeconds * 1000,
  };
}

/**
 * One operation on one host, handed to the function `onHost` runs: the session and
 * what the operation records as it goes. Each write updates `changes` (and the
 * ownership record, ownership.ts) before the next one, so a failure part-way leaves
 * an exact record (PartialApplyError).
 */
export interface HostOp {
  /** The session, as the slice of WinRMClient the Windows layer uses. */
  readonly api: WsmanHostApi;
  /** The same session, for running PowerShell there (the double-hop check). */
  readonly shell: PowerShellHostApi;
  /** The key of the host lock this operation holds (the host's identity); none for a read. */
  readonly hostKey?: string;
  /** `connection.host` as the program wrote it, for messages. */
  readonly host: string;
  /** One line per change made on the host (the resource's `lastApplied`). */
  readonly changes: string[];
  /** Names the setting now being read or written, so that a failure names it. */
  working(setting: string): void;
}

/**
 * A refresh reads a host's four resources one after another, each once: they share one
 * view of the host (windows/operation-view.ts), so the second resource to read
 * AllowFreshCredentials, or the WSMan config, gets what the first read — one snapshot
 * of the host per run. The view is left for a fresh one when it is older than this,
 * when a resource that already read from it reads again (a second refresh in the same
 * process), and when an operation writes to the host through this process.
 */
const SHARED_READ_MAX_AGE_MS = 10_000;
interface SharedRead {
  view: OperationView;
  at: number;
  readers: Set<string>;
}
const readViews = new WeakMap<object, SharedRead>();

function sharedReadView(client: WsmanHostApi, reader: string | undefined): OperationView {
  const known = readViews.get(client);
  if (known && reader !== undefined && !known.readers.has(reader) && Date.now() - known.at <= SHARED_READ_MAX_AGE_MS) {
    known.readers.add(reader);
    return known.view;
  }
  const view = new OperationView(client);
  readViews.set(client, { view, at: Date.now(), readers: new Set(reader === undefined ? [] : [reader]) });
  return view;
}

/**
 * Runs `fn` with the host's pooled WinRM session (one per host and credentials in the
 * provider process, authenticated once and shared by the run's operations), holding
 * the host's lock for the whole read-modify-write (CredSSPClient and DelegationPolicy
 * share values and Pulumi runs them in parallel). The lock is the Windows host's (its
 * MachineGuid, read once per session), so the same host reached through another port
 * or name waits its turn. A failure becomes a WindowsError naming the host, the setting `fn`
 * was working on, and never the password. `record.changes` is where the operation's
 * changes go (the resource state's own `lastApplied`); `record.readOnly` marks a read
 * (Pulumi's Read, by the resource `record.reader`), which takes no lock and shares what
 * it reads with the host's other resources' reads.
 */
export async function onHost<T>(
  c: Connection,
  fn: (op: HostOp) => Promise<T>,
  record: { changes?: string[]; readOnly?: boolean; reader?: string } = {},
): Promise<T> {
  let setting = "WinRM connection";
  try {
    return await withHostSession(
      clientOptions(c),
      (client, hostKey) => {
        if (!record.readOnly) readViews.delete(client); // this operation may change what they saw
        return fn({
          api: record.readOnly ? sharedReadView(client, record.reader) : new OperationView(client),
          shell: client,
          hostKey,
          host: c.host,
          changes: record.changes ?? [],
          working: (now) => void (setting = now),
        });
      },
      { readOnly: record.readOnly },
    );
  } catch (err) {
    throw wrapFault(err, {
      host: c.host,
      port: connectionPort(c),
      scheme: connectionScheme(c),
      auth: c.auth ?? "ntlm",
      setting,
      redact: c.password ? [c.password] : [],
    });
  }
}
