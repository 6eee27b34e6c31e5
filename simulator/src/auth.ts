// HTTP authentication the way the WinRM service (HTTP.sys) does it.
//
// - 401 carries one WWW-Authenticate header per usable scheme: Negotiate, Kerberos,
//   Basic realm="WSMAN", CredSSP (only when Service/Auth/CredSSP=true).
// - Negotiate (NTLM inside, raw or SPNEGO-wrapped) authenticates the *connection*: the
//   security context and its sealing keys live with the socket, so later requests on it
//   carry no Authorization header and are sealed with that context.
// - Basic authenticates each request and is usable only when Service/Auth/Basic=true and
//   the request came over HTTPS or Service/AllowUnencrypted=true.
// - CredSSP (only while Service/Auth/CredSSP=true) authenticates the connection too, in
//   several "Authorization: CredSSP" round trips (credssp.ts); the connection then keeps
//   the delegated credentials and the CredSSP TLS channel that encrypts its messages.
// - Remote UAC: a local administrator other than the built-in Administrator logs on over
//   the network with a filtered (non-administrator) token unless
//   HKLM\...\Policies\System\LocalAccountTokenFilterPolicy is 1, and WinRM answers that
//   logon with a 401 although the password was right (what pywinrm users report).
// - Kerberos, on a host with a keytab (kerberos.ts), authenticates the connection in one
//   round trip: a raw AP-REQ under "Negotiate" (pywinrm, pypsrp) or "Kerberos" (while
//   Service/Auth/Kerberos=true), or inside SPNEGO under "Negotiate" (Windows, our client;
//   spnego-acceptor.ts, which picks NTLM when the host has no keytab). The 200 carries the
//   AP-REP in WWW-Authenticate (mutual authentication); a refused AP-REQ gets a 401 with
//   the KRB-ERROR. Messages are then encrypted with the Kerberos context, framed
//   application/HTTP-SPNEGO-session-encrypted under Negotiate and
//   application/HTTP-Kerberos-session-encrypted under the Kerberos scheme (pypsrp sends
//   the latter only after authenticating with "Kerberos").
//
// The NTLM primitives (contract A), the WinRM encryption framing (contract B) and the
// CredSSP codec/TLS channel are the shared wire library in provider/src/winrm; the
// decisions (what to offer, how to refuse) are written here from Windows' behaviour.

import type { Account, HostIdentity } from "./identity";
import type { SimState } from "./state";
import { CredSspAcceptor } from "./credssp";
import type { CredSspHost } from "./credssp";
import type { AuthenticatedSession } from "./session";
import { NtlmError, NtlmServer, unwrapSpnego, wrapSpnegoResponse } from "../../provider/src/winrm/ntlm";
import type { NtlmSession } from "../../provider/src/winrm/ntlm";
import { decryptMessage, encryptMessage, ENCRYPTED_CONTENT_TYPE, isEncryptedContentType } from "../../provider/src/winrm/encryption";
import { decryptCredSsp, encryptCredSsp, isCredSspEncrypted } from "../../provider/src/winrm/credssp/encryption";
import type { CredSspSealer } from "../../provider/src/winrm/credssp/encryption";
import {
  encryptedContentType,
  isEncryptedWith,
  KERBEROS_ENCRYPTED_PROTOCOL,
  openBody,
  sealBody,
  SPNEGO_ENCRYPTED_PROTOCOL,
} from "../../provider/src/winrm/encrypted-body";
import type { WinrmWrapper } from "../../provider/src/winrm/encrypted-body";
import { decodeNegotiationToken } from "../../provider/src/winrm/gss/spnego";
import { Mech, sameMechanism } from "../../provider/src/winrm/gss/context";
import { isKerberosToken } from "../../provider/src/winrm/kerberos";
import type { HostKerberos } from "./kerberos";
import { SpnegoAcceptor } from "./spnego-acceptor";

/** Message encryption bound to an authenticated connection (MS-WSMV 2.2.9.1). */
export interface Sealer {
  isEncrypted(contentType: string | undefined): boolean;
  decrypt(body: Buffer): Promise<Buffer>;
  encrypt(plain: Buffer): Promise<{ body: Buffer; contentType: string }>;
}

function ntlmSealer(session: NtlmSession): Sealer {
  return {
    isEncrypted: isEncryptedContentType,
    decrypt: async (body) => decryptMessage(session, body).plain,
    encrypt: async (plain) => ({ body: encryptMessage(session, plain), contentType: ENCRYPTED_CONTENT_TYPE }),
  };
}

/** A GSS context's (Kerberos, or NTLM chosen inside SPNEGO) encryption under `protocol`. */
function gssSealer(context: WinrmWrapper, protocol: string): Sealer {
  const fail = (why: string) => new Error(`malformed encrypted WinRM message: ${why}`);
  return {
    isEncrypted: (contentType) => isEncryptedWith(contentType, protocol),
    decrypt: async (body) => openBody(context, body, protocol, fail).plain,
    encrypt: async (plain) => ({ body: sealBody(context, plain, protocol), contentType: encryptedContentType(protocol) }),
  };
}

