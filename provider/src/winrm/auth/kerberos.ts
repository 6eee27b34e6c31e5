// Kerberos over WinRM's HTTP, as Windows' WinRM client does it in a domain:
//   POST (empty) + Authorization: Negotiate <SPNEGO NegTokenInit(Kerberos AP-REQ)>
//     -> 200 + WWW-Authenticate: Negotiate <NegTokenResp(accept-completed, AP-REP)>
// The AP-REP is required (mutual authentication): a 200 without one, or with one that
// does not decrypt under the ticket's session key, fails the handshake. Over HTTP the
// connection's messages are then encrypted with the Kerberos context
// (application/HTTP-SPNEGO-session-encrypted, MS-WSMV 2.2.9.1); over HTTPS they go
// plain inside TLS and the AP-REQ carries channel bindings for the server's
// certificate, learnt from an anonymous request first (the certificate must be known
// before the authenticator is built).
//
// A server that offers "Kerberos" but not "Negotiate" gets the raw AP-REQ under the
// Kerberos scheme instead, and its messages application/HTTP-Kerberos-session-encrypted
// (what pypsrp does against such a host). A KRB-ERROR in the server's 401 (clock skew,
// a keytab that does not match the KDC) becomes its typed error.
//
// For auth "negotiate" with a ticket, NTLM is offered second inside SPNEGO, so a server
// that cannot do Kerberos picks NTLM in the same exchange (negotiate.ts decides whether
// Kerberos is tried at all).

import type { Socket } from "node:net";
import { KERBEROS_ENCRYPTED_PROTOCOL, openBody, sealBody, SPNEGO_ENCRYPTED_PROTOCOL } from "../encrypted-body";
import type { GssEncryptionProtocol } from "../encrypted-body";
import { AuthenticationError, ProtocolError } from "../errors";
import type { ClientSecurityContext } from "../gss/context";
import { SpnegoClientContext } from "../gss/spnego-client";
import { KerberosClientContext, kerberosProtocolOf } from "../kerberos";
import { channelBindingsHash } from "../ntlm";
import { splitUsername } from "../ntlm/client";
import { NtlmClientContext } from "../ntlm/context";
import type { HttpResponse, HttpTransport } from "../transport";
import { authenticateHeaders, offeredSchemes, offers } from "./authenticator";
import { ConnectionAuthenticator } from "./connection";
import type { KerberosTickets } from "./kerberos-tickets";

interface Context {
  socket: Socket;
  gss: ClientSecurityContext;
  protocol: GssEncryptionProtocol;
}

export interface KerberosAuthOptions {
  username: string;
  /** NTLM's password, when NTLM may be offered second inside SPNEGO (auth "negotiate"). */
  ntlmPassword?: string;
  /** How errors name the scheme: "Kerberos" or "Negotiate (Kerberos)". */
  label?: string;
}

type HttpScheme = "Negotiate" | "Kerberos";

const MAX_ROUNDS = 6;

export class KerberosAuthenticator extends ConnectionAuthenticator<Context> {
  readonly scheme = "Negotiate";
  /** The mechanism the last handshake ended with (SPNEGO may pick NTLM for auth "negotiate"). */
  lastMechanism?: "kerberos" | "ntlm";
  readonly #ntlmPassword: string | undefined;

  constructor(
    transport: HttpTransport,
    private readonly tickets: KerberosTickets,
    private readonly opts: KerberosAuthOptions,
  ) {
    super(transport);
    this.#ntlmPassword = opts.ntlmPassword;
  }

  private get label(): string {
    return this.opts.label ?? "Kerberos";
  }

  protected async encrypt(ctx: Context, payload: Buffer): Promise<{ body: Buffer; contentType: string }> {
    return {
      body: sealBody(ctx.gss, payload, ctx.protocol),
      contentType: `multipart/encrypted;protocol="${ctx.protocol}";boundary="Encrypted Boundary"`,
    };
  }

  protected async decrypt(ctx: Context, body: Buffer): Promise<{ plain: Buffer; innerContentType: string }> {
    return openBody(ctx.gss, body, ctx.protocol, (why) => new ProtocolError(`malformed encrypted WinRM message: ${why}`));
  }

  protected isEncrypted(contentType: string | undefined): boolean {
    return kerberosProtocolOf(contentType) !== undefined;
  }

  protected refused(res: HttpResponse): AuthenticationError {
    return this.authError(res, "bad-credentials");
  }

