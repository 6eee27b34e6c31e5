// One HTTP(S) connection per client, kept alive: NTLM authenticates the TCP
// connection, so every request after the handshake must travel on the same socket,
// one exchange at a time. HTTP/1.1 is written and read here (a request is one write;
// the reply's framing — Content-Length, chunked, or the connection's end — is read
// as bytes arrive) rather than by node:http, whose per-request machinery cost more CPU
// than everything else a Get does. TLS is established and verified here, before the
// first request byte, so no request byte (and no Basic credential) reaches a server
// whose certificate was rejected. This module makes exactly one attempt per call and
// reports typed errors; retrying is the caller's decision (it knows idempotency).
//
// Whatever the server sends, the client's memory stays bounded: a reply body larger
// than `maxResponseBytes` (declared or counted as it arrives, chunked or not) and
// headers larger than MAX_HEADER_BYTES end the exchange with a ProtocolError and
// destroy the socket, so nothing more is read from it.
import * as http from "node:http";
import * as net from "node:net";
import * as tls from "node:tls";
import { X509Certificate } from "node:crypto";
import type { Endpoint } from "./endpoint";
import { ProtocolError, TimeoutError, TransportError, WinRMError } from "./errors";

export interface TlsSettings {
  /** PEM CA certificate(s) to trust instead of the system store. */
  caCert?: string;
  /** Expected SHA-256 fingerprint of the server certificate ("AA:BB:.." or 64 hex digits). */
  certFingerprint?: string;
  /** Accept any certificate. Only when explicitly asked for. */
  insecureSkipVerify?: boolean;
  /** Name for SNI and the certificate name check, when it differs from host. */
  serverName?: string;
}

export interface TransportSettings {
  tls: TlsSettings;
  connectTimeoutMs: number;
  /** Per-request limit: from sending to the last byte of the response. */
  requestTimeoutMs: number;
  /** Largest reply body accepted, in bytes; a larger one is cut off with a ProtocolError. */
  maxResponseBytes: number;
}

/** Response headers larger than this (Node's own default, made explicit) are refused. */
export const MAX_HEADER_BYTES = 16 * 1024;

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Header name/value pairs as received (repeated WWW-Authenticate headers stay separate). */
  rawHeaders: string[];
  body: Buffer;
  /** The socket the exchange used: NTLM ties its security context to it. */
  socket: net.Socket;
  /** DER of the server certificate (HTTPS only), for channel bindings. */
  peerCertDer?: Buffer;
}

/** Facts about a failed attempt that the retry policy needs. */
export interface FailureInfo {
  /** True when no response byte arrived: the server may not have seen the request. */
  beforeResponse: boolean;
}
const failureInfo = new WeakMap<object, FailureInfo>();
export function failureOf(err: unknown): FailureInfo | undefined {
  return typeof err === "object" && err !== null ? failureInfo.get(err) : undefined;
}

/** Normalises "AA:BB:.." / "aabb.." to upper-case hex without separators. */
export function normaliseFingerprint(fp: string): string {
  return fp.replace(/[:\s]/g, "").toUpperCase();
}

export interface CertFacts {
  subject?: string;
  sha256?: string;
}

export function certFacts(der: Buffer | undefined): CertFacts {
  if (!der || der.length === 0) return {};
  try {
    const x = new X509Certificate(der);
    return { subject: x.subject.split("\n").join(", "), sha256: x.fingerprint256 };
  } catch {
    return {};
  }
}

const USER_AGENT = "pulumi-credssp WinRM client";

const peerCerts = new WeakMap<net.Socket, Buffer>();

export class HttpTransport {
  /** The kept-alive connection, once made; replaced when it is gone. */
  private socket: net.Socket | undefined;
  /** Exchanges run one at a time: one connection, one request in flight. */
  private queue: Promise<unknown> = Promise.resolve();
  /** An exchange is reading from the connection. */
  private inFlight = false;
  private closed = false;

  constructor(
    readonly endpoint: Endpoint,
    private readonly settings: TransportSettings,
  ) {}

