// A minimal WS-Management responder for transport tests: it answers every request
// with a GetResponse related to the incoming MessageID, and can be told to misbehave
// (drop connections, stall, demand other auth schemes, answer for another message).
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { messageIdOf } from "./captures";
import { SOAP_CONTENT_TYPE } from "../../../provider/src/winrm/soap";

export interface TestServerOptions {
  tls?: { key: string; cert: string };
  /** Accepted Basic credentials; absent = no auth check. */
  basic?: { user: string; password: string };
  /** WWW-Authenticate headers sent with every 401. */
  challenge?: string[];
  /** Destroy the socket (no response) for the first N requests. */
  dropFirst?: number;
  /** Destroy the socket (no response) for these request numbers (1-based). */
  dropRequests?: number[];
  /** Never answer. */
  stall?: boolean;
  /** Answer with this RelatesTo instead of the request's MessageID. */
  relatesTo?: string;
}

export interface TestServer {
  port: number;
  /** Requests that reached the handler (after TLS). */
  requests: number;
  /** TCP connections accepted. */
  connections: number;
  close(): Promise<void>;
}

export function getResponse(relatesTo: string): string {
  return (
    `<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer">` +
    `<s:Header><a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse</a:Action>` +
    `<a:MessageID>uuid:11111111-2222-3333-4444-555555555555</a:MessageID>` +
    `<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:RelatesTo>${relatesTo}</a:RelatesTo></s:Header>` +
    `<s:Body><cfg:Auth xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config/service/auth"><cfg:Basic>true</cfg:Basic><cfg:CredSSP>false</cfg:CredSSP></cfg:Auth></s:Body></s:Envelope>`
  );
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const state = { requests: 0, connections: 0 };
  const sockets = new Set<Socket>();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      state.requests++;
      if ((opts.dropFirst && state.requests <= opts.dropFirst) || opts.dropRequests?.includes(state.requests)) {
        req.socket.destroy();
        return;
      }
      if (opts.stall) return;
      const expected = opts.basic ? `Basic ${Buffer.from(`${opts.basic.user}:${opts.basic.password}`).toString("base64")}` : undefined;
      if (opts.challenge || (expected && req.headers.authorization !== expected)) {
        res.setHeader("WWW-Authenticate", opts.challenge ?? ['Basic realm="WSMAN"', "Negotiate"]);
        res.writeHead(401, { "Content-Length": "0" });
        res.end();
        return;
      }
      const body = Buffer.from(getResponse(opts.relatesTo ?? messageIdOf(Buffer.concat(chunks).toString("utf8"))));
      res.writeHead(200, { "Content-Type": SOAP_CONTENT_TYPE, "Content-Length": String(body.length) });
      res.end(body);
    });
  };
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : http.createServer(handler);
  server.on(opts.tls ? "secureConnection" : "connection", () => state.connections++);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  // A client rejecting our certificate aborts the handshake; that is expected here.
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get requests() {
      return state.requests;
    },
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port with nothing listening (bound then released). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
