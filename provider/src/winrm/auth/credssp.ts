// CredSSP over WinRM's HTTP, as Windows clients and pywinrm do it: each CredSSP token
// travels base64 in "Authorization: CredSSP <token>" on an empty POST to /wsman, the
// server answers "401 + WWW-Authenticate: CredSSP <token>" until it has the delegated
// credentials, then 200. All on one kept-alive connection: like NTLM, the security
// context (here the CredSSP TLS channel) belongs to that connection.
//   1-2. TLS handshake; 3. SPNEGO/NTLM negotiate; 4. NTLM authenticate + pubKeyAuth;
//   5. TSCredentials (sent only after the server proved its TLS key) -> 200.
// Over HTTP every message is then encrypted by the CredSSP TLS channel (MS-WSMV
// 2.2.9.1.3); over HTTPS it goes plain inside the outer TLS.
//
// A dropped connection (or a 401 mid-session) loses the context: we authenticate again,
// once, and resend (auth/connection.ts, shared with NTLM).

import type { Socket } from "node:net";
import { CredSspClient, CredSspKeyMismatch, CredSspServerStatus } from "../credssp/client";
import { decryptCredSsp, encryptCredSsp, isCredSspEncrypted } from "../credssp/encryption";
import { CredSspServerKeyError, CredSspStatusError } from "../credssp/errors";
import { isCredentialStatus, ntStatusName } from "../credssp/ntstatus";
import type { TlsChannelOptions } from "../credssp/tls-channel";
import { AuthenticationError, ProtocolError, WinRMError } from "../errors";
import { SpnegoClientContext } from "../gss/spnego-client";
import { NtlmClientContext } from "../ntlm/context";
import { NtlmError } from "../ntlm/errors";
import type { HttpResponse, HttpTransport } from "../transport";
import { authenticateHeaders, offeredSchemes, offers } from "./authenticator";
import { ConnectionAuthenticator } from "./connection";
import { splitUsername } from "../ntlm/client";
import { KerberosClientContext } from "../kerberos";
import type { ClientSecurityContext } from "../gss/context";
import type { KerberosTickets } from "./kerberos-tickets";

export interface CredSspAuthOptions {
  /**
   * Kerberos inside CredSSP's SPNEGO when a ticket for HTTP/<host> can be had (as
   * Windows' CredSSP does through Negotiate); NTLM otherwise, and always as the
   * second mechanism.
   */
  tickets?: KerberosTickets;
  /** Highest CredSSP version to speak, 2-6 (default 6). */
  version?: number;
  /** TLS versions/ciphers inside CredSSP (tests). */
  tls?: TlsChannelOptions;
}

/** What an admin must do when a server does not offer CredSSP. */
const ENABLE_HINT =
  "The server does not accept CredSSP: its WinRM service has Service/Auth/CredSSP = false. " +
  "Enable it with a CredSSPServer resource (or Enable-WSManCredSSP -Role Server on the host)";

interface Context {
  credssp: CredSspClient;
  socket: Socket;
}

export class CredSspAuthenticator extends ConnectionAuthenticator<Context> {
  readonly scheme = "CredSSP";
  /** The mechanism CredSSP's SPNEGO used in the last handshake, and why Kerberos was not, when it was not. */
  lastMechanism?: "kerberos" | "ntlm";
  kerberosFallbackReason?: string;
  // An ES private field: never shown by util.inspect or JSON.stringify of the client.
  readonly #password: string;

  constructor(
    transport: HttpTransport,
    private readonly username: string,
    password: string,
    private readonly options: CredSspAuthOptions = {},
  ) {
    super(transport);
    this.#password = password;
  }

  protected encrypt(ctx: Context, payload: Buffer): Promise<{ body: Buffer; contentType: string }> {
    return encryptCredSsp(ctx.credssp, payload);
  }

  protected decrypt(ctx: Context, body: Buffer): Promise<{ plain: Buffer; innerContentType: string }> {
    return decryptCredSsp(ctx.credssp, body);
  }

  protected isEncrypted(contentType: string | undefined): boolean {
    return isCredSspEncrypted(contentType);
  }

  protected refused(res: HttpResponse): AuthenticationError {
    return this.authError(res, "bad-credentials");
  }

  protected override release(ctx: Context): void {
    ctx.credssp.destroy();
  }

