// What a hostile client can make the simulated host do (issue 10 items 7 and 8): it
// decides from the headers before reading a body, reads at most MaxEnvelopeSizekb and
// answers more with Windows' HTTP 413, bounds what a body may cost to parse, and keeps
// slow or surplus connections from piling up.
import * as net from "node:net";
import { startHost } from "../../simulator/src/index";
import type { SimHost } from "../../simulator/src/index";
import { ACTION, basic, byLocal, envelope, parse, post, text, URI } from "./support/raw";

const ADMIN = { name: "Administrator", password: "H4rden!pw", admin: true };
const hosts: SimHost[] = [];
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});

async function host(extra: Partial<Parameters<typeof startHost>[0]> = {}): Promise<SimHost> {
  const h = await startHost({
    hostname: "srv01.corp.test",
    users: [ADMIN],
    set: { "Service/Auth/Basic": "true", "Service/AllowUnencrypted": "true" },
    ...extra,
  });
  hosts.push(h);
  return h;
}

/** Opens a raw connection, writes `head`, and reports what comes back and when the server closes it. */
function rawConnection(url: string, head: string): Promise<{ socket: net.Socket; firstBytes: Promise<string>; closed: Promise<number> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect({ host: u.hostname, port: Number(u.port) }, () => {
      socket.write(head);
      const firstBytes = new Promise<string>((res) => socket.once("data", (d: Buffer) => res(d.toString("latin1"))));
      const closed = new Promise<number>((res) => socket.once("close", () => res(Date.now() - started)));
      resolve({ socket, firstBytes, closed });
    });
    socket.on("error", () => undefined);
    socket.once("error", reject);
    sockets.push(socket);
  });
}

const within = <T>(p: Promise<T>, ms: number): Promise<T | "timeout"> =>
  Promise.race([p, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms))]);

describe("item 7: authentication before the body; bodies capped at MaxEnvelopeSizekb", () => {
  test("an unauthenticated POST announcing 15 MiB is answered 401 at once, without waiting for (or keeping) its body", async () => {
    const h = await host();
    const c = await rawConnection(
      h.httpUrl!,
      `POST /wsman HTTP/1.1\r\nHost: srv01\r\nContent-Type: application/soap+xml;charset=UTF-8\r\nContent-Length: ${15 * 1024 * 1024}\r\n\r\n` + "x".repeat(1024),
    );
    const answer = await within(c.firstBytes, 2000);
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
    expect(answer).toMatch(/WWW-Authenticate: Negotiate/);
    // The rest of the announced body is not read: the host closes the connection.
    expect(await within(c.closed, 2000)).not.toBe("timeout");
  });

  test("an authenticated request larger than MaxEnvelopeSizekb (500) gets HTTP 413 and the connection is closed", async () => {
    const h = await host();
    const padding = `<!--${"p".repeat(520 * 1024)}-->`;
    const { xml } = envelope({ action: ACTION.get, resourceUri: URI.config, body: padding });
    const r = await post(h.httpUrl!, xml, basic(ADMIN.name, ADMIN.password));
    expect(r.status).toBe(413);
    expect(r.body).toBe("");
    expect(r.headers.connection).toBe("close");
  });

  test("the cap follows MaxEnvelopeSizekb: at 1000 the same request is served", async () => {
    const h = await host({ set: { "Service/Auth/Basic": "true", "Service/AllowUnencrypted": "true", MaxEnvelopeSizekb: "1000" } });
    const padding = `<!--${"p".repeat(520 * 1024)}-->`;
    const { xml, messageId } = envelope({ action: ACTION.get, resourceUri: URI.config, body: padding });
    const r = await post(h.httpUrl!, xml, basic(ADMIN.name, ADMIN.password));
    expect(r.status).toBe(200);
    expect(text(parse(r.body), "RelatesTo")).toBe(messageId);
  });

  test("a body under the cap made of 100,000 empty elements is refused as invalid XML before it is parsed", async () => {
    const h = await host();
    const clientUri = `${URI.config}/client`;
    const body = `<cfg:Client xmlns:cfg="${clientUri}">${"<a/>".repeat(100_000)}</cfg:Client>`;
    const { xml } = envelope({ action: ACTION.put, resourceUri: clientUri, body });
    const started = Date.now();
    const r = await post(h.httpUrl!, xml, basic(ADMIN.name, ADMIN.password));
    expect(r.status).toBe(500);
    const fault = byLocal(parse(r.body), "WSManFault")[0];
    expect(fault.getAttribute("Code")).toBe("2150858819");
    // Not the per-setting complaint a parsed body would get ("The value of the Client/a setting…").
    expect(text(fault, "Message")).toBe("The WS-Management service cannot process the request because the XML is invalid. ");
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("item 8: connection limits and short timeouts", () => {
  test("slow-header connections beyond maxConnections are refused, and the rest are closed after headersTimeoutMs", async () => {
    const h = await host({ limits: { maxConnections: 5, headersTimeoutMs: 500 } });
    const conns = await Promise.all(
      Array.from({ length: 10 }, () => rawConnection(h.httpUrl!, "POST /wsman HTTP/1.1\r\nHost: srv01\r\n")),
    );
    const closedAfter = await Promise.all(conns.map((c) => within(c.closed, 3000)));
    expect(closedAfter.every((t) => t !== "timeout")).toBe(true);
    // Five were dropped at once (over the limit); five lived until the header timeout.
    const quick = closedAfter.filter((t) => (t as number) < 250).length;
    expect(quick).toBeGreaterThanOrEqual(5);
  });

  test("by default a connection that never finishes its headers is closed within 15 s", async () => {
    const h = await host();
    const c = await rawConnection(h.httpUrl!, "POST /wsman HTTP/1.1\r\nHost: srv01\r\n");
    const closed = await within(c.closed, 15_000);
    expect(closed).not.toBe("timeout");
  }, 20_000);
});
