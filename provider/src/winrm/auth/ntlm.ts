// NTLM over HTTP "Negotiate" (raw NTLMSSP tokens, as pywinrm and Windows accept):
//   1. POST (empty) + Authorization: Negotiate <NEGOTIATE>  → 401 + Negotiate <CHALLENGE>
//   2. POST (empty) + Authorization: Negotiate <AUTHENTICATE> → 200
// on one kept-alive connection; the server then treats that connection as
// authenticated. Over HTTP every later message is sealed with the session keys
// (MS-WSMV 2.2.9.1, contract B); over HTTPS messages go plain but the AUTHENTICATE
// message carries channel bindings for the server certificate, so the credentials
// cannot be relayed through a TLS-terminating man in the middle.
//
// When the connection is lost (server closed it, or a 401 arrives mid-session) the
// context is gone with it: we authenticate again, once, and resend.
import type { Socket } from "node:net";
import { NtlmClient, channelBindingsHash, unwrapSpnego } from "../ntlm";
import type { NtlmSession } from "../ntlm";
import { ENCRYPTED_CONTENT_TYPE, decryptMessage, encryptMessage, isEncryptedContentType } from "../encryption";
import { AuthenticationError, ProtocolError, TransportError } from "../errors";
import { SOAP_CONTENT_TYPE } from "../soap";
import type { HttpResponse, HttpTransport } from "../transport";
import { authenticateHeaders, markPayloadNotSent, offeredSchemes, offers } from "./authenticator";
import type { Authenticator, PlainReply } from "./authenticator";

interface Context {
  session: NtlmSession;
  socket: Socket;
}

export class NtlmAuthenticator implements Authenticator {
  readonly scheme = "Negotiate";
  private context: Context | undefined;
  /** Handshakes completed, exposed for tests and diagnostics. */
  handshakes = 0;

  constructor(
    private readonly transport: HttpTransport,
    private readonly username: string,
    password: string,
  ) {
    this.#password = password;
  }
  // An ES private field: never shown by util.inspect or JSON.stringify of the client.
  readonly #password: string;

  private get sealing(): boolean {
    return this.transport.endpoint.scheme === "http";
  }

  async send(payload: Buffer): Promise<PlainReply> {
    for (let attempt = 0; ; attempt++) {
      // The server closed the authenticated connection: a new one starts anonymous.
      if (!this.context || this.context.socket.destroyed) {
        try {
          await this.handshake();
        } catch (err) {
          throw markPayloadNotSent(err);
        }
      }
      const ctx = this.context!;
      const res = this.sealing
        ? await this.transport.post({ "Content-Type": ENCRYPTED_CONTENT_TYPE }, this.seal(ctx.session, payload))
        : await this.transport.post({ "Content-Type": SOAP_CONTENT_TYPE }, payload);
      if (res.status === 401) {
        this.context = undefined;
        if (attempt === 0) continue; // context lost on the server side: re-authenticate once
        throw this.authError(res, "bad-credentials");
      }
      return this.unseal(ctx.session, res);
    }
  }

  private seal(session: NtlmSession, payload: Buffer): Buffer {
    try {
      return encryptMessage(session, payload);
    } catch (err) {
      // Sealing needs flags the handshake did not negotiate: this context cannot carry requests.
      this.context = undefined;
      throw new ProtocolError(`cannot encrypt the request: ${(err as Error).message}`, { cause: err });
    }
  }

  private unseal(session: NtlmSession, res: HttpResponse): PlainReply {
    const ct = typeof res.headers["content-type"] === "string" ? res.headers["content-type"] : undefined;
    if (!this.sealing) return { status: res.status, contentType: ct, body: res.body };
    if (isEncryptedContentType(ct)) {
      try {
        const { plain, innerContentType } = decryptMessage(session, res.body);
        return { status: res.status, contentType: innerContentType, body: plain };
      } catch (err) {
        // A reply we cannot verify is not trusted; the context is unusable from here on.
        this.context = undefined;
        throw new ProtocolError(`cannot decrypt the server's reply: ${(err as Error).message}`, { cause: err });
      }
    }
    if (res.body.length === 0) return { status: res.status, contentType: ct, body: res.body };
    // We sent sealed; a plaintext SOAP body could have been injected by anyone on the path.
    if (res.status >= 200 && res.status < 300) {
      throw new ProtocolError(`server replied unencrypted (Content-Type ${ct ?? "none"}) to an encrypted request`);
    }
    return { status: res.status, contentType: ct, body: res.body };
  }