  private connect(callback: (err: Error | null, socket?: net.Socket) => void): void {
    const { host, port, scheme } = this.endpoint;
    const tlsSettings = this.settings.tls;
    let settled = false;
    const done = (err: Error | null, socket?: net.Socket): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      callback(err, socket);
    };
    let socket: net.Socket;
    if (scheme === "https") {
      const serverName = tlsSettings.serverName ?? host;
      const sni = net.isIP(serverName) ? undefined : serverName;
      socket = tls.connect({
        host,
        port,
        servername: sni,
        ca: tlsSettings.caCert,
        // Verification is decided below, once the certificate is known, so that a
        // failure can report what the server presented.
        rejectUnauthorized: false,
        checkServerIdentity: (_h, cert) => tls.checkServerIdentity(serverName, cert),
      });
      socket.once("secureConnect", () => {
        const t = socket as tls.TLSSocket;
        const der = t.getPeerCertificate(false)?.raw as Buffer | undefined;
        const problem = this.verifyPeer(t, der);
        if (problem) {
          const facts = certFacts(der);
          socket.destroy();
          done(
            new TransportError({
              kind: "tls", host, port, scheme, detail: problem, certSubject: facts.subject, certSha256: facts.sha256,
            }),
          );
          return;
        }
        if (der) peerCerts.set(socket, der);
        done(null, socket);
      });
    } else {
      socket = net.connect({ host, port });
      socket.once("connect", () => done(null, socket));
    }
    socket.once("error", (err) => {
      socket.destroy();
      done(classifyError(err, this.endpoint));
    });
    const timer = setTimeout(() => {
      socket.destroy();
      done(new TimeoutError({ host, port, scheme, timeoutMs: this.settings.connectTimeoutMs, phase: "connect" }));
    }, this.settings.connectTimeoutMs);
  }

  /** Returns why the peer certificate is unacceptable, or undefined when it is fine. */
  private verifyPeer(socket: tls.TLSSocket, der: Buffer | undefined): string | undefined {
    const t = this.settings.tls;
    if (t.insecureSkipVerify) return undefined;
    if (t.certFingerprint) {
      // A pin replaces chain and name checks: the user named the exact certificate.
      const got = certFacts(der).sha256;
      if (!got) return "the server presented no certificate";
      return normaliseFingerprint(got) === normaliseFingerprint(t.certFingerprint)
        ? undefined
        : `certificate fingerprint does not match the pinned certFingerprint ${t.certFingerprint}`;
    }
    if (socket.authorized) return undefined;
    const reason = String(socket.authorizationError ?? "unknown verification error");
    const hint = t.caCert
      ? "it is not signed by the given caCert or does not match the host name"
      : "it is not trusted by the system CAs; pass caCert or certFingerprint";
    return `${reason} (${hint})`;
  }

  /** One POST to the endpoint. Rejects with TransportError/TimeoutError/ProtocolError. */
  post(headers: Record<string, string>, body: Buffer): Promise<HttpResponse> {
    const run = this.queue.then(() => this.exchange(headers, body));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * The kept-alive connection, or a new one (TLS verified before it is returned). A
   * connection the server closed is gone by now: Node destroys a socket whose peer
   * ended it, as net.connect does not allow half-open sockets.
   */
  private connection(): Promise<net.Socket> {
    const current = this.socket;
    if (current && !current.destroyed && !current.readableEnded && !current.writableEnded) return Promise.resolve(current);
    current?.destroy();
    this.socket = undefined;
    return new Promise((resolve, reject) =>
      this.connect((err, socket) => {
        if (err || !socket) return reject(err ?? new Error("no socket"));
        if (this.closed) {
          socket.destroy();
          return reject(this.closedError());
        }
        // Between exchanges nothing may arrive, and an error only ends the connection
        // (during one, the exchange's own listeners report them).
        socket.on("error", () => socket.destroy());
        socket.on("data", () => {
          if (!this.inFlight) socket.destroy();
        });
        socket.setNoDelay(true);
        // An idle kept-alive connection (a pooled session between operations) must not
        // keep the process alive; it is ref'd again while an exchange runs.
        socket.unref();
        this.socket = socket;
        resolve(socket);
      }),
    );
  }

  private closedError(): TransportError {
    const { host, port, scheme } = this.endpoint;
    return new TransportError({ kind: "reset", host, port, scheme, detail: "client is closed" });
  }

  /**
   * One HTTP/1.1 request and its response on the kept-alive connection, written and
   * read here rather than by node:http, whose per-request machinery was a third of the
   * client's CPU per Get. The request goes out in one write; the response is read
   * with its limits (headers, body) checked as bytes arrive.
   */
  private exchange(headers: Record<string, string>, body: Buffer): Promise<HttpResponse> {
    if (this.closed) return Promise.reject(this.closedError());
    const { host, port, scheme, path, hostHeader } = this.endpoint;
    const all: Record<string, string> = {
      Host: hostHeader, "User-Agent": USER_AGENT, "Content-Length": String(body.length), Connection: "keep-alive", ...headers,
    };
    let head = `POST ${path} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(all)) {
      // Our own values (tokens, types, lengths), but a line break would split the request.
      if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) return Promise.reject(new ProtocolError(`HTTP header ${name} holds a line break`));
      head += `${name}: ${value}\r\n`;
    }
    head += "\r\n";
    const request = Buffer.concat([Buffer.from(head, "latin1"), body]);

    return new Promise<HttpResponse>((resolve, reject) => {
      let gotResponse = false;
      let finished = false;
      let socket: net.Socket | undefined;
      const reader = new ResponseReader(this.settings.maxResponseBytes);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.inFlight = false;
        if (!socket) return;
        socket.unref();
        socket.off("data", onData);
        socket.off("error", onError);
        socket.off("close", onClose);
      };
      const fail = (err: Error, destroy = true): void => {
        if (finished) return;
        finished = true;
        cleanup();
        // Whatever the connection still carries belongs to an exchange that failed.
        if (destroy && socket) socket.destroy();
        const typed = err instanceof WinRMError ? err : classifyError(err, this.endpoint);
        failureInfo.set(typed, { beforeResponse: !gotResponse });
        reject(typed);
      };
      const onData = (chunk: Buffer): void => {
        if (finished) return;
        gotResponse = true;
        let done: ReturnType<ResponseReader["push"]>;
        try {
          done = reader.push(chunk);
        } catch (err) {
          return fail(err instanceof ReplyTooLarge ? this.tooLarge(err.message) : this.invalid(err as Error));
        }
        if (done) complete(done.reusable);
      };
      const onError = (err: Error): void => fail(err);
      const onClose = (): void => {
        if (finished) return;
        // A body without a length runs to the end of the connection.
        if (reader.endsAtClose()) return complete(false);
        fail(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), false);
      };
      const complete = (reusable: boolean): void => {
        finished = true;
        cleanup();
        const s = socket!;
        if (!reusable) s.destroy();
        const res = reader.response();
        resolve({ ...res, socket: s, peerCertDer: peerCerts.get(s) });
      };
      const timer = setTimeout(() => {
        fail(new TimeoutError({ host, port, scheme, timeoutMs: this.settings.requestTimeoutMs, phase: "response" }));
      }, this.settings.requestTimeoutMs);

      this.connection().then(
        (s) => {
          if (finished) return;
          socket = s;
          this.inFlight = true;
          s.ref();
          s.on("data", onData);
          s.on("error", onError);
          s.on("close", onClose);
          s.write(request);
        },
        (err: Error) => fail(err),
      );
    });
  }

  private tooLarge(what: string): ProtocolError {
    const { host, port, scheme } = this.endpoint;
    return new ProtocolError(
      `${scheme}://${host}:${port} ${what}, larger than ${this.settings.maxResponseBytes} bytes, this client's limit ` +
        `(4 × the MaxEnvelopeSize it advertises); the connection was closed`,
    );
  }

  private invalid(err: Error): ProtocolError {
    const { host, port, scheme } = this.endpoint;
    if (err instanceof HeaderOverflow) {
      return new ProtocolError(`${scheme}://${host}:${port} sent HTTP response headers larger than ${MAX_HEADER_BYTES} bytes; the connection was closed`);
    }
    return new ProtocolError(`${scheme}://${host}:${port} sent an invalid HTTP response (${err.message})`, { cause: err });
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.socket = undefined;
  }
}

