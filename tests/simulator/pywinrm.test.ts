// Peer conformance: Debian's pywinrm (python3-winrm 0.3.0 + requests_ntlm), a client
// written by other people against real Windows, runs commands against the simulator.

import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { startHost, SimHost } from "../../simulator/src/index";
import { parseLines, STANDARD_RESULTS } from "./support/pywinrm-lines";
import type { PywinrmLine } from "./support/pywinrm-lines";
import { PYTHON, runPython } from "./support/raw";

const SCRIPT = path.join(__dirname, "py", "run_cmds.py");
const ADMIN = { name: "vagrant", password: "Pa55w.rd-Sim!", admin: true };

async function pywinrm(endpoint: string, transport: string, user: string, password: string, encryption = "auto") {
  const prev = process.env.SIM_PASSWORD;
  process.env.SIM_PASSWORD = password;
  try {
    const r = await runPython(SCRIPT, [endpoint, transport, user, encryption], 60_000);
    return { ...r, lines: parseLines(r.stdout) };
  } finally {
    if (prev === undefined) delete process.env.SIM_PASSWORD;
    else process.env.SIM_PASSWORD = prev;
  }
}

function expectStandardResults(lines: PywinrmLine[]) {
  expect(lines).toEqual(STANDARD_RESULTS);
}

test("the referee interpreter is Debian's python with pywinrm", () => {
  const v = spawnSync(PYTHON, ["-c", "import winrm, requests_ntlm; print('ok')"], { encoding: "utf8" });
  expect(v.stdout.trim()).toBe("ok");
});

describe("over HTTP with NTLM and message encryption (pywinrm's default)", () => {
  let host: SimHost;
  beforeAll(async () => {
    host = await startHost({ hostname: "srv01.corp.test", users: [ADMIN, { name: "guest", password: "guest-pw-1", admin: false }] });
  });
  afterAll(async () => host.stop());

  test("runs hostname, whoami, echo, exit N and an unknown command", async () => {
    const r = await pywinrm(host.httpUrl!, "ntlm", ADMIN.name, ADMIN.password);
    expect(r.stderr).not.toContain(ADMIN.password);
    expectStandardResults(r.lines);
  });

  test("accepts the account as COMPUTER\\user", async () => {
    const r = await pywinrm(host.httpUrl!, "ntlm", "SRV01\\vagrant", ADMIN.password);
    expect(r.lines[0]).toEqual({ cmd: "hostname", stdout: "srv01\r\n", stderr: "", rc: 0 });
  });

  test("a wrong password is refused", async () => {
    const r = await pywinrm(host.httpUrl!, "ntlm", ADMIN.name, "not-the-password");
    expect(r.code).toBe(3);
    expect(r.lines[0].error).toBe("InvalidCredentialsError");
  });

  test("unencrypted NTLM messages over HTTP are rejected while AllowUnencrypted=false", async () => {
    const r = await pywinrm(host.httpUrl!, "ntlm", ADMIN.name, ADMIN.password, "never");
    expect(r.code).toBe(3);
    expect(r.lines[0].error).toBe("WinRMTransportError");
    expect(r.lines[0].detail).toContain("500");
  });

  test("unencrypted NTLM messages are accepted once AllowUnencrypted=true", async () => {
    host.state.setConfig("Service/AllowUnencrypted", "true");
    try {
      const r = await pywinrm(host.httpUrl!, "ntlm", ADMIN.name, ADMIN.password, "never");
      expectStandardResults(r.lines);
    } finally {
      host.state.setConfig("Service/AllowUnencrypted", "false");
    }
  });

  test("item 12: a second local administrator is refused with a 401 (remote UAC) until LocalAccountTokenFilterPolicy=1", async () => {
    const ops = { name: "ops", password: "0ps-Adm1n-pw", admin: true };
    const uac = await startHost({ hostname: "srv01.corp.test", users: [ADMIN, ops] });
    try {
      const refused = await pywinrm(uac.httpUrl!, "ntlm", ops.name, ops.password);
      expect(refused.code).toBe(3);
      expect(refused.lines[0].error).toBe("InvalidCredentialsError");
      // The built-in Administrator (here "vagrant", the first administrator) is not filtered.
      expect((await pywinrm(uac.httpUrl!, "ntlm", ADMIN.name, ADMIN.password)).lines[0]).toMatchObject({ cmd: "hostname", rc: 0 });
      uac.state.registry.set("HKLM", "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System", "LocalAccountTokenFilterPolicy", "REG_DWORD", 1);
      const allowed = await pywinrm(uac.httpUrl!, "ntlm", ops.name, ops.password);
      expect(allowed.lines[1]).toEqual({ cmd: "whoami", stdout: "srv01\\ops\r\n", stderr: "", rc: 0 });
    } finally {
      await uac.stop();
    }
  });

  test("a non-administrator gets the access-denied fault", async () => {
    const r = await pywinrm(host.httpUrl!, "ntlm", "guest", "guest-pw-1");
    expect(r.code).toBe(3);
    expect(r.lines[0].detail).toMatch(/Access is denied/);
  });
});

describe("over HTTPS with Basic", () => {
  let host: SimHost;
  afterEach(async () => host?.stop());

  test("Basic is refused under Windows defaults", async () => {
    host = await startHost({ hostname: "srv01.corp.test", http: false, https: "127.0.0.1:0", users: [ADMIN] });
    const r = await pywinrm(host.httpsUrl!, "basic", ADMIN.name, ADMIN.password);
    expect(r.code).toBe(3);
    expect(r.lines[0].error).toBe("InvalidCredentialsError");
  });

  test("succeeds once Service/Auth/Basic=true", async () => {
    host = await startHost({
      hostname: "srv01.corp.test",
      http: false,
      https: "127.0.0.1:0",
      users: [ADMIN],
      set: { "Service/Auth/Basic": "true" },
    });
    const r = await pywinrm(host.httpsUrl!, "basic", ADMIN.name, ADMIN.password);
    expectStandardResults(r.lines);
  });

  test("NTLM over HTTPS (channel binding from the server certificate) works too", async () => {
    host = await startHost({ hostname: "srv01.corp.test", http: false, https: "127.0.0.1:0", users: [ADMIN] });
    const r = await pywinrm(host.httpsUrl!, "ntlm", ADMIN.name, ADMIN.password);
    expectStandardResults(r.lines);
  });
});
