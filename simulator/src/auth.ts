// HTTP authentication the way the WinRM service (HTTP.sys) does it.
//
// - 401 carries one WWW-Authenticate header per usable scheme: Negotiate, Kerberos,
//   Basic realm="WSMAN", CredSSP (only when Service/Auth/CredSSP=true).
// - Negotiate (NTLM inside, raw or SPNEGO-wrapped) authenticates the *connection*: the
//   security context and its sealing keys live with the socket, so later requests on it
//   carry no Authorization header and are sealed with that context.
// - Basic authenticates each request and is usable only when Service/Auth/Basic=true and
//   the request came over HTTPS or Service/AllowUnencrypted=true.
//
// The NTLM primitives (contract A) and the WinRM encryption framing (contract B) are the
// shared, MS-NLMP-vector-tested wire library in provider/src/winrm; nothing else is shared.

import type { Account, HostIdentity } from "./identity";
import type { SimState } from "./state";
import { NtlmError, NtlmServer, unwrapSpnego, wrapSpnegoResponse } from "../../provider/src/winrm/ntlm";
import type { NtlmSession } from "../../provider/src/winrm/ntlm";

/** Security state bound to one TCP/TLS connection. */
export interface ConnectionAuth {
  pending?: { server: NtlmServer; spnego: boolean };
  session?: NtlmSession;
  account?: Account;
}

export type AuthOutcome =
  /** Carry on with this account; `session` set when the connection is NTLM-authenticated. */
  | { kind: "ok"; account: Account; session?: NtlmSession; responseHeader?: string }
  /** Answer 401 with these WWW-Authenticate values. */
  | { kind: "challenge"; headers: string[] };

const bool = (state: SimState, path: string) => state.getConfig(path) === "true";

export function basicUsable(state: SimState, https: boolean): boolean {
  return bool(state, "Service/Auth/Basic") && (https || bool(state, "Service/AllowUnencrypted"));
}

/** The WWW-Authenticate list for a 401, in Windows' order. */
export function challengeHeaders(state: SimState, https: boolean): string[] {
  const out: string[] = [];
  if (bool(state, "Service/Auth/Negotiate")) out.push("Negotiate");
  if (bool(state, "Service/Auth/Kerberos")) out.push("Kerberos");
  if (basicUsable(state, https)) out.push('Basic realm="WSMAN"');
  if (bool(state, "Service/Auth/CredSSP")) out.push("CredSSP");
  return out;
}

/** NTLMSSP MessageType (offset 8, uint32 LE) of a raw NTLM token, or 0 when it is not one. */
function ntlmMessageType(token: Buffer): number {
  if (token.length < 12 || token.subarray(0, 8).toString("latin1") !== "NTLMSSP\0") return 0;
  return token.readUInt32LE(8);
}

export class Authenticator {
  constructor(
    private readonly identity: HostIdentity,
    private readonly state: SimState,
    /** Expected MsvAvChannelBindings for the HTTPS listener (RFC 5929 tls-server-end-point). */
    private readonly httpsChannelBindings?: Buffer,
  ) {}

  authenticate(authorization: string | undefined, conn: ConnectionAuth, https: boolean): AuthOutcome {
    const challenge = (): AuthOutcome => ({ kind: "challenge", headers: challengeHeaders(this.state, https) });
    if (!authorization) {
      if (conn.session && conn.account) return { kind: "ok", account: conn.account, session: conn.session };
      return challenge();
    }
    const sp = authorization.indexOf(" ");
    const scheme = (sp < 0 ? authorization : authorization.slice(0, sp)).toLowerCase();
    const param = sp < 0 ? "" : authorization.slice(sp + 1).trim();

    if (scheme === "basic") {
      // A new Authorization header replaces whatever the connection had.
      conn.session = undefined;
      conn.account = undefined;
      conn.pending = undefined;
      if (!basicUsable(this.state, https)) return challenge();
      const decoded = Buffer.from(param, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) return challenge();
      const account = this.identity.findAccount(decoded.slice(0, colon));
      if (!account || account.password !== decoded.slice(colon + 1)) return challenge();
      return { kind: "ok", account };
    }

    if (scheme === "negotiate" && bool(this.state, "Service/Auth/Negotiate")) {
      return this.negotiate(param, conn, https);
    }
    return challenge();
  }

  private negotiate(param: string, conn: ConnectionAuth, https: boolean): AuthOutcome {
    const challenge = (): AuthOutcome => ({ kind: "challenge", headers: challengeHeaders(this.state, https) });
    let ntlm: Buffer;
    let wasSpnego: boolean;
    try {
      ({ ntlm, wasSpnego } = unwrapSpnego(Buffer.from(param, "base64")));
    } catch {
      conn.pending = undefined;
      return challenge();
    }
    const type = ntlmMessageType(ntlm);
    if (type === 1) {
      conn.session = undefined;
      conn.account = undefined;
      const server = new NtlmServer({
        identity: {
          netbiosDomain: this.identity.netbiosName,
          netbiosComputer: this.identity.netbiosName,
          dnsDomain: this.identity.dnsDomain,
          dnsComputer: this.identity.fqdn,
        },
        lookupPassword: (user, domain) => this.identity.findAccount(user, domain)?.password,
        // CbtHardeningLevel: Relaxed (default) checks a CBT the client sends, None ignores it.
        // Strict (CBT required) is not modelled: it needs the NTLM layer to demand the AV pair.
        expectedChannelBindingsHash:
          https && this.state.getConfig("Service/Auth/CbtHardeningLevel") !== "None" ? this.httpsChannelBindings : undefined,
      });
      try {
        const challengeMsg = server.challenge(ntlm);
        conn.pending = { server, spnego: wasSpnego };
        const token = wasSpnego ? wrapSpnegoResponse(challengeMsg, "accept-incomplete") : challengeMsg;
        return { kind: "challenge", headers: [`Negotiate ${token.toString("base64")}`] };
      } catch (err) {
        if (err instanceof NtlmError) return challenge();
        throw err;
      }
    }
    if (type === 3 && conn.pending) {
      const { server, spnego } = conn.pending;
      conn.pending = undefined;
      try {
        const { user, domain, session } = server.authenticate(ntlm);
        const account = this.identity.findAccount(user, domain);
        if (!account) return challenge();
        conn.session = session;
        conn.account = account;
        const responseHeader = spnego
          ? `Negotiate ${wrapSpnegoResponse(Buffer.alloc(0), "accept-completed").toString("base64")}`
          : undefined;
        return { kind: "ok", account, session, responseHeader };
      } catch (err) {
        if (err instanceof NtlmError) return challenge();
        throw err;
      }
    }
    conn.pending = undefined;
    return challenge();
  }
}
