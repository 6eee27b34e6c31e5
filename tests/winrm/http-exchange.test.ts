// The client's own HTTP/1.1 exchange (provider/src/winrm/transport.ts) against a raw TCP
// server that writes exact bytes: every framing a server may use reads the same, the
// kept-alive connection is reused only when HTTP allows it, and what is not HTTP is a
// typed error.
import type * as net from "node:net";
import { ProtocolError, WinRMClient } from "../../provider/src/winrm";
import { caught } from "../support/caught";
import { httpResponse, replyEnvelope, startHostileServer } from "../../testkit/hostile-server";
import type { HostileAnswer, HostileRequest, HostileServer } from "../../testkit/hostile-server";
import { SOAP_CONTENT_TYPE } from "../../provider/src/winrm/soap";

const AUTH_URI = "http://schemas.microsoft.com/wbem/wsman/1/config/service/auth";
const servers: HostileServer[] = [];
const clients: WinRMClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server answering with `answer`, and the connection each request came on (1, 2, ...). */
async function serve(answer: HostileAnswer): Promise<{ server: HostileServer; connectionOf: number[] }> {
  const ids = new WeakMap<net.Socket, number>();
  let next = 0;
  const connectionOf: number[] = [];
  const server = await startHostileServer(async (req, socket) => {
    if (!ids.has(socket)) ids.set(socket, ++next);
    connectionOf.push(ids.get(socket)!);
    await answer(req, socket);
  });
  servers.push(server);
  return { server, connectionOf };
}

function client(port: number): WinRMClient {
  const c = new WinRMClient({
    host: "127.0.0.1", port, auth: "basic", allowUnencrypted: true, username: "u", password: "p", timeoutMs: 5_000, retries: 0,
  });
  clients.push(c);
  return c;
}

const authBody = (req: HostileRequest): string => replyEnvelope('<cfg:Auth xmlns:cfg="urn:c"><cfg:Basic>true</cfg:Basic></cfg:Auth>', req.messageId);

/** Writes `bytes` a few at a time, each in its own TCP segment as far as Node allows. */
async function trickle(socket: net.Socket, bytes: Buffer, size = 7): Promise<void> {
  for (let i = 0; i < bytes.length; i += size) {
    socket.write(bytes.subarray(i, i + size));
    await new Promise((r) => setImmediate(r));
  }
}

test("the request goes out as one HTTP/1.1 POST with Host, Content-Length and keep-alive", async () => {
  const { server } = await serve((req, socket) => void socket.write(httpResponse(200, authBody(req), { "Content-Type": SOAP_CONTENT_TYPE })));
  await client(server.port).get(AUTH_URI);
  const req = server.requests[0];
  expect(req.method).toBe("POST");
  expect(req.headers.host).toBe(`127.0.0.1:${server.port}`);
  expect(Number(req.headers["content-length"])).toBe(req.body.length);
  expect(req.headers.connection).toBe("keep-alive");
});

test("a reply that arrives a few bytes at a time reads whole; the connection carries the next request", async () => {
  const { server, connectionOf } = await serve((req, socket) => trickle(socket, httpResponse(200, authBody(req), { "Content-Type": SOAP_CONTENT_TYPE })));
  const c = client(server.port);
  expect((await c.get(AUTH_URI)).Basic).toBe("true");
  expect((await c.get(AUTH_URI)).Basic).toBe("true");
  expect(connectionOf).toEqual([1, 1]);
});

test("chunked transfer coding, with a chunk extension and a trailer, reads the same; the connection is reused", async () => {
  const { server, connectionOf } = await serve(async (req, socket) => {
    const body = Buffer.from(authBody(req));
    const a = body.subarray(0, 100);
    const b = body.subarray(100);
    const chunked = Buffer.concat([
      Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: ${SOAP_CONTENT_TYPE}\r\nTransfer-Encoding: chunked\r\n\r\n${a.length.toString(16)};x=y\r\n`),
      a,
      Buffer.from(`\r\n${b.length.toString(16)}\r\n`),
      b,
      Buffer.from("\r\n0\r\nX-Trailer: t\r\n\r\n"),
    ]);
    await trickle(socket, chunked, 50);
  });
  const c = client(server.port);
  expect((await c.get(AUTH_URI)).Basic).toBe("true");
  expect((await c.get(AUTH_URI)).Basic).toBe("true");
  expect(connectionOf).toEqual([1, 1]);
});

test("an interim 100 Continue is skipped", async () => {
  const { server } = await serve((req, socket) => {
    socket.write("HTTP/1.1 100 Continue\r\n\r\n");
    socket.write(httpResponse(200, authBody(req), { "Content-Type": SOAP_CONTENT_TYPE }));
  });
  expect((await client(server.port).get(AUTH_URI)).Basic).toBe("true");
});

test("Connection: close is honoured: the next request opens a new connection, without an error", async () => {
  const { server, connectionOf } = await serve((req, socket) => {
    socket.write(httpResponse(200, authBody(req), { "Content-Type": SOAP_CONTENT_TYPE, Connection: "close" }));
  });
  const c = client(server.port);
  await c.get(AUTH_URI);
  await c.get(AUTH_URI);
  expect(connectionOf).toEqual([1, 2]);
});

test("a body without a length runs to the end of the connection", async () => {
  const { server, connectionOf } = await serve((req, socket) => {
    socket.end(`HTTP/1.1 200 OK\r\nContent-Type: ${SOAP_CONTENT_TYPE}\r\n\r\n${authBody(req)}`);
  });
  const c = client(server.port);
  expect((await c.get(AUTH_URI)).Basic).toBe("true");
  expect((await c.get(AUTH_URI)).Basic).toBe("true");
  expect(connectionOf).toEqual([1, 2]);
});

test("a kept-alive connection the server closed while idle is replaced, with no retry needed", async () => {
  const { server, connectionOf } = await serve((req, socket) => {
    socket.write(httpResponse(200, authBody(req), { "Content-Type": SOAP_CONTENT_TYPE }));
    setTimeout(() => socket.end(), 20); // the server's keep-alive timeout
  });
  const c = client(server.port); // retries: 0
  await c.get(AUTH_URI);
  await new Promise((r) => setTimeout(r, 150));
  await c.get(AUTH_URI);
  expect(connectionOf).toEqual([1, 2]);
});

test("bytes after a complete response: the reply stands, the connection is not reused", async () => {
  const { server, connectionOf } = await serve((req, socket) => {
    socket.write(Buffer.concat([httpResponse(200, authBody(req), { "Content-Type": SOAP_CONTENT_TYPE }), Buffer.from("HTTP/1.1 200 OK\r\n")]));
  });
  const c = client(server.port);
  await c.get(AUTH_URI);
  await c.get(AUTH_URI);
  expect(connectionOf).toEqual([1, 2]);
});

test.each([
  ["a status line that is not HTTP", "SMTP 220 hello\r\n\r\n"],
  ["a header line without a name", "HTTP/1.1 200 OK\r\n: x\r\nContent-Length: 0\r\n\r\n"],
  ["an unknown transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"],
  ["a bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
  ["a negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"],
])("%s is a ProtocolError naming an invalid HTTP response", async (_label, raw) => {
  const { server } = await serve((_req, socket) => void socket.write(raw));
  const err = await caught(client(server.port).get(AUTH_URI));
  expect(err).toBeInstanceOf(ProtocolError);
  expect((err as Error).message).toMatch(/invalid HTTP response/);
});