function credSspSealer(channel: CredSspSealer): Sealer {
  return {
    isEncrypted: isCredSspEncrypted,
    decrypt: async (body) => (await decryptCredSsp(channel, body)).plain,
    encrypt: (plain) => encryptCredSsp(channel, plain),
  };
}

/** Security state bound to one TCP/TLS connection. */
export interface ConnectionAuth {
  pending?: { server: NtlmServer; spnego: boolean };
  /** A CredSSP exchange in progress. */
  credssp?: CredSspAcceptor;
  /** A SPNEGO exchange (Kerberos offered) in progress. */
  spnego?: SpnegoAcceptor;
  /** Set once the connection itself is authenticated (Negotiate or CredSSP). */
  session?: AuthenticatedSession;
  sealer?: Sealer;
}

export type AuthOutcome =
  /** Carry on as this session; `sealer` set when the connection encrypts messages. */
  | { kind: "ok"; session: AuthenticatedSession; sealer?: Sealer; responseHeader?: string }
  /** Answer 401 with these WWW-Authenticate values. */
  | { kind: "challenge"; headers: string[] };

const bool = (state: SimState, path: string) => state.getConfig(path) === "true";

const SYSTEM_POLICIES_KEY = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System";

/** True when remote UAC gives this account a filtered token over the network. */
function tokenFiltered(state: SimState, account: Account): boolean {
  if (!account.admin || account.builtin) return false;
  const v = state.registry.get("HKLM", SYSTEM_POLICIES_KEY, "LocalAccountTokenFilterPolicy");
  return !(v?.type === "REG_DWORD" && v.value === 1);
}

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

