// Typed Kerberos errors, inside the wire layer's hierarchy (KerberosError extends
// WinRMError). Each class declares its `name` and a literal `code` (WINRM_KRB_*), so
// callers branch on `code`, never on message text. A KRB-ERROR from a KDC or a server
// becomes the class that matches its error code (errorFromKrbError); its message names
// the code (e.g. "KRB_AP_ERR_SKEW (37)") and says what to do about it. No message ever
// carries a password or key material.

import { WinRMError } from "../errors";
import { krbErrorName, KrbErrorCode } from "./constants";

/** The base of every Kerberos failure. */
export abstract class KerberosError extends WinRMError {
  abstract override readonly code: `WINRM_KRB_${string}`;
  override readonly name: string = "KerberosError";
}

/** A token or message that does not parse, or breaks the protocol's rules. */
export class KerberosProtocolError extends KerberosError {
  override readonly name = "KerberosProtocolError";
  readonly code = "WINRM_KRB_PROTOCOL";
}

/** A checksum or decryption that did not verify: the wrong key, or tampering. */
export class KerberosIntegrityError extends KerberosError {
  override readonly name = "KerberosIntegrityError";
  readonly code = "WINRM_KRB_INTEGRITY";
}

/** Kerberos cannot be set up from what we were given: no realm, no KDC, a bad krb5.conf, ccache or keytab. */
export class KerberosConfigError extends KerberosError {
  override readonly name = "KerberosConfigError";
  readonly code = "WINRM_KRB_CONFIG";
}

/** Neither a password nor a usable ticket in the credential cache. */
export class KerberosNoCredentialsError extends KerberosError {
  override readonly name = "KerberosNoCredentialsError";
  readonly code = "WINRM_KRB_NO_CREDENTIALS";
}

/** No KDC of the realm answered (refused, unreachable, or timed out on every transport). */
export class KdcUnreachableError extends KerberosError {
  override readonly name = "KdcUnreachableError";
  readonly code = "WINRM_KRB_KDC_UNREACHABLE";
  readonly realm: string;
  readonly kdcs: string[];
  constructor(fields: { realm: string; kdcs: string[]; detail: string; cause?: unknown }) {
    super(
      `no KDC for realm ${fields.realm} answered (${fields.kdcs.join(", ") || "none configured"}): ${fields.detail}; ` +
        `check the kdc entries for ${fields.realm} in krb5.conf (or the connection's kdc) and that port 88 is reachable`,
      { cause: fields.cause },
    );
    this.realm = fields.realm;
    this.kdcs = fields.kdcs;
  }
}

/**
 * Our acceptor refused an AP-REQ. `errorToken` is the GSS-framed KRB-ERROR to send the
 * client (as Windows does in a 401's WWW-Authenticate), so its client can say why.
 */
export class ApReqRejectedError extends KerberosError {
  override readonly name = "ApReqRejectedError";
  readonly code = "WINRM_KRB_APREQ_REJECTED";
  readonly krbErrorCode: number;
  readonly krbErrorName: string;
  readonly errorToken: Buffer;
  constructor(fields: { krbErrorCode: number; detail: string; errorToken: Buffer }) {
    const name = krbErrorName(fields.krbErrorCode);
    super(`rejected a Kerberos AP-REQ with ${name} (${fields.krbErrorCode}): ${fields.detail}`);
    this.krbErrorCode = fields.krbErrorCode;
    this.krbErrorName = name;
    this.errorToken = fields.errorToken;
  }
}

/** What a KRB-ERROR said, as the error classes need it (decoupled from the ASN.1 type). */
export interface KrbErrorFacts {
  errorCode: number;
  eText?: string;
  /** Server time when it sent the error (ms since epoch). */
  serverTime?: number;
  realm?: string;
  /** Service principal the error is about, as text. */
  service?: string;
}

