// A TLS connection whose records travel wherever we carry them: CredSSP tunnels TLS
// through base64 HTTP headers (and later through WinRM message bodies), so there is
// no socket underneath. Node's own `tls` runs over an in-memory Duplex: bytes the
// peer sent are pushed into it, and the records TLS writes are collected to be sent.
//
// TLS in Node finishes its work on a write or a push over a few event-loop turns
// (stream callbacks, nextTicks and the setImmediate between two writes of the stream
// wrapper). `settle()` waits until two whole turns pass with nothing new, which is
// when every record that input could produce has been produced.
//
// Used by both sides: the client (provider/src/winrm/auth/credssp.ts) and the
// simulated server. Neither verifies a certificate chain here: CredSSP proves the
// server through pubKeyAuth, which binds the server's TLS *public key* (MS-CSSP 3.1.5
// step 1: the server's certificate is usually self-signed).

import { constants } from "node:crypto";
import { Duplex } from "node:stream";
import * as tls from "node:tls";
import { CredSspError } from "./errors";

export interface TlsChannelOptions {
  /** Default TLSv1.2: CredSSP peers (Windows' Schannel) speak 1.2, some 1.3. */
  minVersion?: tls.SecureVersion;
  /** Default TLSv1.3 for a client, TLSv1.2 for a server. */
  maxVersion?: tls.SecureVersion;
  /** OpenSSL cipher list; default: the AES suites Windows' Schannel offers. */
  ciphers?: string;
}

export interface TlsServerOptions extends TlsChannelOptions {
  certPem: string;
  keyPem: string;
}

/**
 * The suites Schannel enables on current Windows (AES-GCM first, then AES-CBC), so that
 * the WinRM framing's trailer length (credssp/encryption.ts) is one Windows knows.
 */
export const SCHANNEL_CIPHERS = [
  "TLS_AES_256_GCM_SHA384",
  "TLS_AES_128_GCM_SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "DHE-RSA-AES256-GCM-SHA384",
  "DHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-SHA384",
  "ECDHE-ECDSA-AES128-SHA256",
  "ECDHE-RSA-AES256-SHA384",
  "ECDHE-RSA-AES128-SHA256",
  "ECDHE-RSA-AES256-SHA",
  "ECDHE-RSA-AES128-SHA",
  "AES256-GCM-SHA384",
  "AES128-GCM-SHA256",
  "AES256-SHA256",
  "AES128-SHA256",
  "AES256-SHA",
  "AES128-SHA",
].join(":");

export interface NegotiatedCipher {
  /** "TLSv1.2" or "TLSv1.3". */
  version: string;
  /** IANA name, e.g. "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384". */
  standardName: string;
}

export class MemoryTlsChannel {
  private readonly socket: tls.TLSSocket;
  private outbound: Buffer[] = [];
  private inbound: Buffer[] = [];
  private failure?: Error;
  private established = false;
  /** Bumped on every event, so settle() can tell a quiet turn from a busy one. */
  private events = 0;

  private readonly wire: Duplex;

  private constructor(makeSocket: (wire: Duplex) => tls.TLSSocket, isServer: boolean) {
    const outbound = (chunk: Buffer) => {
      this.outbound.push(chunk);
      this.events++;
    };
    this.wire = new Duplex({
      read() {
        /* data arrives through push() in feed() */
      },
      write(chunk: Buffer, _encoding, callback) {
        outbound(chunk);
        callback();
      },
    });
    // A client writes its ClientHello during tls.connect(), so the wire exists first.
    this.socket = makeSocket(this.wire);
    this.socket.on(isServer ? "secure" : "secureConnect", () => {
      this.established = true;
      this.events++;
    });
    this.socket.on("data", (chunk: Buffer) => {
      this.inbound.push(chunk);
      this.events++;
    });
    this.socket.on("error", (err: Error) => {
      this.failure ??= err;
      this.events++;
    });
  }

