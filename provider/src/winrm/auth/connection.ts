// What the schemes that authenticate a *connection* (NTLM, CredSSP; Kerberos next)
// share: the security context is set up once per kept-alive connection and then
// protects every message over HTTP (MS-WSMV 2.2.9.1: multipart/encrypted) while HTTPS
// carries them plain inside its own TLS. When the connection is lost (the server closed
// it, or a 401 arrives mid-session) the context goes with it: authenticate again,
// once, and resend.
import type { Socket } from "node:net";
import { AuthenticationError, ProtocolError, TransportError } from "../errors";
import { SOAP_CONTENT_TYPE } from "../soap";
import type { HttpResponse, HttpTransport } from "../transport";
import { markPayloadNotSent } from "./authenticator";
import type { Authenticator, PlainReply } from "./authenticator";

/** A security context and the connection it belongs to. */
export interface ConnectionContext {
  socket: Socket;
}

export abstract class ConnectionAuthenticator<C extends ConnectionContext> implements Authenticator {
  abstract readonly scheme: string;
  /** Handshakes completed, exposed for tests and diagnostics. */
  handshakes = 0;
  private context: C | undefined;

  constructor(protected readonly transport: HttpTransport) {}

  /** Over HTTP messages are encrypted with the context; over HTTPS they go plain inside TLS. */
  protected get encrypting(): boolean {
    return this.transport.endpoint.scheme === "http";
  }

  /** Authenticates a fresh connection and returns its context (throws typed errors). */
  protected abstract handshake(): Promise<C>;
  protected abstract encrypt(ctx: C, payload: Buffer): Promise<{ body: Buffer; contentType: string }>;
  protected abstract decrypt(ctx: C, body: Buffer): Promise<{ plain: Buffer; innerContentType: string }>;
  protected abstract isEncrypted(contentType: string | undefined): boolean;
  /** The error for a 401 that a fresh context also got. */
  protected abstract refused(res: HttpResponse): AuthenticationError;
  /** Frees what a context holds when it is dropped. */
  protected release(_ctx: C): void {
    /* nothing by default */
  }

  async send(payload: Buffer): Promise<PlainReply> {
    for (let attempt = 0; ; attempt++) {
      // A connection the server closed starts anonymous again.
      if (!this.context || this.context.socket.destroyed) {
        this.drop();
        try {
          this.context = await this.handshake();
        } catch (err) {
          throw markPayloadNotSent(err);
        }
        this.handshakes++;
      }
      const ctx = this.context;
      const res = this.encrypting
        ? await this.postEncrypted(ctx, payload)
        : await this.transport.post({ "Content-Type": SOAP_CONTENT_TYPE }, payload);
      if (res.status === 401) {
        this.drop();
        if (attempt === 0) continue; // context lost on the server side: re-authenticate once
        throw this.refused(res);
      }
      return this.reply(ctx, res);
    }
  }

  reset(): void {
    this.drop();
  }

  /** An HTTP status a handshake step should never get. */
  protected unexpected(res: HttpResponse, step: string): TransportError {
    const { host, port, scheme } = this.transport.endpoint;
    return new TransportError({
      kind: "http", host, port, scheme, httpStatus: res.status,
      detail: `HTTP ${res.status} in answer to the ${step} step`,
    });
  }

  private drop(): void {
    if (this.context) this.release(this.context);
    this.context = undefined;
  }

  private async postEncrypted(ctx: C, payload: Buffer): Promise<HttpResponse> {
    let sealed: { body: Buffer; contentType: string };
    try {
      sealed = await this.encrypt(ctx, payload);
    } catch (err) {
      // A context that cannot encrypt cannot carry requests.
      this.drop();
      throw new ProtocolError(`cannot encrypt the request: ${(err as Error).message}`, { cause: err });
    }
    return this.transport.post({ "Content-Type": sealed.contentType }, sealed.body);
  }

  private async reply(ctx: C, res: HttpResponse): Promise<PlainReply> {
    const ct = typeof res.headers["content-type"] === "string" ? res.headers["content-type"] : undefined;
    if (!this.encrypting) return { status: res.status, contentType: ct, body: res.body };
    if (this.isEncrypted(ct)) {
      try {
        const { plain, innerContentType } = await this.decrypt(ctx, res.body);
        return { status: res.status, contentType: innerContentType, body: plain };
      } catch (err) {
        // A reply we cannot verify is not trusted; the context is unusable from here on.
        this.drop();
        throw new ProtocolError(`cannot decrypt the server's reply: ${(err as Error).message}`, { cause: err });
      }
    }
    if (res.body.length === 0) return { status: res.status, contentType: ct, body: res.body };
    // We sent encrypted; a plaintext SOAP body could have been injected by anyone on the path.
    if (res.status >= 200 && res.status < 300) {
      throw new ProtocolError(`server replied unencrypted (Content-Type ${ct ?? "none"}) to an encrypted request`);
    }
    // An error status is still worth reporting, but never the unauthenticated text with it.
    return { status: res.status, contentType: undefined, body: Buffer.alloc(0), bodyWithheld: true };
  }
}