class ReplyTooLarge extends Error {}
class HeaderOverflow extends Error {}

/** An HTTP header name (RFC 9110 token). */
const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Reads one HTTP/1.1 response from the bytes of a connection as they arrive: the
 * status line and headers (at most MAX_HEADER_BYTES), interim 1xx responses skipped,
 * then a body framed by Content-Length, chunked transfer coding, or the end of the
 * connection. Throws ReplyTooLarge past the body limit, HeaderOverflow past the header
 * limit, and Error for anything that is not HTTP.
 */
class ResponseReader {
  private buffered: Buffer = Buffer.alloc(0);
  private status = 0;
  private rawHeaders: string[] = [];
  private headers: http.IncomingHttpHeaders = {};
  private framing: "headers" | "length" | "chunked" | "close" = "headers";
  private remaining = 0;
  private readonly chunks: Buffer[] = [];
  private received = 0;
  private keepAlive = true;
  /** Chunked: "size" (a size line next), "data", "crlf" (after a chunk), "trailer". */
  private chunkState: "size" | "data" | "crlf" | "trailer" = "size";

  constructor(private readonly limit: number) {}

  /** Feeds bytes; returns when the response is complete, and whether the connection can carry another. */
  push(chunk: Buffer): { reusable: boolean } | undefined {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    for (;;) {
      if (this.framing === "headers") {
        if (!this.readHead()) return undefined;
        continue;
      }
      if (this.framing === "length") {
        if (!this.takeBody()) return undefined;
        return { reusable: this.keepAlive && this.buffered.length === 0 };
      }
      if (this.framing === "close") {
        if (this.buffered.length > 0) this.collect(this.buffered);
        this.buffered = Buffer.alloc(0);
        return undefined;
      }
      const done = this.readChunked();
      if (done === undefined) return undefined;
      return { reusable: this.keepAlive && this.buffered.length === 0 };
    }
  }