  protected async handshake(): Promise<Context> {
    const { domain, user } = splitUsername(this.username);
    const password = this.#password;
    const candidates: ClientSecurityContext[] = [];
    let kerberos: KerberosClientContext | undefined;
    if (this.options.tickets) {
      const ticket = await this.options.tickets.available();
      if (ticket.available) {
        kerberos = new KerberosClientContext({ credential: ticket.credential });
        candidates.push(kerberos);
      } else {
        this.kerberosFallbackReason = ticket.reason;
      }
    }
    candidates.push(new NtlmClientContext({ username: user, password, domain }));
    const spnego = new SpnegoClientContext(candidates);
    const credssp = new CredSspClient({
      auth: spnego,
      credentials: { domainName: domain, userName: user, password },
      version: this.options.version,
      tls: this.options.tls,
    });
    let socket: Socket | undefined;
    try {
      let token = await this.protocolStep(credssp, undefined);
      for (let round = 0; ; round++) {
        if (round > 10) throw new ProtocolError("the CredSSP exchange did not finish in 10 round trips");
        const res = await this.transport.post({ Authorization: `CredSSP ${token.toString("base64")}`, "Content-Length": "0" }, Buffer.alloc(0));
        if (socket && res.socket !== socket) {
          // CredSSP authenticates a connection; one that closed mid-exchange took the context with it.
          throw new ProtocolError("the server closed the connection during the CredSSP exchange");
        }
        socket = res.socket;
        if (res.status >= 200 && res.status < 300) {
          if (!credssp.complete) throw new ProtocolError(`the server accepted the connection before CredSSP finished (at stage ${credssp.stage})`);
          this.lastMechanism = kerberos && spnego.chosenMechanism === kerberos.mechanism ? "kerberos" : "ntlm";
          return { credssp, socket };
        }
        if (res.status !== 401) throw this.unexpected(res, `CredSSP ${credssp.stage}`);
        let reply = credSspToken(res);
        if (reply === undefined && round > 0 && credssp.stage === "tls" && offers(res, "CredSSP") && authenticateHeaders(res).length === 1) {
          // A TLS 1.3 acceptor may have nothing to send after our Finished (pyspnego sends an empty token).
          reply = Buffer.alloc(0);
        }
        if (reply === undefined) {
          if (round === 0 && !offers(res, "CredSSP")) throw this.authError(res, "scheme-not-offered");
          // Refused without a CredSSP token: for versions 2 and 5 a bad password, at the end the delegated logon.
          const after = credssp.complete ? "the delegated credentials were refused" : undefined;
          throw this.authError(res, "bad-credentials", { hint: after });
        }
        if (credssp.complete) {
          // A token after the credentials: the server explains why it refused them.
          await this.protocolStep(credssp, reply, res);
          throw new ProtocolError("the server answered the delegated credentials with another CredSSP token");
        }
        token = await this.protocolStep(credssp, reply, res);
      }
    } catch (err) {
      credssp.destroy();
      throw err;
    }
  }

  /** One CredSSP step, its failures turned into this layer's typed errors. */
  private async protocolStep(credssp: CredSspClient, input: Buffer | undefined, res?: HttpResponse): Promise<Buffer> {
    const { host, port, scheme } = this.transport.endpoint;
    try {
      return await credssp.step(input);
    } catch (err) {
      if (err instanceof CredSspServerStatus) {
        if (isCredentialStatus(err.ntStatus)) {
          throw this.authError(res!, "bad-credentials", { ntStatus: err.ntStatus });
        }
        throw new CredSspStatusError({ ntStatus: err.ntStatus, host, port, scheme });
      }
      if (err instanceof CredSspKeyMismatch) throw new CredSspServerKeyError({ host, port, scheme });
      // CredSSP's and SPNEGO's own codes tell what broke; NTLM's stay inside, as for the NTLM scheme.
      if (err instanceof WinRMError && !(err instanceof NtlmError)) throw err;
      throw new ProtocolError(`CredSSP exchange with ${scheme}://${host}:${port} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  private authError(
    res: HttpResponse,
    reason: "bad-credentials" | "scheme-not-offered",
    extra: { ntStatus?: number; hint?: string } = {},
  ): AuthenticationError {
    const { host, port, scheme } = this.transport.endpoint;
    return new AuthenticationError({
      reason,
      offeredSchemes: offeredSchemes(res),
      host, port, scheme,
      authScheme: "CredSSP",
      username: this.username,
      ntStatus: extra.ntStatus,
      statusText: extra.ntStatus !== undefined ? `the server answered ${ntStatusName(extra.ntStatus)}` : extra.hint,
      hint: reason === "scheme-not-offered" ? ENABLE_HINT : undefined,
    });
  }

}

/** The token in "WWW-Authenticate: CredSSP <base64>". */
function credSspToken(res: HttpResponse): Buffer | undefined {
  for (const value of authenticateHeaders(res)) {
    for (const part of value.split(",")) {
      const m = /^\s*CredSSP\s+([A-Za-z0-9+/=]+)\s*$/i.exec(part);
      if (m) return Buffer.from(m[1], "base64");
    }
  }
  return undefined;
}
