// The CredSSP client (MS-CSSP 3.1.5), transport-neutral: step() takes the server's
// last token and returns the next one to send, like a GSS-API context; the HTTP side
// (auth/credssp.ts) carries them in Authorization / WWW-Authenticate headers.
//
//   1. TLS handshake (records as tokens).           stage "tls"
//   2. SPNEGO inside TLS, in TSRequest.negoTokens.  stage "negotiate"
//   3. With the mechanism's last token: pubKeyAuth, the server's TLS public key wrapped
//      by the mechanism (and the client nonce from version 5).
//   4. The server answers with its own pubKeyAuth   stage "pubkey"
//      (and SPNEGO's final token with its mechListMIC); we check it, and only then
//   5. send TSCredentials wrapped by the mechanism.  stage "sent"
// The version we send is always our own highest; the one that decides the rules is
// the lower of ours and the server's (MS-CSSP 2.2.1: a peer treats a higher version
// as its own). Afterwards the TLS channel encrypts WinRM messages (wrap/unwrap).

import { randomBytes, timingSafeEqual } from "node:crypto";
import type { ClientSecurityContext } from "../gss/context";
import { subjectPublicKey } from "../ntlm/der";
import { CredSspError } from "./errors";
import { clientPubKeyAuth, NONCE_LENGTH, serverPubKeyAuth, usesBindingHash } from "./pub-key-auth";
import { MemoryTlsChannel } from "./tls-channel";
import type { NegotiatedCipher, TlsChannelOptions } from "./tls-channel";
import { CREDSSP_LATEST_VERSION, decodeTSRequest, encodeTSRequest, passwordCredentials } from "./ts-request";
import type { TSPasswordCreds, TSRequest } from "./ts-request";

/** The security context CredSSP runs inside TLS: SPNEGO, which reports its mechanism's completion. */
export interface CredSspAuthContext extends ClientSecurityContext {
  /** The inner mechanism is established (its last token is being sent), though SPNEGO may await one more token. */
  readonly mechanismComplete: boolean;
}

export interface CredSspClientOptions {
  /** The authentication inside TLS (SPNEGO with NTLM today; Kerberos later). */
  auth: CredSspAuthContext;
  /** Delegated once the server has proved its TLS key. Held only in this object. */
  credentials: TSPasswordCreds;
  /** The highest CredSSP version we speak, 2-6 (default 6). */
  version?: number;
  tls?: TlsChannelOptions;
  /** Test seam for the client nonce. */
  random?: (size: number) => Buffer;
}

export type CredSspStage = "tls" | "negotiate" | "pubkey" | "sent";

/** The server ended the exchange with an NTSTATUS (TSRequest.errorCode). */
export class CredSspServerStatus extends CredSspError {
  override readonly name = "CredSspServerStatus";
  constructor(readonly ntStatus: number) {
    super(`the CredSSP server answered with NTSTATUS 0x${ntStatus.toString(16).padStart(8, "0")}`);
  }
}

/** The server's pubKeyAuth does not match the key of our TLS channel. */
export class CredSspKeyMismatch extends CredSspError {
  override readonly name = "CredSspKeyMismatch";
  constructor() {
    super("the server's pubKeyAuth does not match the TLS public key");
  }
}

export class CredSspClient {
  private readonly tls: MemoryTlsChannel;
  private readonly ourVersion: number;
  private stageNow: CredSspStage = "tls";
  private serverKey?: Buffer;
  private serverVersion?: number;
  private nonce?: Buffer;
  /** The version whose pubKeyAuth rule we proved the key with; the server's proof must follow it too. */
  private proofVersion = 0;
  // An ES private field: never shown by util.inspect or JSON.stringify of the client.
  readonly #credentials: TSPasswordCreds;

  constructor(private readonly opts: CredSspClientOptions) {
    const version = opts.version ?? CREDSSP_LATEST_VERSION;
    if (!Number.isInteger(version) || version < 2 || version > CREDSSP_LATEST_VERSION) {
      throw new RangeError(`CredSSP version must be 2-${CREDSSP_LATEST_VERSION}, got ${version}`);
    }
    this.ourVersion = version;
    this.#credentials = { ...opts.credentials };
    this.tls = MemoryTlsChannel.client(opts.tls);
  }

  get stage(): CredSspStage {
    return this.stageNow;
  }

  /** The credentials have been sent: the server's 200 finishes the exchange. */
  get complete(): boolean {
    return this.stageNow === "sent";
  }