/** A TLS handshake record holding a ClientHello: a client starting a CredSSP exchange. */
function isClientHello(token: Buffer): boolean {
  return token.length > 5 && token[0] === 0x16 && token[5] === 0x01;
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
    private readonly httpsChannelBindings: Buffer | undefined,
    private readonly credssp: CredSspHost,
    /** The host's Kerberos keys (`--keytab`); without them Kerberos is advertised but refused, as on a host outside the realm. */
    private readonly kerberos?: HostKerberos,
  ) {}

  async authenticate(authorization: string | undefined, conn: ConnectionAuth, https: boolean): Promise<AuthOutcome> {
    const challenge = (): AuthOutcome => ({ kind: "challenge", headers: challengeHeaders(this.state, https) });
    if (!authorization) {
      if (conn.session) return { kind: "ok", session: conn.session, sealer: conn.sealer };
      return challenge();
    }
    const sp = authorization.indexOf(" ");
    const scheme = (sp < 0 ? authorization : authorization.slice(0, sp)).toLowerCase();
    const param = sp < 0 ? "" : authorization.slice(sp + 1).trim();

    if (scheme === "basic") {
      // A new Authorization header replaces whatever the connection had.
      forget(conn);
      if (!basicUsable(this.state, https)) return challenge();
      const decoded = Buffer.from(param, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) return challenge();
      const account = this.identity.findAccount(decoded.slice(0, colon));
      if (!account || account.password !== decoded.slice(colon + 1)) return challenge();
      if (tokenFiltered(this.state, account)) return challenge();
      return { kind: "ok", session: { account, scheme: "Basic" } };
    }

    if (scheme === "negotiate" && bool(this.state, "Service/Auth/Negotiate")) {
      const token = Buffer.from(param, "base64");
      if (isKerberosToken(token)) return this.rawKerberos(token, "Negotiate", conn, https, challenge);
      if (conn.spnego || offersOtherThanNtlmFirst(token)) return this.spnego(token, conn, https, challenge);
      return this.negotiate(param, conn, https);
    }
    if (scheme === "kerberos" && bool(this.state, "Service/Auth/Kerberos")) {
      return this.rawKerberos(Buffer.from(param, "base64"), "Kerberos", conn, https, challenge);
    }
    if (scheme === "credssp") {
      // While Service/Auth/CredSSP=false the host does not speak CredSSP at all: the plain
      // 401, whose list then lacks CredSSP, is all a client gets.
      if (!bool(this.state, "Service/Auth/CredSSP")) {
        forget(conn);
        return challenge();
      }
      return this.credSsp(param, conn, challenge);
    }
    return challenge();
  }

  /** A bare GSS-framed AP-REQ: one round trip, the AP-REP with the 200. */
  private rawKerberos(token: Buffer, scheme: "Negotiate" | "Kerberos", conn: ConnectionAuth, https: boolean, challenge: () => AuthOutcome): AuthOutcome {
    forget(conn);
    if (!this.kerberos) return challenge();
    const out = this.kerberos.accept(token, https);
    if (out.kind === "rejected") {
      return out.errorToken ? { kind: "challenge", headers: [`${scheme} ${out.errorToken.toString("base64")}`] } : challenge();
    }
    conn.session = { account: out.account, scheme, mechanism: "kerberos", principal: out.principal };
    conn.sealer = gssSealer(out.session, scheme === "Kerberos" ? KERBEROS_ENCRYPTED_PROTOCOL : SPNEGO_ENCRYPTED_PROTOCOL);
    const responseHeader = out.responseToken ? `${scheme} ${out.responseToken.toString("base64")}` : undefined;
    return { kind: "ok", session: conn.session, sealer: conn.sealer, responseHeader };
  }

  /** SPNEGO offering Kerberos (or anything but NTLM first): spnego-acceptor.ts. */
  private spnego(token: Buffer, conn: ConnectionAuth, https: boolean, challenge: () => AuthOutcome): AuthOutcome {
    let acceptor = conn.spnego;
    if (!acceptor || decodesAsInit(token)) {
      forget(conn);
      acceptor = new SpnegoAcceptor({
        identity: this.identity,
        kerberos: this.kerberos,
        https,
        ntlmChannelBindings: this.state.getConfig("Service/Auth/CbtHardeningLevel") !== "None" ? this.httpsChannelBindings : undefined,
      });
      conn.spnego = acceptor;
    }
    const step = acceptor.step(token);
    switch (step.kind) {
      case "continue":
        return { kind: "challenge", headers: [`Negotiate ${step.token.toString("base64")}`] };
      case "refused":
        conn.spnego = undefined;
        return step.token ? { kind: "challenge", headers: [`Negotiate ${step.token.toString("base64")}`] } : challenge();
      case "accepted": {
        conn.spnego = undefined;
        const { security } = step;
        if (security.mechanism === "ntlm" && tokenFiltered(this.state, security.account)) return challenge();
        conn.session = { account: security.account, scheme: "Negotiate", mechanism: security.mechanism, principal: security.principal };
        conn.sealer = gssSealer(security, SPNEGO_ENCRYPTED_PROTOCOL);
        return { kind: "ok", session: conn.session, sealer: conn.sealer, responseHeader: `Negotiate ${step.token.toString("base64")}` };
      }
    }
  }

  private async credSsp(param: string, conn: ConnectionAuth, challenge: () => AuthOutcome): Promise<AuthOutcome> {
    const token = Buffer.from(param, "base64");
    if (token.length === 0) {
      forget(conn);
      return challenge();
    }
    if (!conn.credssp || isClientHello(token)) {
      forget(conn);
      conn.credssp = new CredSspAcceptor(this.credssp);
    }
    const step = await conn.credssp.step(token);
    switch (step.kind) {
      case "continue":
        return { kind: "challenge", headers: [`CredSSP ${step.token.toString("base64")}`] };
      case "refuse":
        conn.credssp = undefined;
        return step.token ? { kind: "challenge", headers: [`CredSSP ${step.token.toString("base64")}`] } : challenge();
      case "done":
        conn.credssp = undefined;
        // Remote UAC filters local accounts' tokens; a Kerberos (domain) logon is not filtered.
        if (step.mechanism === "ntlm" && tokenFiltered(this.state, step.account)) return challenge();
        conn.session = {
          account: step.account,
          scheme: "CredSSP",
          mechanism: step.mechanism,
          principal: step.principal,
          delegatedCredentials: step.delegated,
        };
        conn.sealer = credSspSealer(step.channel);
        return { kind: "ok", session: conn.session, sealer: conn.sealer };
    }
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
      forget(conn);
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
        if (!account || tokenFiltered(this.state, account)) return challenge();
        conn.session = { account, scheme: "Negotiate", mechanism: "ntlm" };
        conn.sealer = ntlmSealer(session);
        const responseHeader = spnego
          ? `Negotiate ${wrapSpnegoResponse(Buffer.alloc(0), "accept-completed").toString("base64")}`
          : undefined;
        return { kind: "ok", session: conn.session, sealer: conn.sealer, responseHeader };
      } catch (err) {
        if (err instanceof NtlmError) return challenge();
        throw err;
      }
    }
    conn.pending = undefined;
    return challenge();
  }
}

/** A SPNEGO NegTokenInit whose first mechanism is not NTLM (Kerberos first, as Windows and our client send). */
function offersOtherThanNtlmFirst(token: Buffer): boolean {
  try {
    const d = decodeNegotiationToken(token);
    return d.kind === "init" && d.token.mechTypes.length > 0 && !sameMechanism(d.token.mechTypes[0], Mech.NTLM);
  } catch {
    return false;
  }
}

function decodesAsInit(token: Buffer): boolean {
  try {
    return decodeNegotiationToken(token).kind === "init";
  } catch {
    return false;
  }
}

/** A new authentication on a connection replaces whatever it had. */
function forget(conn: ConnectionAuth): void {
  conn.pending = undefined;
  conn.credssp = undefined;
  conn.spnego = undefined;
  conn.session = undefined;
  conn.sealer = undefined;
}
