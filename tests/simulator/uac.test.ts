// Remote UAC (issue 10 item 12): a local administrator other than the built-in
// Administrator gets a filtered token over the network unless
// LocalAccountTokenFilterPolicy=1, so WinRM refuses it with a 401 after a correct
// password. Our client then says so, naming the value to set.
import { WinRMClient } from "../../provider/src/winrm";
import { describeFault, WSMAN_CONFIG_URI } from "../../provider/src/windows";
import { startHost } from "../../simulator/src/index";
import type { SimHost } from "../../simulator/src/index";
import { basic, envelope, post, ACTION, URI } from "./support/raw";

const BUILTIN = { name: "Administrator", password: "Bu1lt-in-pw", admin: true };
const OPS = { name: "ops", password: "0ps-Adm1n-pw", admin: true };
const SYSTEM_POLICIES = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System";
let host: SimHost;
const clients: WinRMClient[] = [];

beforeEach(async () => {
  host = await startHost({
    hostname: "srv01.corp.test",
    https: "127.0.0.1:0",
    users: [BUILTIN, OPS],
    set: { "Service/Auth/Basic": "true", "Service/AllowUnencrypted": "true" },
  });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await host.stop();
});

function ntlm(user: { name: string; password: string }): WinRMClient {
  const u = new URL(host.httpUrl!);
  const c = new WinRMClient({ host: u.hostname, port: Number(u.port), auth: "ntlm", username: user.name, password: user.password, retries: 0 });
  clients.push(c);
  return c;
}

test("item 12: a second local administrator gets 401 over NTLM and Basic; the built-in Administrator does not", async () => {
  const { xml } = envelope({ action: ACTION.get, resourceUri: URI.config });
  expect((await post(host.httpUrl!, xml, basic(OPS.name, OPS.password))).status).toBe(401);
  expect((await post(host.httpUrl!, xml, basic(BUILTIN.name, BUILTIN.password))).status).toBe(200);
  await expect(ntlm(OPS).get(WSMAN_CONFIG_URI)).rejects.toMatchObject({ code: "WINRM_AUTH", reason: "bad-credentials" });
  await expect(ntlm(BUILTIN).get(WSMAN_CONFIG_URI)).resolves.toBeDefined();
});

test("item 12: after a completed NTLM exchange the client's message names LocalAccountTokenFilterPolicy", async () => {
  const err = await ntlm(OPS).get(WSMAN_CONFIG_URI).catch((e: unknown) => e as Error);
  expect(err.message).toMatch(/LocalAccountTokenFilterPolicy/);
  expect(err.message).toContain(`HKLM\\${SYSTEM_POLICIES}`);
  expect(err.message).not.toContain(OPS.password);
  const described = describeFault(err, { host: "srv01.corp.test", setting: "WinRM connection", auth: "ntlm" });
  expect(described).toMatch(/LocalAccountTokenFilterPolicy/);
  expect(described).toMatch(/built-in Administrator/);
});

test("item 12: once LocalAccountTokenFilterPolicy=1 the second administrator is served", async () => {
  host.state.registry.set("HKLM", SYSTEM_POLICIES, "LocalAccountTokenFilterPolicy", "REG_DWORD", 1);
  await expect(ntlm(OPS).get(WSMAN_CONFIG_URI)).resolves.toBeDefined();
  const { xml } = envelope({ action: ACTION.get, resourceUri: URI.config });
  expect((await post(host.httpsUrl!, xml, basic(OPS.name, OPS.password))).status).toBe(200);
  host.state.registry.set("HKLM", SYSTEM_POLICIES, "LocalAccountTokenFilterPolicy", "REG_DWORD", 0);
  expect((await post(host.httpUrl!, xml, basic(OPS.name, OPS.password))).status).toBe(401);
});
