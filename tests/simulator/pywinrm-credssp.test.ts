// Referee: pywinrm 0.5 with transport="credssp" (requests-credssp over pyspnego, from
// the peers' virtualenv) against the simulator. Nobody here wrote that client; it was
// written against real Windows, so what it accepts and how it fails is the check.

import { startHost } from "../../simulator/src/index";
import type { SimHost } from "../../simulator/src/index";
import { peerVersions, runPeerScript } from "../peers/peers";
import { parseLines, STANDARD_RESULTS } from "./support/pywinrm-lines";
import type { PywinrmLine } from "./support/pywinrm-lines";

const ADMIN = { name: "vagrant", password: "Pa55w.rd-Sim!", admin: true };
const STANDARD: Array<[string, string[]]> = [
  ["hostname", []],
  ["whoami", []],
  ["cmd", ["/c", "echo", "hi"]],
  ["exit 3", []],
  ["definitely-not-a-command", []],
];

async function pywinrm(url: string, password: string, commands = STANDARD, encryption = "auto") {
  const r = await runPeerScript("pywinrm_run.py", [url, "credssp", ADMIN.name, encryption], {
    PEER_PASSWORD: password,
    PEER_COMMANDS: JSON.stringify(commands),
  });
  return { ...r, lines: parseLines(r.stdout) };
}

function expectStandard(lines: PywinrmLine[]): void {
  expect(lines).toEqual(STANDARD_RESULTS);
}

test("the referee is pywinrm 0.5.0 with requests-credssp 2.0.0 and pyspnego 0.12.4, as pinned", () => {
  expect(peerVersions()).toMatchObject({ pywinrm: "0.5.0", "requests-credssp": "2.0.0", pyspnego: "0.12.4" });
});

describe("with Service/Auth/CredSSP=true", () => {
  let host: SimHost;
  beforeAll(async () => {
    host = await startHost({
      hostname: "srv01.corp.test", https: "127.0.0.1:0", users: [ADMIN], set: { "Service/Auth/CredSSP": "true" },
    });
  });
  afterAll(async () => host.stop());

  test("over HTTP (messages encrypted by the CredSSP TLS channel): the commands run", async () => {
    const r = await pywinrm(host.httpUrl!, ADMIN.password);
    expect(r.stderr).not.toContain(ADMIN.password);
    expectStandard(r.lines);
  });

  test("over HTTP, 32 KiB each way (multipart/x-multi-encrypted in both directions)", async () => {
    const long = "0123456789abcdef".repeat(2048);
    const r = await pywinrm(host.httpUrl!, ADMIN.password, [["cmd", ["/c", "echo", long]]]);
    expect(r.lines).toEqual([{ cmd: `cmd /c echo ${long}`, stdout: `${long}\r\n`, stderr: "", rc: 0 }]);
  });

  test("over HTTPS (no message encryption): the commands run", async () => {
    const r = await pywinrm(host.httpsUrl!, ADMIN.password);
    expectStandard(r.lines);
  });

  test.each(["httpUrl", "httpsUrl"] as const)("%s: a wrong password is refused with STATUS_LOGON_FAILURE, as Windows does", async (which) => {
    const r = await pywinrm(host[which]!, "not-the-password");
    expect(r.code).toBe(3);
    expect(r.lines).toEqual([
      { error: "NTStatusException", detail: "Received error status from the server: (3221225581) STATUS_LOGON_FAILURE 0xc000006d" },
    ]);
  });

  test("unencrypted messages over HTTP are refused while AllowUnencrypted=false", async () => {
    // Without encryption pywinrm sends the SOAP body with every handshake request; the
    // last one is answered with the bare 500 of a plaintext message, which
    // requests-credssp reports as a missing token after the credential exchange.
    const r = await pywinrm(host.httpUrl!, ADMIN.password, STANDARD.slice(0, 1), "never");
    expect(r.code).toBe(3);
    expect(r.lines).toEqual([
      { error: "AuthenticationException", detail: "Server did not response with a CredSSP token after step Credential exchange - actual ''" },
    ]);
    host.state.setConfig("Service/AllowUnencrypted", "true");
    try {
      const allowed = await pywinrm(host.httpUrl!, ADMIN.password, STANDARD.slice(0, 1), "never");
      expect(allowed.lines).toEqual([{ cmd: "hostname", stdout: "srv01\r\n", stderr: "", rc: 0 }]);
    } finally {
      host.state.setConfig("Service/AllowUnencrypted", "false");
    }
  });
});

describe("with Windows' default Service/Auth/CredSSP=false", () => {
  let host: SimHost;
  beforeAll(async () => {
    host = await startHost({ hostname: "srv01.corp.test", https: "127.0.0.1:0", users: [ADMIN] });
  });
  afterAll(async () => host.stop());

  test.each(["httpUrl", "httpsUrl"] as const)("%s: refused, the server does not offer CredSSP", async (which) => {
    const r = await pywinrm(host[which]!, ADMIN.password);
    expect(r.code).toBe(3);
    expect(r.lines).toEqual([
      {
        error: "AuthenticationException",
        detail: "The server did not response CredSSP being an available authentication method - actual: 'Negotiate, Kerberos'",
      },
    ]);
  });
});