/** Where the error happened, to say it in the user's terms. */
export interface KrbErrorContext {
  /** "AS" (getting a TGT), "TGS" (getting a service ticket) or "AP" (the server rejected our ticket). */
  exchange: "AS" | "TGS" | "AP";
  client?: string;
  /** The service principal we asked for (TGS) or presented (AP). */
  target?: string;
  /** Our clock when the error arrived (ms since epoch), for the skew figure. */
  localTime?: number;
}

/**
 * A KRB-ERROR we received from the KDC or the server: the code, its name, and what to
 * check. The subclasses are the codes a user can act on; KerberosRejectedError the rest.
 */
export abstract class KerberosRejection extends KerberosError {
  override readonly name: string = "KerberosRejection";
  /** RFC 4120 error-code. */
  readonly krbErrorCode: number;
  /** Its standard name, e.g. KDC_ERR_PREAUTH_FAILED. */
  readonly krbErrorName: string;
  readonly exchange: KrbErrorContext["exchange"];
  readonly eText?: string;
  constructor(facts: KrbErrorFacts, ctx: KrbErrorContext, advice: string) {
    const name = krbErrorName(facts.errorCode);
    const from = ctx.exchange === "AP" ? "the server" : "the KDC";
    const what = ctx.exchange === "AS" ? `getting a ticket for ${ctx.client ?? "the user"}`
      : ctx.exchange === "TGS" ? `getting a service ticket for ${ctx.target ?? "the service"}`
      : `authenticating to ${ctx.target ?? "the service"}`;
    const etext = facts.eText ? ` ("${facts.eText}")` : "";
    super(`Kerberos ${name} (${facts.errorCode}) from ${from} while ${what}${etext}: ${advice}`);
    this.krbErrorCode = facts.errorCode;
    this.krbErrorName = name;
    this.exchange = ctx.exchange;
    this.eText = facts.eText;
  }
}

/** A KRB-ERROR without a more specific class. */
export class KerberosRejectedError extends KerberosRejection {
  override readonly name = "KerberosRejectedError";
  readonly code = "WINRM_KRB_REJECTED";
}

/** KRB_AP_ERR_SKEW: our clock and the KDC's (or server's) differ by more than the allowed skew. */
export class KerberosClockSkewError extends KerberosRejection {
  override readonly name = "KerberosClockSkewError";
  readonly code = "WINRM_KRB_CLOCK_SKEW";
  /** Server clock minus ours, in seconds, when the error carried the server's time. */
  readonly skewSeconds?: number;
  constructor(facts: KrbErrorFacts, ctx: KrbErrorContext) {
    const skew = facts.serverTime !== undefined && ctx.localTime !== undefined
      ? Math.round((facts.serverTime - ctx.localTime) / 1000)
      : undefined;
    const by = skew !== undefined ? ` (its clock is ${Math.abs(skew)} s ${skew >= 0 ? "ahead of" : "behind"} ours)` : "";
    super(
      facts,
      ctx,
      `clocks differ by more than the allowed 5 minutes${by}; synchronise this machine's clock with the domain ` +
        `(NTP/chrony here, w32tm /resync on Windows)`,
    );
    this.skewSeconds = skew;
  }
}

/** KDC_ERR_C_PRINCIPAL_UNKNOWN: the KDC has no such user. */
export class KerberosPrincipalUnknownError extends KerberosRejection {
  override readonly name = "KerberosPrincipalUnknownError";
  readonly code = "WINRM_KRB_PRINCIPAL_UNKNOWN";
  constructor(facts: KrbErrorFacts, ctx: KrbErrorContext) {
    super(facts, ctx, `the realm has no user ${ctx.client ?? "by that name"}; check the user name and the realm (user@REALM, realm in upper case)`);
  }
}

/** KDC_ERR_PREAUTH_FAILED, or an AS-REP our key cannot decrypt: the password is wrong. */
export class KerberosBadPasswordError extends KerberosRejection {
  override readonly name = "KerberosBadPasswordError";
  readonly code = "WINRM_KRB_BAD_PASSWORD";
  constructor(facts: KrbErrorFacts, ctx: KrbErrorContext) {
    super(facts, ctx, `the password for ${ctx.client ?? "the user"} is wrong; check it (and that the account is not locked out)`);
  }
}