  /** True when the body runs to the end of the connection, which has now come. */
  endsAtClose(): boolean {
    return this.framing === "close";
  }

  response(): { status: number; headers: http.IncomingHttpHeaders; rawHeaders: string[]; body: Buffer } {
    const body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    return { status: this.status, headers: this.headers, rawHeaders: this.rawHeaders, body };
  }

  /** Moves up to `remaining` buffered bytes into the body; true once `remaining` is 0. */
  private takeBody(): boolean {
    const take = Math.min(this.remaining, this.buffered.length);
    if (take > 0) this.collect(this.buffered.subarray(0, take));
    this.buffered = this.buffered.subarray(take);
    this.remaining -= take;
    return this.remaining === 0;
  }

  private collect(part: Buffer): void {
    this.received += part.length;
    if (this.received > this.limit) throw new ReplyTooLarge("sent a reply");
    this.chunks.push(part);
  }

  /** Parses the status line and headers once they are all here; false while they are not. */
  private readHead(): boolean {
    const end = this.buffered.indexOf("\r\n\r\n");
    if (end < 0) {
      if (this.buffered.length > MAX_HEADER_BYTES) throw new HeaderOverflow();
      return false;
    }
    if (end + 4 > MAX_HEADER_BYTES) throw new HeaderOverflow();
    const lines = this.buffered.toString("latin1", 0, end).split("\r\n");
    this.buffered = this.buffered.subarray(end + 4);
    const m = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [^\r\n]*)?$/.exec(lines[0]);
    if (!m) throw new Error(`status line "${lines[0].slice(0, 60)}"`);
    const status = Number(m[2]);
    const rawHeaders: string[] = [];
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      const name = colon > 0 ? line.slice(0, colon) : "";
      if (!TOKEN_RE.test(name)) throw new Error(`header line "${line.slice(0, 60)}"`);
      const value = line.slice(colon + 1).trim();
      rawHeaders.push(name, value);
      const key = name.toLowerCase();
      headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
    }
    // Interim responses (100 Continue and the like) precede the real one.
    if (status < 200 && status !== 101) return true;
    this.status = status;
    this.rawHeaders = rawHeaders;
    this.headers = headers;
    const connection = (headers["connection"] ?? "").toLowerCase();
    this.keepAlive = m[1] === "1" ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
    const te = headers["transfer-encoding"];
    const cl = headers["content-length"];
    if (te !== undefined) {
      if (te.toLowerCase() !== "chunked") throw new Error(`Transfer-Encoding ${te}`);
      if (cl !== undefined) throw new Error("both Content-Length and Transfer-Encoding");
      this.framing = "chunked";
    } else if (cl !== undefined) {
      if (!/^\d{1,15}$/.test(cl)) throw new Error(`Content-Length ${cl}`);
      this.remaining = Number(cl);
      if (this.remaining > this.limit) throw new ReplyTooLarge(`announced a reply of ${this.remaining} bytes`);
      this.framing = "length";
    } else if (status === 204 || status === 304) {
      this.framing = "length";
    } else {
      this.framing = "close";
      this.keepAlive = false;
    }
    return true;
  }

  /** Consumes chunked body bytes; returns true once the last chunk and trailers are read. */
  private readChunked(): true | undefined {
    for (;;) {
      if (this.chunkState === "data") {
        if (!this.takeBody()) return undefined;
        this.chunkState = "crlf";
      }
      if (this.chunkState === "crlf") {
        if (this.buffered.length < 2) return undefined;
        if (this.buffered[0] !== 0x0d || this.buffered[1] !== 0x0a) throw new Error("chunk not followed by CRLF");
        this.buffered = this.buffered.subarray(2);
        this.chunkState = "size";
      }
      const eol = this.buffered.indexOf("\r\n");
      if (eol < 0) {
        if (this.buffered.length > MAX_HEADER_BYTES) throw new Error("chunk size line too long");
        return undefined;
      }
      const line = this.buffered.toString("latin1", 0, eol);
      this.buffered = this.buffered.subarray(eol + 2);
      if (this.chunkState === "trailer") {
        if (line === "") return true;
        continue;
      }
      const m = /^([0-9A-Fa-f]{1,8})(?:\s*;.*)?$/.exec(line);
      if (!m) throw new Error(`chunk size "${line.slice(0, 20)}"`);
      this.remaining = parseInt(m[1], 16);
      if (this.received + this.remaining > this.limit) throw new ReplyTooLarge("sent a reply");
      this.chunkState = this.remaining === 0 ? "trailer" : "data";
    }
  }
}