  protected async handshake(): Promise<Context> {
    let channelBindings: Buffer | undefined;
    let offered: HttpResponse | undefined;
    if (!this.encrypting) {
      // HTTPS: the authenticator must bind to the certificate, so see it first.
      offered = await this.transport.post({ "Content-Length": "0" }, Buffer.alloc(0));
      if (offered.status !== 401) throw this.unexpected(offered, "anonymous");
      if (!offered.peerCertDer) throw new ProtocolError("HTTPS connection without a server certificate");
      channelBindings = channelBindingsHash(offered.peerCertDer);
    }
    let httpScheme: HttpScheme = "Negotiate";
    if (offered) {
      if (!offers(offered, "Negotiate")) {
        if (!offers(offered, "Kerberos")) throw this.authError(offered, "scheme-not-offered");
        httpScheme = "Kerberos";
      }
    }
    for (let attempt = 0; ; attempt++) {
      const result = await this.exchange(httpScheme, channelBindings);
      if (result.kind === "done") return result.context;
      // The server offers Kerberos but not Negotiate: the raw AP-REQ under its own scheme.
      if (attempt === 0 && httpScheme === "Negotiate" && offers(result.res, "Kerberos")) {
        httpScheme = "Kerberos";
        continue;
      }
      throw this.authError(result.res, "scheme-not-offered");
    }
  }

  /** One token exchange on the connection; "not-offered" when the first 401 names no such scheme. */
  private async exchange(
    httpScheme: HttpScheme,
    channelBindings: Buffer | undefined,
  ): Promise<{ kind: "done"; context: Context } | { kind: "not-offered"; res: HttpResponse }> {
    const kerberos = new KerberosClientContext({ credential: () => this.tickets.get(), channelBindings });
    let gss: ClientSecurityContext = kerberos;
    if (httpScheme === "Negotiate") {
      const candidates: ClientSecurityContext[] = [kerberos];
      if (this.#ntlmPassword !== undefined) {
        const { domain, user } = splitUsername(this.opts.username);
        candidates.push(new NtlmClientContext({ username: user, domain, password: this.#ntlmPassword }, channelBindings ? { channelBindingsHash: channelBindings } : {}));
      }
      gss = new SpnegoClientContext(candidates);
    }
    let token = await gss.step();
    let socket: Socket | undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (!token) throw new ProtocolError(`the ${this.label} exchange stalled: nothing to send`);
      const res = await this.transport.post({ Authorization: `${httpScheme} ${token.toString("base64")}`, "Content-Length": "0" }, Buffer.alloc(0));
      if (socket && res.socket !== socket) {
        // The context belongs to the connection; one closed mid-exchange took it along.
        throw new ProtocolError(`the server closed the connection during the ${this.label} exchange`);
      }
      socket = res.socket;
      const reply = schemeToken(res, httpScheme);
      if (res.status >= 200 && res.status < 300) {
        if (reply && !gss.complete) {
          const more = await gss.step(reply);
          if (more) throw new ProtocolError(`the server accepted the connection before the ${this.label} exchange finished`);
        }
        if (!gss.complete) {
          throw new ProtocolError(
            `the server accepted the connection without proving its identity (no Kerberos AP-REP): mutual authentication failed`,
          );
        }
        this.lastMechanism = gss instanceof SpnegoClientContext && gss.chosenMechanism !== kerberos.mechanism ? "ntlm" : "kerberos";
        const protocol = httpScheme === "Kerberos" ? KERBEROS_ENCRYPTED_PROTOCOL : SPNEGO_ENCRYPTED_PROTOCOL;
        return { kind: "done", context: { socket, gss, protocol } };
      }
      if (res.status !== 401) throw this.unexpected(res, this.label);
      if (!reply) {
        if (round === 0 && !offers(res, httpScheme)) return { kind: "not-offered", res };
        throw this.authError(res, "bad-credentials");
      }
      // A token in a 401: the next leg, or the server's error token (thrown typed by the mechanism).
      token = await gss.step(reply);
      if (!token) throw this.authError(res, "bad-credentials");
    }
    throw new ProtocolError(`the ${this.label} exchange did not finish in ${MAX_ROUNDS} round trips`);
  }

  private authError(res: HttpResponse, reason: "bad-credentials" | "scheme-not-offered"): AuthenticationError {
    const { host, port, scheme } = this.transport.endpoint;
    return new AuthenticationError({
      reason,
      offeredSchemes: offeredSchemes(res),
      host, port, scheme,
      authScheme: this.label,
      username: this.opts.username,
      hint:
        reason === "scheme-not-offered"
          ? "Kerberos needs Service/Auth/Negotiate=true (or Service/Auth/Kerberos=true) on the host"
          : undefined,
    });
  }
}

/** The token in "WWW-Authenticate: <scheme> <base64>". */
function schemeToken(res: HttpResponse, scheme: HttpScheme): Buffer | undefined {
  const re = new RegExp(`^\\s*${scheme}\\s+([A-Za-z0-9+/=]+)\\s*$`, "i");
  for (const value of authenticateHeaders(res)) {
    for (const part of value.split(",")) {
      const m = re.exec(part);
      if (m) return Buffer.from(m[1], "base64");
    }
  }
  return undefined;
}
