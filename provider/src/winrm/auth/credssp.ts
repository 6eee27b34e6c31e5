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
// once, and resend.

import type { Socket } from "node:net";
import { CredSspClient, CredSspKeyMismatch, CredSspServerStatus } from "../credssp/client";
import { decryptCredSsp, encryptCredSsp, isCredSspEncrypted } from "../credssp/encryption";
import { CredSspServerKeyError, CredSspStatusError } from "../credssp/errors";
import { isCredentialStatus, ntStatusName } from "../credssp/ntstatus";
import type { TlsChannelOptions } from "../credssp/tls-channel";
import { AuthenticationError, ProtocolError, TransportError, WinRMError } from "../errors";
import { SpnegoClientContext } from "../gss/spnego-client";
import { NtlmClientContext } from "../ntlm/context";
import { NtlmError } from "../ntlm/errors";
import type { HttpResponse, HttpTransport } from "../transport";
import { SOAP_CONTENT_TYPE } from "../soap";
import { authenticateHeaders, markPayloadNotSent, offeredSchemes, offers } from "./authenticator";
import type { Authenticator, PlainReply } from "./authenticator";
import { splitUsername } from "../ntlm/client";

export interface CredSspAuthOptions {
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

export class CredSspAuthenticator implements Authenticator {
  readonly scheme = "CredSSP";
  private context: Context | undefined;
  /** Handshakes completed, exposed for tests and diagnostics. */
  handshakes = 0;
  // An ES private field: never shown by util.inspect or JSON.stringify of the client.
  readonly #password: string;

  constructor(
    private readonly transport: HttpTransport,
    private readonly username: string,
    password: string,
    private readonly options: CredSspAuthOptions = {},
  ) {
    this.#password = password;
  }

  private get encrypting(): boolean {
    return this.transport.endpoint.scheme === "http";
  }

  async send(payload: Buffer): Promise<PlainReply> {
    for (let attempt = 0; ; attempt++) {
      if (!this.context || this.context.socket.destroyed) {
        try {
          await this.handshake();
        } catch (err) {
          throw markPayloadNotSent(err);
        }
      }
      const ctx = this.context!;
      let res: HttpResponse;
      if (this.encrypting) {
        let sealed: { body: Buffer; contentType: string };
        try {
          sealed = await encryptCredSsp(ctx.credssp, payload);
        } catch (err) {
          this.drop();
          throw markPayloadNotSent(new ProtocolError(`cannot encrypt the request: ${(err as Error).message}`, { cause: err }));
        }
        res = await this.transport.post({ "Content-Type": sealed.contentType }, sealed.body);
      } else {
        res = await this.transport.post({ "Content-Type": SOAP_CONTENT_TYPE }, payload);
      }
      if (res.status === 401) {
        this.drop();
        if (attempt === 0) continue; // the server forgot the context: authenticate again, once
        throw this.authError(res, "bad-credentials");
      }
      return this.decrypt(ctx, res);
    }
  }

  reset(): void {
    this.drop();
  }

  private drop(): void {
    this.context?.credssp.destroy();
    this.context = undefined;
  }

  private async decrypt(ctx: Context, res: HttpResponse): Promise<PlainReply> {
    const ct = typeof res.headers["content-type"] === "string" ? res.headers["content-type"] : undefined;
    if (!this.encrypting) return { status: res.status, contentType: ct, body: res.body };
    if (isCredSspEncrypted(ct)) {
      try {
        const { plain, innerContentType } = await decryptCredSsp(ctx.credssp, res.body);
        return { status: res.status, contentType: innerContentType, body: plain };
      } catch (err) {
        this.drop(); // a reply we cannot decrypt leaves the channel unusable
        throw new ProtocolError(`cannot decrypt the server's reply: ${(err as Error).message}`, { cause: err });
      }
    }
    if (res.body.length === 0) return { status: res.status, contentType: ct, body: res.body };
    if (res.status >= 200 && res.status < 300) {
      throw new ProtocolError(`server replied unencrypted (Content-Type ${ct ?? "none"}) to a CredSSP-encrypted request`);
    }
    return { status: res.status, contentType: ct, body: res.body };
  }

  private async handshake(): Promise<void> {
    this.drop();
    const { domain, user } = splitUsername(this.username);
    const password = this.#password;
    const credssp = new CredSspClient({
      auth: new SpnegoClientContext([new NtlmClientContext({ username: user, password, domain })]),
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
          this.context = { credssp, socket };
          this.handshakes++;
          return;
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

  private unexpected(res: HttpResponse, step: string): TransportError {
    const { host, port, scheme } = this.transport.endpoint;
    return new TransportError({
      kind: "http", host, port, scheme, httpStatus: res.status,
      detail: `HTTP ${res.status} in answer to the ${step} step`,
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