  /** A client; its ClientHello is ready after the first handshake() call. */
  static client(opts: TlsChannelOptions = {}): MemoryTlsChannel {
    return new MemoryTlsChannel(
      (wire) =>
        tls.connect({
          socket: wire,
          // Deliberately no chain or name check: CredSSP binds the public key (see above).
          rejectUnauthorized: false,
          minVersion: opts.minVersion ?? "TLSv1.2",
          maxVersion: opts.maxVersion ?? "TLSv1.3",
          ciphers: opts.ciphers ?? SCHANNEL_CIPHERS,
        }),
      false,
    );
  }

  static server(opts: TlsServerOptions): MemoryTlsChannel {
    const secureContext = tls.createSecureContext({
      cert: opts.certPem,
      key: opts.keyPem,
      minVersion: opts.minVersion ?? "TLSv1.2",
      maxVersion: opts.maxVersion ?? "TLSv1.2",
      ciphers: opts.ciphers ?? SCHANNEL_CIPHERS,
      // No session tickets: CredSSP does not support TLS session resumption (MS-CSSP 3.1.5).
      secureOptions: constants.SSL_OP_NO_TICKET,
    });
    return new MemoryTlsChannel(
      (wire) => new tls.TLSSocket(wire, { isServer: true, secureContext, requestCert: false, rejectUnauthorized: false }),
      true,
    );
  }

  get isEstablished(): boolean {
    return this.established;
  }

  /**
   * One handshake step: hands the peer's records (none for a client's first call) to
   * TLS and returns the records it wants sent back (possibly none).
   */
  async handshake(input?: Buffer): Promise<{ output: Buffer; established: boolean }> {
    if (input && input.length > 0) this.feed(input);
    await this.settle();
    this.throwIfFailed("TLS handshake");
    return { output: this.takeOutbound(), established: this.established };
  }

  /** Encrypts application data into TLS records. */
  async wrap(plain: Buffer): Promise<Buffer> {
    this.requireEstablished();
    if (plain.length > 0) this.socket.write(plain);
    await this.settle();
    this.throwIfFailed("TLS encryption");
    return this.takeOutbound();
  }

  /** Decrypts TLS records; every record must be complete. */
  async unwrap(records: Buffer): Promise<Buffer> {
    this.requireEstablished();
    this.feed(records);
    await this.settle();
    this.throwIfFailed("TLS decryption");
    const plain = Buffer.concat(this.inbound);
    this.inbound = [];
    return plain;
  }

  /** DER of the peer's certificate (a client's view of the server). */
  peerCertificate(): Buffer | undefined {
    const raw = this.socket.getPeerCertificate(false)?.raw;
    return raw && raw.length > 0 ? Buffer.from(raw) : undefined;
  }

  cipher(): NegotiatedCipher {
    const c = this.socket.getCipher();
    return { version: c?.version ?? "unknown", standardName: c?.standardName ?? c?.name ?? "unknown" };
  }

  destroy(): void {
    this.socket.destroy();
    this.wire.destroy();
  }

  private feed(bytes: Buffer): void {
    if (!isWholeRecords(bytes)) throw new CredSspError("TLS data from the peer does not consist of whole TLS records");
    this.wire.push(Buffer.from(bytes));
  }

  private takeOutbound(): Buffer {
    const out = Buffer.concat(this.outbound);
    this.outbound = [];
    return out;
  }

  private requireEstablished(): void {
    this.throwIfFailed("TLS");
    if (!this.established) throw new CredSspError("the CredSSP TLS channel is not established");
  }

  private throwIfFailed(what: string): void {
    if (this.failure) throw new CredSspError(`${what} failed inside CredSSP: ${this.failure.message}`, { cause: this.failure });
  }

  private async settle(): Promise<void> {
    let seen = -1;
    let quiet = 0;
    for (let turns = 0; quiet < 2; turns++) {
      if (turns > 10_000) throw new CredSspError("TLS inside CredSSP did not settle");
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.events === seen) quiet++;
      else quiet = 0;
      seen = this.events;
    }
  }
}

/** True when `bytes` is a sequence of complete TLS records (5-byte header + length). */
export function isWholeRecords(bytes: Buffer): boolean {
  let pos = 0;
  while (pos < bytes.length) {
    if (pos + 5 > bytes.length) return false;
    pos += 5 + bytes.readUInt16BE(pos + 3);
  }
  return pos === bytes.length;
}
