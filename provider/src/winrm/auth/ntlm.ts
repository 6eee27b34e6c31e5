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
import { AuthenticationError, ProtocolError } from "../errors";
import type { HttpResponse, HttpTransport } from "../transport";
import { authenticateHeaders, offeredSchemes, offers } from "./authenticator";
import { ConnectionAuthenticator } from "./connection";

/**
 * A 401 after a complete NTLM exchange also means remote UAC refused the logon: Windows
 * filters the token of a local administrator other than the built-in Administrator over
 * the network unless LocalAccountTokenFilterPolicy is 1 (domain accounts are not filtered).
 */
const REMOTE_UAC_HINT =
  "If the password is right and this is a local account other than the built-in Administrator, " +
  "remote UAC filters its administrator token: set the DWORD " +
  "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System\\LocalAccountTokenFilterPolicy " +
  "to 1 on the host, or use the built-in Administrator or a domain account";

interface Context {
  session: NtlmSession;
  socket: Socket;
}

export class NtlmAuthenticator extends ConnectionAuthenticator<Context> {
  readonly scheme = "Negotiate";

  constructor(
    transport: HttpTransport,
    private readonly username: string,
    password: string,
  ) {
    super(transport);
    this.#password = password;
  }
  // An ES private field: never shown by util.inspect or JSON.stringify of the client.
  readonly #password: string;

  protected async encrypt(ctx: Context, payload: Buffer): Promise<{ body: Buffer; contentType: string }> {
    // Throws when sealing needs flags the handshake did not negotiate.
    return { body: encryptMessage(ctx.session, payload), contentType: ENCRYPTED_CONTENT_TYPE };
  }

  protected async decrypt(ctx: Context, body: Buffer): Promise<{ plain: Buffer; innerContentType: string }> {
    return decryptMessage(ctx.session, body);
  }

  protected isEncrypted(contentType: string | undefined): boolean {
    return isEncryptedContentType(contentType);
  }

  protected refused(res: HttpResponse): AuthenticationError {
    return this.authError(res, "bad-credentials", REMOTE_UAC_HINT);
  }

  private authError(res: HttpResponse, reason: "bad-credentials" | "scheme-not-offered", hint?: string): AuthenticationError {
    const { host, port, scheme } = this.transport.endpoint;
    return new AuthenticationError({
      reason,
      offeredSchemes: offeredSchemes(res),
      host, port, scheme,
      authScheme: "NTLM (Negotiate)",
      username: this.username,
      hint,
    });
  }

  protected async handshake(): Promise<Context> {
    // NtlmClient splits "DOMAIN\\user" itself (splitUsername).
    const ntlm = new NtlmClient({ username: this.username, password: this.#password });
    const first = await this.transport.post(
      { Authorization: `Negotiate ${ntlm.negotiate().toString("base64")}`, "Content-Length": "0" },
      Buffer.alloc(0),
    );
    if (first.status !== 401) throw this.unexpected(first, "NTLM negotiate");
    // No credential has been sent yet, so nothing here is "wrong credentials": either the
    // scheme is not offered, or the server's answer to our NEGOTIATE is unusable.
    if (!offers(first, "Negotiate", "NTLM")) throw this.authError(first, "scheme-not-offered");
    const challenge = challengeToken(first);
    let cbt: Buffer | undefined;
    if (!this.encrypting) {
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
    if (second.status === 401) throw this.authError(second, "bad-credentials", REMOTE_UAC_HINT);
    if (second.status < 200 || second.status >= 300) throw this.unexpected(second, "NTLM authenticate");
    if (second.socket !== first.socket) {
      // NTLM authenticates a connection; if the server closed it mid-handshake the
      // context belongs to a socket that no longer exists.
      throw new ProtocolError("the server closed the connection during the NTLM handshake");
    }
    return { session: authenticate.session, socket: second.socket };
  }

}

/**
 * The NTLMSSP token in "WWW-Authenticate: Negotiate <base64>" (or "NTLM <base64>"), the
 * answer to our NEGOTIATE. A missing or undecodable token is a ProtocolError.
 */
function challengeToken(res: HttpResponse): Buffer {
  for (const value of authenticateHeaders(res)) {
    for (const part of value.split(",")) {
      const m = /^\s*(?:Negotiate|NTLM)\s+(\S+)\s*$/i.exec(part);
      if (!m) continue;
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(m[1])) {
        throw new ProtocolError("the server answered the NTLM NEGOTIATE with an NTLM challenge that is not base64");
      }
      return Buffer.from(m[1], "base64");
    }
  }
  throw new ProtocolError("the server answered the NTLM NEGOTIATE with a 401 that carries no NTLM challenge");
}
