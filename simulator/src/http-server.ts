// The HTTP and HTTPS listeners at /wsman: fault injection, authentication, message
// encryption, then the WS-Management service.
//
// Hardened the way a production server is: the authentication decision is made from the
// headers (and the connection's security context) before any body is read; an
// unauthenticated body is never buffered; an authenticated one is read only up to
// MaxEnvelopeSizekb and a larger one gets HTTP 413 — what Windows answers (the Windows
// client reports it as "the request size exceeded the configured MaxEnvelopeSize
// quota") — and a closed connection; and connections are capped in number and must
// deliver their headers and request promptly (ListenerLimits).

import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Authenticator, ConnectionAuth } from "./auth";
import type { AuthenticatedSession } from "./session";
import type { HostFaults } from "./faults";
import type { SimState } from "./state";
import type { WsmanService } from "./wsman-service";

const SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8";
/** Room for the multipart/encrypted framing around a sealed envelope of the maximum size. */
const FRAMING_BYTES = 1024;

/** Connection-level limits of a listener. */
export interface ListenerLimits {
  /** Open connections at once; more are closed as they arrive. */
  maxConnections: number;
  /** A request's headers must arrive within this time. */
  headersTimeoutMs: number;
  /** A whole request (headers and body) must arrive within this time. */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: ListenerLimits = { maxConnections: 128, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

export interface ListenerDeps {
  auth: Authenticator;
  service: WsmanService;
  state: SimState;
  faults: HostFaults;
  /**
   * Called once per HTTP request received (all, including 401 handshakes); the function
   * it returns is called once the response has gone out (or the connection is gone).
   */
  countRequest(): () => void;
}

export interface Listener {
  url: string;
  close(): Promise<void>;
  /** Drop every connection and with it every NTLM security context. */
  dropConnections(): void;
  /** The authenticated sessions of the open connections (Negotiate and CredSSP). */
  sessions(): AuthenticatedSession[];
}

export function parseListenAddress(addr: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(addr) ?? /^([^:]+):(\d+)$/.exec(addr);
  if (!m) throw new Error(`listen address must be ADDR:PORT, got "${addr}"`);
  return { host: m[1], port: Number(m[2]) };
}

/** The body, or undefined as soon as it grows past `limit` (the rest is then discarded unread). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

/** True when the request may carry more body than we are willing to discard on a kept-alive connection. */
function bodyMayBeLarge(req: http.IncomingMessage, limit: number): boolean {
  const declared = req.headers["content-length"];
  return declared === undefined ? req.headers["transfer-encoding"] !== undefined : Number(declared) > limit;
}

export async function startListener(
  kind: "http" | "https",
  address: string,
  deps: ListenerDeps,
  tls?: { certPem: string; keyPem: string },
  limits: ListenerLimits = DEFAULT_LIMITS,
): Promise<Listener> {
  const { host, port } = parseListenAddress(address);
  const sockets = new Set<Socket>();
  const connAuth = new WeakMap<Socket, ConnectionAuth>();
  const isHttps = kind === "https";

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader("Content-Length", "0");
        res.end();
      } else {
        res.destroy();
      }
    });
  };

  const send = (res: http.ServerResponse, status: number, headers: Record<string, string | string[]>, body?: Buffer) => {
    res.statusCode = status;
    res.setHeader("Server", "Microsoft-HTTPAPI/2.0");
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.setHeader("Content-Length", String(body?.length ?? 0));
    res.end(body);
  };

  /** Answers without reading the body; closes the connection when that body could be large. */
  const refuse = (req: http.IncomingMessage, res: http.ServerResponse, status: number, headers: Record<string, string | string[]>) => {
    if (bodyMayBeLarge(req, envelopeLimit())) res.setHeader("Connection", "close");
    send(res, status, headers);
  };

  /** MaxEnvelopeSizekb in bytes: the largest SOAP envelope the service accepts. */
  const envelopeLimit = () => Number(deps.state.getConfig("MaxEnvelopeSizekb") ?? "500") * 1024;

  /** Windows' answer to a request over MaxEnvelopeSizekb: HTTP 413, empty body; the rest is not read. */
  const tooLarge = (res: http.ServerResponse, extra: Record<string, string>) => {
    res.setHeader("Connection", "close");
    send(res, 413, extra);
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const answered = deps.countRequest();
    res.once("close", answered);
    const socket = req.socket;
    const decision = deps.faults.take();
    if (decision.action === "drop") {
      socket.destroy();
      return;
    }
    if (deps.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, deps.faults.latencyMs));
    if (decision.action === "fail") return refuse(req, res, decision.status, {});

    const path = (req.url ?? "").split("?")[0];
    if (path.toLowerCase() !== "/wsman") return refuse(req, res, 404, {});
    if (req.method !== "POST") return refuse(req, res, 405, { Allow: "POST" });

    // Who is asking is decided from the headers and the connection alone.
    let conn = connAuth.get(socket);
    if (!conn) {
      conn = {};
      connAuth.set(socket, conn);
    }
    const outcome = await deps.auth.authenticate(req.headers.authorization, conn, isHttps);
    if (outcome.kind === "challenge") return refuse(req, res, 401, { "WWW-Authenticate": outcome.headers });
    const extra: Record<string, string> = outcome.responseHeader ? { "WWW-Authenticate": outcome.responseHeader } : {};

    const limit = envelopeLimit();
    if (bodyMayBeLarge(req, limit + FRAMING_BYTES) && req.headers["content-length"] !== undefined) return tooLarge(res, extra);
    const body = await readBody(req, limit + FRAMING_BYTES);
    if (body === undefined) return tooLarge(res, extra);

    const contentType = req.headers["content-type"];
    const sealer = outcome.sealer;
    const encrypted = sealer !== undefined && sealer.isEncrypted(contentType);
    let plain: Buffer;
    if (encrypted) {
      try {
        plain = await sealer.decrypt(body);
      } catch {
        // A message that fails its signature check is not answered with a SOAP fault.
        return send(res, 400, extra);
      }
    } else {
      plain = body;
    }
    if (plain.length > limit) return tooLarge(res, extra);
    // Empty authenticated POST: clients send it to establish the security context.
    if (plain.length === 0) return send(res, 200, extra);
    if (
      sealer !== undefined &&
      !encrypted &&
      !isHttps &&
      deps.state.getConfig("Service/AllowUnencrypted") !== "true"
    ) {
      // Windows refuses a plaintext message on a Negotiate- (or CredSSP-) authenticated HTTP connection
      // with a bare HTTP 500 (pywinrm #129/#208: "Bad HTTP response returned from server. Code 500").
      return send(res, 500, extra);
    }

    const hostHeader = req.headers.host ?? `${host}:${port}`;
    const machine = hostHeader.startsWith("[") ? hostHeader.slice(1, hostHeader.indexOf("]")) : hostHeader.replace(/:\d+$/, "");
    const reply = await deps.service.handle(plain.toString("utf8"), {
      machine,
      account: outcome.session.account,
      session: outcome.session,
      clientIp: socket.remoteAddress?.replace(/^::ffff:/, "") ?? "",
      listenerUrl: `${kind}://${hostHeader}/wsman`,
    });
    const xml = Buffer.from(reply.xml, "utf8");
    if (encrypted) {
      const sealed = await sealer.encrypt(xml);
      send(res, reply.status, { ...extra, "Content-Type": sealed.contentType }, sealed.body);
    } else {
      send(res, reply.status, { ...extra, "Content-Type": SOAP_CONTENT_TYPE }, xml);
    }
  }

  const serverOptions: http.ServerOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    // How often Node checks those two timeouts (its default, 30 s, would outlast them).
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersTimeoutMs / 2))),
  };
  const server: http.Server = isHttps
    ? https.createServer({ ...serverOptions, cert: tls!.certPem, key: tls!.keyPem }, handler)
    : http.createServer(serverOptions, handler);
  server.maxConnections = limits.maxConnections;
  // Keep idle connections (and their NTLM contexts) as long as HTTP.sys would (IdleConnection, 2 min).
  server.keepAliveTimeout = 120_000;
  server.on(isHttps ? "secureConnection" : "connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("clientError", (_err, s) => s.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const urlHost = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;

  const dropConnections = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    url: `${kind}://${urlHost}:${bound.port}/wsman`,
    dropConnections,
    sessions: () => [...sockets].flatMap((s) => connAuth.get(s)?.session ?? []),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        dropConnections();
      }),
  };
}
