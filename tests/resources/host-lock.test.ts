// The per-host lock is keyed by the Windows host, not the endpoint (issue 10 item 16):
// one host reached over HTTP and over HTTPS in the same run is one host, while
// simulated hosts that share 127.0.0.1 stay apart. The identity is the host's
// MachineGuid, read once per session (docs/windows-facts.md).
import { onHost } from "../../provider/src/resources/connection";
import type { Connection } from "../../provider/src/resources/connection";
import { Registry } from "../../provider/src/windows";
import { startHost } from "../../simulator/src/index";
import type { SimHost } from "../../simulator/src/index";

const ADMIN = { name: "admin", password: "L0ck-Adm1n-pw", admin: true };
const KEY = "SOFTWARE\\Counter";
const hosts: SimHost[] = [];
afterEach(async () => Promise.all(hosts.splice(0).map((h) => h.stop())));

async function host(fqdn: string): Promise<SimHost> {
  const h = await startHost({ hostname: fqdn, http: "127.0.0.1:0", https: "127.0.0.1:0", users: [ADMIN] });
  hosts.push(h);
  return h;
}

function via(h: SimHost, scheme: "http" | "https"): Connection {
  const u = new URL(scheme === "http" ? h.httpUrl! : h.httpsUrl!);
  return {
    host: u.hostname, port: Number(u.port), https: scheme === "https", auth: "ntlm",
    user: ADMIN.name, password: ADMIN.password, certFingerprint: scheme === "https" ? h.certSha256 : undefined,
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A read-modify-write of one DWORD, slow enough that two unserialised runs interleave. */
const bump = (c: Connection) =>
  onHost(c, async ({ api }) => {
    const reg = new Registry(api);
    const n = (await reg.getDword(KEY, "N")) ?? 0;
    await pause(150);
    await reg.createKey(KEY);
    await reg.setDword(KEY, "N", n + 1);
  });

test("item 16: one host reached over HTTP and HTTPS at once takes one lock: no lost update", async () => {
  const h = await host("srv01.corp.test");
  await Promise.all([bump(via(h, "http")), bump(via(h, "https")), bump(via(h, "http")), bump(via(h, "https"))]);
  expect(h.state.registry.get("HKLM", KEY, "N")).toEqual({ type: "REG_DWORD", value: 4 });
});

test("item 16: two simulated hosts on 127.0.0.1 are two hosts: their operations run side by side", async () => {
  const a = await host("srv01.corp.test");
  const b = await host("srv02.corp.test");
  let inside = 0;
  let overlapped = false;
  const hold = (c: Connection) =>
    onHost(c, async () => {
      inside++;
      if (inside > 1) overlapped = true;
      await pause(200);
      inside--;
    });
  await Promise.all([hold(via(a, "http")), hold(via(b, "http"))]);
  expect(overlapped).toBe(true);
});