function classifyError(err: Error & { code?: string }, ep: Endpoint): WinRMError {
  const { host, port, scheme } = ep;
  const code = err.code ?? "";
  const detail = code ? `${code}: ${err.message}` : err.message;
  // Node's HTTP parser refused what the server sent: not a broken connection (which
  // is worth retrying) but a reply that is not HTTP we accept.
  if (code === "HPE_HEADER_OVERFLOW") {
    return new ProtocolError(
      `${scheme}://${host}:${port} sent HTTP response headers larger than ${MAX_HEADER_BYTES} bytes; the connection was closed`,
      { cause: err },
    );
  }
  if (code.startsWith("HPE_")) {
    return new ProtocolError(`${scheme}://${host}:${port} sent an invalid HTTP response (${detail})`, { cause: err });
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME" || code === "EAI_FAIL") {
    return new TransportError({ kind: "dns", host, port, scheme, detail, cause: err });
  }
  if (code === "ECONNREFUSED") return new TransportError({ kind: "refused", host, port, scheme, detail, cause: err });
  if (code.startsWith("ERR_SSL") || code.startsWith("ERR_TLS") || /SSL|TLS/.test(code)) {
    return new TransportError({ kind: "tls", host, port, scheme, detail, cause: err });
  }
  return new TransportError({ kind: "reset", host, port, scheme, detail, cause: err });
}
