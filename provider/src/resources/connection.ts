// The `connection` input every resource takes, its validation, and the one place a
// resource opens a WinRM session: under the host's lock, with every failure turned
// into a sentence naming host, port, scheme and setting, and the password redacted.
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { WinRMClient } from "../winrm";
import { hostLockKey, withHostLock, wrapFault } from "../windows";
import type { WsmanHostApi } from "../windows";
import type { OwnedKeys } from "./key-ownership";
import { checked, hostProblem } from "./validation";

const SHA256_FINGERPRINT = /^(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$/;

export const connectionSchema = z
  .object({
    host: checked(hostProblem),
    port: z.number().int("port must be a whole number").min(1, "port must be 1-65535").max(65535, "port must be 1-65535").optional(),
    https: z.boolean().optional(),
    auth: z.enum(["ntlm", "basic"]).optional(),
    user: z.string().min(1, "user is required, e.g. \"CORP\\\\admin\" or \"admin\""),
    password: z.string().min(1, "password is required"),
    allowUnencrypted: z.boolean().optional(),
    caCert: z.string().includes("-----BEGIN CERTIFICATE-----", { message: "caCert must be a PEM certificate" }).optional(),
    certFingerprint: z.string().regex(SHA256_FINGERPRINT, "certFingerprint must be a SHA-256 fingerprint (64 hex digits, colons optional)").optional(),
    insecureSkipVerify: z.boolean().optional(),
    timeoutSeconds: z.number().positive("timeoutSeconds must be positive").max(3600, "timeoutSeconds must be at most 3600").optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.auth === "basic" && c.https !== true && c.allowUnencrypted !== true) {
      ctx.addIssue({
        code: "custom",
        path: ["auth"],
        message:
          'auth "basic" over plain HTTP would send the password in clear text: set https: true (port 5986), ' +
          'use auth "ntlm" (encrypted), or set allowUnencrypted: true if you really mean it',
      });
    }
  });

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

export function openClient(c: Connection): WinRMClient {
  return new WinRMClient({
    host: c.host,
    port: connectionPort(c),
    https: c.https ?? false,
    auth: c.auth ?? "ntlm",
    username: c.user,
    password: c.password,
    allowUnencrypted: c.allowUnencrypted,
    caCert: c.caCert,
    certFingerprint: c.certFingerprint,
    insecureSkipVerify: c.insecureSkipVerify,
    timeoutMs: c.timeoutSeconds === undefined ? undefined : c.timeoutSeconds * 1000,
  });
}

/**
 * One operation on one host, handed to the function `onHost` runs: the session and
 * what the operation records as it goes. Each write updates `changes`/`keys` before
 * the next one, so a failure part-way leaves an exact record (PartialApplyError).
 */
export interface HostOp {
  /** The session, as the slice of WinRMClient the Windows layer uses. */
  readonly api: WsmanHostApi;
  /** `connection.host` as the program wrote it, for messages. */
  readonly host: string;
  /** One line per change made on the host (the resource's `lastApplied`). */
  readonly changes: string[];
  /** The registry keys the resource touched (key-ownership.ts). */
  readonly keys: OwnedKeys;
  /** Names the setting now being read or written, so that a failure names it. */
  working(setting: string): void;
}

/**
 * Runs `fn` with a WinRM session to the host, holding the host's lock for the
 * whole read-modify-write (CredSSPClient and DelegationPolicy share values and
 * Pulumi runs them in parallel). A failure becomes a WindowsError naming the host,
 * the setting `fn` was working on, and never the password. `record` is where the
 * operation's changes and touched keys go (the resource state's own objects).
 */
export async function onHost<T>(
  c: Connection,
  fn: (op: HostOp) => Promise<T>,
  record: { changes?: string[]; keys?: OwnedKeys } = {},
): Promise<T> {
  let setting = "WinRM connection";
  return withHostLock(hostLockKey(c.host, connectionPort(c)), async () => {
    const client = openClient(c);
    const op: HostOp = {
      api: client,
      host: c.host,
      changes: record.changes ?? [],
      keys: record.keys ?? {},
      working: (now) => void (setting = now),
    };
    try {
      return await fn(op);
    } catch (err) {
      throw wrapFault(err, {
        host: c.host,
        port: connectionPort(c),
        scheme: connectionScheme(c),
        auth: c.auth ?? "ntlm",
        setting,
        redact: [c.password],
      });
    } finally {
      await client.close().catch(() => undefined);
    }
  });
}

/** The `connection` input as a program writes it. The password is always stored as a secret. */
export interface ConnectionArgs {
  /** The Windows host: FQDN (recommended), short name or IP address. */
  host: pulumi.Input<string>;
  /** Defaults to 5985 (HTTP) or 5986 (HTTPS). */
  port?: pulumi.Input<number>;
  /** Use HTTPS (TLS verified against the system CAs unless caCert/certFingerprint say otherwise). */
  https?: pulumi.Input<boolean>;
  /** "ntlm" (default; messages encrypted over HTTP) or "basic" (HTTPS only unless allowUnencrypted). */
  auth?: pulumi.Input<"ntlm" | "basic">;
  /** "CORP\\admin", "admin@corp.example.com" or a local "admin". Must be a local Administrator. */
  user: pulumi.Input<string>;
  password: pulumi.Input<string>;
  /** Allow Basic over plain HTTP. Sends the password in clear text; off by default. */
  allowUnencrypted?: pulumi.Input<boolean>;
  /** PEM CA certificate that signed the host's WinRM HTTPS certificate. */
  caCert?: pulumi.Input<string>;
  /** SHA-256 fingerprint the host's certificate must have (pinning). */
  certFingerprint?: pulumi.Input<string>;
  /** Accept any certificate. Only for labs; never the default. */
  insecureSkipVerify?: pulumi.Input<boolean>;
  /** Per-request timeout in seconds. */
  timeoutSeconds?: pulumi.Input<number>;
}