  private authError(res: HttpResponse, reason: "bad-credentials" | "scheme-not-offered"): AuthenticationError {
    const { host, port, scheme } = this.transport.endpoint;
    return new AuthenticationError({
      reason,
      offeredSchemes: offeredSchemes(res),
      host, port, scheme,
      authScheme: "NTLM (Negotiate)",
      username: this.username,
    });
  }

  private async handshake(): Promise<void> {
    this.context = undefined;
    // NtlmClient splits "DOMAIN\\user" itself (splitUsername).
    const ntlm = new NtlmClient({ username: this.username, password: this.#password });
    const first = await this.transport.post(
      { Authorization: `Negotiate ${ntlm.negotiate().toString("base64")}`, "Content-Length": "0" },
      Buffer.alloc(0),
    );
    if (first.status !== 401) throw this.unexpected(first, "NTLM negotiate");
    const challenge = challengeToken(first);
    if (!challenge) {
      throw this.authError(first, offers(first, "Negotiate", "NTLM") ? "bad-credentials" : "scheme-not-offered");
    }
    let cbt: Buffer | undefined;
    if (!this.sealing) {
      if (!first.peerCertDer) throw new ProtocolError("HTTPS connection without a server certificate");
      try {
        cbt = channelBindingsHash(first.peerCertDer);
      } catch (err) {
        throw new ProtocolError(`cannot bind NTLM to the server certificate: ${(err as Error).message}`, { cause: err });
      }
    }
    let authenticate: { message: Buffer; session: NtlmSession };
    try {
      // Windows answers raw NTLMSSP with raw NTLMSSP, but accept a SPNEGO-wrapped reply too.
      const { ntlm: challengeMessage } = unwrapSpnego(challenge);
      authenticate = ntlm.authenticate(challengeMessage, cbt ? { channelBindingsHash: cbt } : undefined);
    } catch (err) {
      throw new ProtocolError(`server sent an unusable NTLM challenge: ${(err as Error).message}`, { cause: err });
    }
    const second = await this.transport.post(
      { Authorization: `Negotiate ${authenticate.message.toString("base64")}`, "Content-Length": "0" },
      Buffer.alloc(0),
    );
    if (second.status === 401) throw this.authError(second, "bad-credentials");
    if (second.status < 200 || second.status >= 300) throw this.unexpected(second, "NTLM authenticate");
    if (second.socket !== first.socket) {
      // NTLM authenticates a connection; if the server closed it mid-handshake the
      // context belongs to a socket that no longer exists.
      throw new ProtocolError("the server closed the connection during the NTLM handshake");
    }
    this.context = { session: authenticate.session, socket: second.socket };
    this.handshakes++;
  }

  private unexpected(res: HttpResponse, step: string): TransportError {
    const { host, port, scheme } = this.transport.endpoint;
    return new TransportError({
      kind: "http", host, port, scheme, httpStatus: res.status,
      detail: `HTTP ${res.status} in answer to the ${step} step`,
    });
  }

  reset(): void {
    this.context = undefined;
  }
}

/** The NTLMSSP token in "WWW-Authenticate: Negotiate <base64>" (or "NTLM <base64>"). */
function challengeToken(res: HttpResponse): Buffer | undefined {
  for (const value of authenticateHeaders(res)) {
    for (const part of value.split(",")) {
      const m = /^\s*(?:Negotiate|NTLM)\s+([A-Za-z0-9+/=]+)\s*$/i.exec(part);
      if (m) return Buffer.from(m[1], "base64");
    }
  }
  return undefined;
}
