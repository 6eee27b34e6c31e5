// One HTTP(S) connection per client, kept alive: NTLM authenticates the TCP
// connection, so every request after the handshake must travel on the same socket
// (maxSockets 1). TLS is established and verified here, before the socket is handed
// to the HTTP layer, so no request byte (and no Basic credential) reaches a server
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
  private readonly agent: http.Agent;
  private closed = false;

  constructor(
    readonly endpoint: Endpoint,
    private readonly settings: TransportSettings,
  ) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1, scheduling: "lifo" });
    // Node's Agent accepts an asynchronous createConnection(options, callback): the
    // socket is only handed to the request once we call back, i.e. after verification.
    (agent as unknown as { createConnection: unknown }).createConnection = (
      _opts: unknown,
      callback: (err: Error | null, socket?: net.Socket) => void,
    ): undefined => {
      this.connect(callback);
      return undefined;
    };
    this.agent = agent;
  }

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

  /** One POST to the endpoint. Rejects with TransportError/TimeoutError. */
  post(headers: Record<string, string>, body: Buffer): Promise<HttpResponse> {
    if (this.closed) {
      const { host, port, scheme } = this.endpoint;
      return Promise.reject(new TransportError({ kind: "reset", host, port, scheme, detail: "client is closed" }));
    }
    const { host, port, scheme, path, hostHeader } = this.endpoint;
    return new Promise<HttpResponse>((resolve, reject) => {
      let gotResponse = false;
      let finished = false;
      const fail = (err: Error): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        const typed = err instanceof WinRMError ? err : classifyError(err, this.endpoint);
        failureInfo.set(typed, { beforeResponse: !gotResponse });
        reject(typed);
      };
      const req = http.request({
        host,
        port,
        path,
        method: "POST",
        agent: this.agent,
        maxHeaderSize: MAX_HEADER_BYTES,
        headers: { Host: hostHeader, "User-Agent": USER_AGENT, "Content-Length": String(body.length), ...headers },
      });
      const timer = setTimeout(() => {
        req.destroy(new TimeoutError({ host, port, scheme, timeoutMs: this.settings.requestTimeoutMs, phase: "response" }));
      }, this.settings.requestTimeoutMs);
      // Captured now: once the response ends, the agent detaches the socket from it.
      let socket: net.Socket | undefined;
      req.on("socket", (s) => {
        socket = s;
      });
      req.on("error", fail);
      const limit = this.settings.maxResponseBytes;
      const tooLarge = (what: string): void => {
        fail(
          new ProtocolError(
            `${scheme}://${host}:${port} ${what}, larger than ${limit} bytes, this client's limit ` +
              `(4 × the MaxEnvelopeSize it advertises); the connection was closed`,
          ),
        );
        req.destroy();
      };
      req.on("response", (res) => {
        gotResponse = true;
        const declared = Number(res.headers["content-length"]);
        if (Number.isFinite(declared) && declared > limit) {
          tooLarge(`announced a reply of ${declared} bytes`);
          return;
        }
        const chunks: Buffer[] = [];
        let received = 0;
        res.on("data", (c: Buffer) => {
          if (finished) return;
          received += c.length;
          if (received > limit) {
            chunks.length = 0;
            tooLarge("sent a reply");
            return;
          }
          chunks.push(c);
        });
        res.on("error", fail);
        res.on("aborted", () => fail(new Error("response aborted")));
        res.on("end", () => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          if (!socket) {
            fail(new Error("response without a socket"));
            return;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks),
            socket,
            peerCertDer: peerCerts.get(socket),
          });
        });
      });
      req.end(body);
    });
  }

  close(): void {
    this.closed = true;
    this.agent.destroy();
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
