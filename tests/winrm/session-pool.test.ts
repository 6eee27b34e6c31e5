// The session pool (provider/src/winrm/pool.ts) against a simulated host: one
// authenticated client per endpoint and credentials, shared by callers, closed when
// idle; a connection the host dropped is authenticated again on the next request.
import { SessionPool, WinRMClient } from "../../provider/src/winrm";
import type { WinRMClientOptions } from "../../provider/src/winrm";
import { SimHost, startHost } from "../../simulator/src";

const CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config";
const AUTH = "http://schemas.microsoft.com/wbem/wsman/1/config/service/auth";
const ADMIN = { name: "admin", password: "P00l!admin" };

let host: SimHost;
let options: WinRMClientOptions;
let pool: SessionPool;

beforeEach(async () => {
  host = await startHost({ hostname: "pool01.corp.test", users: [{ ...ADMIN, admin: true }, { name: "other", password: "0ther!pw", admin: false }] });
  options = { host: "127.0.0.1", port: Number(new URL(host.httpUrl!).port), auth: "ntlm", username: ADMIN.name, password: ADMIN.password };
  pool = new SessionPool(100);
});
afterEach(async () => {
  pool.closeAll();
  await host.stop();
});

test("callers asking for the same endpoint and credentials share one client: one handshake, then one request per Get", async () => {
  const a = pool.acquire(options);
  const before = host.requestCount;
  await a.client.get(CONFIG);
  expect(host.requestCount - before).toBe(3); // NEGOTIATE, AUTHENTICATE, the Get
  a.release();
  const b = pool.acquire({ ...options });
  expect(b.client).toBe(a.client);
  const mid = host.requestCount;
  await b.client.get(CONFIG);
  expect(host.requestCount - mid).toBe(1);
  b.release();
  expect(pool.size).toBe(1);
});

test("another password, user, port or scheme is another session", () => {
  const base = pool.acquire(options).client;
  for (const other of [
    { password: "different" },
    { username: "other", password: "0ther!pw" },
    { port: options.port! + 1 },
    { auth: "credssp" as const },
  ]) {
    expect(pool.acquire({ ...options, ...other }).client).not.toBe(base);
  }
  expect(pool.size).toBe(5);
});

test("a client nobody holds is closed after the idle time; one still held is kept", async () => {
  const held = pool.acquire(options);
  const idle = pool.acquire({ ...options, timeoutMs: 30_000 }); // another session to the same host
  await idle.client.get(CONFIG);
  idle.release();
  await new Promise((r) => setTimeout(r, 250));
  expect(pool.size).toBe(1);
  await expect(idle.client.get(CONFIG)).rejects.toThrow(/client is closed/);
  await expect(held.client.get(CONFIG)).resolves.toBeDefined();
  held.release();
});

test("taken again before the idle time runs out, the client stays open", async () => {
  const a = pool.acquire(options);
  await a.client.get(CONFIG);
  a.release();
  await new Promise((r) => setTimeout(r, 50));
  const b = pool.acquire(options);
  await new Promise((r) => setTimeout(r, 120));
  expect(b.client).toBe(a.client);
  await expect(b.client.get(CONFIG)).resolves.toBeDefined();
  b.release();
});

test("a session the host dropped between operations authenticates again, for a write too, without an error", async () => {
  const a = pool.acquire(options);
  await a.client.get(CONFIG);
  a.release();
  host.faults.restart(); // drops connections and NTLM contexts
  await new Promise((r) => setTimeout(r, 50)); // the client sees the connection close, as it would between operations
  const b = pool.acquire(options);
  const before = host.requestCount;
  await b.client.put(AUTH, '<cfg:Auth xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config/service/auth"><cfg:CredSSP>true</cfg:CredSSP></cfg:Auth>');
  expect(host.requestCount - before).toBe(3); // a new handshake, then the Put, sent once
  expect(host.state.getConfig("Service/Auth/CredSSP")).toBe("true");
  b.release();
});

test("closeAll closes held clients too (process exit)", async () => {
  const a = pool.acquire(options);
  pool.closeAll();
  expect(pool.size).toBe(0);
  await expect(a.client.get(CONFIG)).rejects.toThrow(/client is closed/);
  expect(a.client).toBeInstanceOf(WinRMClient);
});