  /** The version whose rules apply: min(ours, the server's); undefined before the server's first TSRequest. */
  get negotiatedVersion(): number | undefined {
    return this.serverVersion === undefined ? undefined : Math.min(this.ourVersion, this.serverVersion);
  }

  cipher(): NegotiatedCipher {
    return this.tls.cipher();
  }

  /**
   * One step: the server's last token (none for the first call) in, our next token out.
   * Throws CredSspServerStatus for a server errorCode, CredSspKeyMismatch when the
   * server fails to prove its key, CredSspError/SpnegoError/NtlmError otherwise.
   */
  async step(input?: Buffer): Promise<Buffer> {
    switch (this.stageNow) {
      case "tls":
        return this.tlsStep(input);
      case "negotiate":
        return this.negotiateStep(await this.receive(input));
      case "pubkey":
        return this.credentialsStep(await this.receive(input));
      case "sent":
        // Anything after the credentials is the server refusing them.
        await this.receive(input);
        throw new CredSspError("the CredSSP server sent another TSRequest after the credentials");
    }
  }

  /** Encrypts a WinRM message with the CredSSP TLS channel (after the exchange). */
  wrap(plain: Buffer): Promise<Buffer> {
    if (!this.complete) throw new CredSspError("CredSSP is not established");
    return this.tls.wrap(plain);
  }

  unwrap(records: Buffer): Promise<Buffer> {
    if (!this.complete) throw new CredSspError("CredSSP is not established");
    return this.tls.unwrap(records);
  }

  destroy(): void {
    this.tls.destroy();
  }

  private async tlsStep(input: Buffer | undefined): Promise<Buffer> {
    const { output, established } = await this.tls.handshake(input);
    if (output.length > 0) return output;
    if (!established) throw new CredSspError("the TLS handshake inside CredSSP stalled");
    const cert = this.tls.peerCertificate();
    if (!cert) throw new CredSspError("the CredSSP server presented no TLS certificate");
    this.serverKey = subjectPublicKey(cert);
    this.stageNow = "negotiate";
    const token = await this.opts.auth.step();
    return this.send({ version: this.ourVersion, negoTokens: token ? [token] : undefined });
  }

  private async negotiateStep(req: TSRequest): Promise<Buffer> {
    const token = await this.opts.auth.step(req.negoTokens?.[0]);
    if (!this.opts.auth.mechanismComplete) {
      if (!token) throw new CredSspError("the authentication inside CredSSP stalled (no token to send)");
      return this.send({ version: this.ourVersion, negoTokens: [token] });
    }
    // The mechanism's last token goes with our proof of the server's key.
    const version = this.negotiatedVersion!;
    this.proofVersion = version;
    if (usesBindingHash(version)) this.nonce = (this.opts.random ?? randomBytes)(NONCE_LENGTH);
    const proof = clientPubKeyAuth(this.serverKey!, version, this.nonce);
    this.stageNow = "pubkey";
    return this.send({
      version: this.ourVersion,
      negoTokens: token ? [token] : undefined,
      pubKeyAuth: this.opts.auth.wrap(proof),
      clientNonce: this.nonce,
    });
  }

  private async credentialsStep(req: TSRequest): Promise<Buffer> {
    if (req.negoTokens?.[0]) await this.opts.auth.step(req.negoTokens[0]);
    if (!this.opts.auth.complete) {
      throw new CredSspError("the CredSSP server did not complete SPNEGO (no final token with its mechListMIC)");
    }
    if (!req.pubKeyAuth) throw new CredSspError("the CredSSP server did not answer with its pubKeyAuth");
    let got: Buffer;
    try {
      got = this.opts.auth.unwrap(req.pubKeyAuth);
    } catch {
      throw new CredSspKeyMismatch();
    }
    const want = serverPubKeyAuth(this.serverKey!, this.proofVersion, this.nonce);
    if (got.length !== want.length || !timingSafeEqual(got, want)) throw new CredSspKeyMismatch();
    const authInfo = this.opts.auth.wrap(passwordCredentials(this.#credentials));
    this.stageNow = "sent";
    return this.send({ version: this.ourVersion, authInfo });
  }

  private send(req: TSRequest): Promise<Buffer> {
    return this.tls.wrap(encodeTSRequest(req));
  }

  private async receive(input: Buffer | undefined): Promise<TSRequest> {
    if (!input || input.length === 0) throw new CredSspError("the CredSSP server sent no token");
    const req = decodeTSRequest(await this.tls.unwrap(input));
    this.serverVersion = req.version;
    if (req.errorCode !== undefined && req.errorCode !== 0) throw new CredSspServerStatus(req.errorCode);
    return req;
  }
}
