// A raw TCP "WinRM endpoint" for hostile-server tests and the reliability benchmark: it reads each HTTP request
// (headers and a Content-Length body) and lets the test write whatever bytes it likes
// back on the socket — oversized or endless bodies, broken headers, forged faults.
// Bodies are produced lazily with back-pressure, so a 50 MB answer costs the test
// process nothing until the client actually reads it.
import * as net from "node:net";
import type { AddressInfo } from "node:net";

export interface HostileRequest {
  method: string;
  headers: Record<string, string>;
  body: Buffer;
  /** MessageID of the SOAP request, "" when the body is not one. */
  messageId: string;
}

/** The MessageID of a SOAP envelope, "" when there is none. */
export function messageIdOf(envelope: string): string {
  return /<(?:\w+:)?MessageID[^>]*>([^<]+)</.exec(envelope)?.[1].trim() ?? "";
}

/** Writes the answer to one request; may end or destroy the socket. */
export type HostileAnswer = (req: HostileRequest, socket: net.Socket) => void | Promise<void>;

export interface HostileServer {
  port: number;
  /** Bytes written to clients on connections that have closed. */
  readonly bytesSent: number;
  /** Connections the client closed or reset before the answer was complete. */
  readonly clientAborts: number;
  requests: HostileRequest[];
  close(): Promise<void>;
}

export async function startHostileServer(answer: HostileAnswer): Promise<HostileServer> {
  const sockets = new Set<net.Socket>();
  const requests: HostileRequest[] = [];
  let bytesSent = 0;
  let clientAborts = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let pending = Buffer.alloc(0);
    let busy = false;
    socket.on("error", () => undefined);
    socket.on("close", () => {
      sockets.delete(socket);
      bytesSent += socket.bytesWritten;
      if (busy) clientAborts++;
    });
    socket.on("data", async (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      const end = pending.indexOf("\r\n\r\n");
      if (end < 0 || busy) return;
      const lines = pending.subarray(0, end).toString("latin1").split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(":");
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      const length = Number(headers["content-length"] ?? "0");
      if (pending.length < end + 4 + length) return;
      const body = pending.subarray(end + 4, end + 4 + length);
      pending = pending.subarray(end + 4 + length);
      const req: HostileRequest = { method: lines[0].split(" ")[0], headers, body, messageId: messageIdOf(body.toString("utf8")) };
      requests.push(req);
      busy = true;
      try {
        await answer(req, socket);
      } finally {
        busy = false;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get bytesSent() {
      return bytesSent;
    },
    get clientAborts() {
      return clientAborts;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Writes `total` bytes made of `unit` repeated (after `head`), honouring back-pressure,
 * and stops as soon as the peer goes away. Resolves with the bytes actually written.
 */
export function streamRepeated(socket: net.Socket, head: string, unit: string, total: number, tail = ""): Promise<number> {
  return new Promise((resolve) => {
    const block = Buffer.from(unit.repeat(Math.max(1, Math.floor(65536 / unit.length))));
    let written = 0;
    const pump = (): void => {
      while (!socket.destroyed && written < total) {
        const piece = written + block.length <= total ? block : block.subarray(0, total - written);
        written += piece.length;
        if (!socket.write(piece)) {
          socket.once("drain", pump);
          return;
        }
      }
      if (!socket.destroyed) socket.end(tail);
      resolve(written);
    };
    socket.once("close", () => resolve(written));
    socket.write(head);
    pump();
  });
}

/**
 * Writes chunked-encoding chunks of `unit` until `total` bytes of body (then the last
 * chunk) or, by default, until the peer closes the connection.
 */
export function streamEndlessChunks(socket: net.Socket, head: string, unit: string, total = Infinity): Promise<number> {
  return new Promise((resolve) => {
    const data = unit.repeat(Math.max(1, Math.floor(16384 / unit.length)));
    const chunk = Buffer.from(`${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`);
    let written = 0;
    let body = 0;
    const pump = (): void => {
      while (!socket.destroyed) {
        if (body >= total) {
          socket.end("0\r\n\r\n");
          resolve(written);
          return;
        }
        written += chunk.length;
        body += data.length;
        if (!socket.write(chunk)) {
          socket.once("drain", pump);
          return;
        }
      }
    };
    socket.once("close", () => resolve(written));
    socket.write(head);
    pump();
  });
}

/** A SOAP reply envelope (Windows' prefixes) with the given body, related to `relatesTo` when given. */
export function replyEnvelope(body: string, relatesTo?: string, action = "http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse"): string {
  return (
    `<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing">` +
    `<s:Header><a:Action>${action}</a:Action><a:MessageID>uuid:0B6D3F2E-1C5A-4E6B-9F0D-7A1B2C3D4E5F</a:MessageID>` +
    (relatesTo ? `<a:RelatesTo>${relatesTo}</a:RelatesTo>` : "") +
    `</s:Header><s:Body>${body}</s:Body></s:Envelope>`
  );
}

/** A complete HTTP response with a Content-Length body. */
export function httpResponse(status: number, body: string | Buffer, headers: Record<string, string> = {}): Buffer {
  const b = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const head = [`HTTP/1.1 ${status} X`, `Content-Length: ${b.length}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`, "latin1"), b]);
}
