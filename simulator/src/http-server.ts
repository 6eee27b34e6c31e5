// The HTTP and HTTPS listeners at /wsman: fault injection, authentication, message
// encryption, then the WS-Management service.

import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Authenticator, ConnectionAuth } from "./auth";
import type { AuthenticatedSession } from "./session";
import type { HostFaults } from "./faults";
import type { SimState } from "./state";
import type { WsmanService } from "./wsman-service";

const SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8";
const MAX_BODY = 16 * 1024 * 1024;

export interface ListenerDeps {
  auth: Authenticator;
  service: WsmanService;
  state: SimState;
  faults: HostFaults;
  /** Called once per HTTP request received (all, including 401 handshakes). */
  countRequest(): void;
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

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export async function startListener(
  kind: "http" | "https",
  address: string,
  deps: ListenerDeps,
  tls?: { certPem: string; keyPem: string },
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

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    deps.countRequest();
    const socket = req.socket;
    const decision = deps.faults.take();
    if (decision.action === "drop") {
      socket.destroy();
      return;
    }
    const body = await readBody(req);
    if (deps.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, deps.faults.latencyMs));
    if (decision.action === "fail") return send(res, decision.status, {});

    const path = (req.url ?? "").split("?")[0];
    if (path.toLowerCase() !== "/wsman") return send(res, 404, {});
    if (req.method !== "POST") return send(res, 405, { Allow: "POST" });

    let conn = connAuth.get(socket);
    if (!conn) {
      conn = {};
      connAuth.set(socket, conn);
    }
    const outcome = await deps.auth.authenticate(req.headers.authorization, conn, isHttps);
    if (outcome.kind === "challenge") return send(res, 401, { "WWW-Authenticate": outcome.headers });
    const extra: Record<string, string> = outcome.responseHeader ? { "WWW-Authenticate": outcome.responseHeader } : {};

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

  const server: http.Server = isHttps
    ? https.createServer({ cert: tls!.certPem, key: tls!.keyPem }, handler)
    : http.createServer(handler);
  // Keep connections (and their NTLM contexts) as long as HTTP.sys would.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
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