/** KDC_ERR_S_PRINCIPAL_UNKNOWN on a TGS-REQ: no account holds the SPN we asked for. */
export class KerberosNoSpnError extends KerberosRejection {
  override readonly name = "KerberosNoSpnError";
  readonly code = "WINRM_KRB_NO_SPN";
  constructor(facts: KrbErrorFacts, ctx: KrbErrorContext) {
    super(
      facts,
      ctx,
      `no account in the realm has the service principal name ${ctx.target ?? "requested"}; connect by the host's fully ` +
        `qualified name (not an IP address or alias), or register the SPN (setspn -S ${spnForAdvice(ctx.target)} <computer account>)`,
    );
  }
}

function spnForAdvice(target: string | undefined): string {
  return target ? target.replace(/@.*$/, "") : "HTTP/<fqdn>";
}

/** Advice for the codes without their own class. */
const ADVICE: Readonly<Record<number, string>> = {
  [KrbErrorCode.ETYPE_NOSUPP]: "the KDC and this client share no encryption type; enable AES (or RC4) keys for the account",
  [KrbErrorCode.CLIENT_REVOKED]: "the account is disabled, locked out or expired",
  [KrbErrorCode.KEY_EXPIRED]: "the password has expired; change it",
  [KrbErrorCode.WRONG_REALM]: "the realm is wrong for this principal; check the realm (upper case) and [domain_realm] in krb5.conf",
  [KrbErrorCode.AP_ERR_TKT_EXPIRED]: "the ticket has expired; get a new one (kinit, or give the password)",
  [KrbErrorCode.AP_ERR_TKT_NYV]: "the ticket is not yet valid; check the clocks",
  [KrbErrorCode.AP_ERR_REPEAT]: "the server saw this authenticator before (a replay); retry",
  [KrbErrorCode.AP_ERR_BAD_INTEGRITY]:
    "the server could not decrypt the ticket or authenticator; its keytab does not match the KDC's key for the SPN (re-export the keytab)",
  [KrbErrorCode.AP_ERR_MODIFIED]:
    "the server could not decrypt the ticket; its keytab does not match the KDC's key for the SPN (re-export the keytab, or the SPN is registered on another account)",
  [KrbErrorCode.AP_ERR_BADKEYVER]: "the server's keytab has no key of this version; re-export the keytab",
  [KrbErrorCode.AP_ERR_NOKEY]: "the server's keytab has no key for this service principal and encryption type",
  [KrbErrorCode.AP_ERR_BADMATCH]: "the ticket and authenticator name different clients",
  [KrbErrorCode.AP_ERR_INAPP_CKSUM]: "the channel bindings did not match (a TLS-intercepting proxy?)",
};

/** The typed error for a KRB-ERROR received in `ctx`. */
export function errorFromKrbError(facts: KrbErrorFacts, ctx: KrbErrorContext): KerberosRejection {
  switch (facts.errorCode) {
    case KrbErrorCode.AP_ERR_SKEW:
      return new KerberosClockSkewError(facts, ctx);
    case KrbErrorCode.C_PRINCIPAL_UNKNOWN:
      return new KerberosPrincipalUnknownError(facts, ctx);
    case KrbErrorCode.PREAUTH_FAILED:
      return new KerberosBadPasswordError(facts, ctx);
    case KrbErrorCode.AP_ERR_BAD_INTEGRITY:
      // From the KDC during AS this means the encrypted timestamp did not decrypt: the password.
      if (ctx.exchange === "AS") return new KerberosBadPasswordError(facts, ctx);
      break;
    case KrbErrorCode.S_PRINCIPAL_UNKNOWN:
      if (ctx.exchange === "TGS") return new KerberosNoSpnError(facts, ctx);
      break;
  }
  return new KerberosRejectedError(facts, ctx, ADVICE[facts.errorCode] ?? "see RFC 4120 section 7.5.9 for this error code");
}
