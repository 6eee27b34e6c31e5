// Referee: pywinrm with transport="kerberos" against a simulated host that has a keytab
// from a real MIT realm, after `kinit` (nobody here wrote these clients; they were
// written against real Windows):
//  - pywinrm 0.5 from the peers' virtualenv, whose vendored requests-kerberos runs on
//    PyPI's pykerberos (MIT GSS-API): HTTP with message encryption (gss_wrap_iov, framed
//    application/HTTP-SPNEGO-session-encrypted) and HTTPS;
//  - Debian's pywinrm 0.3 under /usr/bin/python3 (python3-requests-kerberos over
//    python3-kerberos, which has no WinRM encryption): HTTPS, and plain HTTP only where
//    the host allows unencrypted traffic — a real host answers it with a bare 500 otherwise.
// The raw AP-REQ under "Negotiate", mutual authentication (the AP-REP is checked by
// requests-kerberos, REQUIRED) and the refusals are the simulator's.

import * as path from "node:path";
import { startHost } from "../../simulator/src";
import type { SimHost } from "../../simulator/src";
import { mitKdcUnavailableReason, MitRealm, startMitRealm } from "../../testkit/mit-kdc";
import { collect, peerEnv, peerVersions, PEERS_PYTHON } from "../peers/peers";
import { parseLines } from "./support/pywinrm-lines";
import type { PywinrmLine } from "./support/pywinrm-lines";

const unavailable = mitKdcUnavailableReason();
const describeKdc = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`pywinrm Kerberos tests skipped: ${unavailable}`);

jest.setTimeout(120_000);

const FQDN = "srv01.corp.test";
const ALICE = { name: "alice", password: "Alice-Pass-1" };
const SCRIPT = path.join(__dirname, "..", "peers", "pywinrm_run.py");
const DEBIAN_PYTHON = "/usr/bin/python3";
const STANDARD: Array<[string, string[]]> = [
  ["hostname", []],
  ["whoami", []],
  ["cmd", ["/c", "echo", "hi"]],
  ["exit 3", []],
];
const STANDARD_RESULTS: PywinrmLine[] = [
  { cmd: "hostname", stdout: "srv01\r\n", stderr: "", rc: 0 },
  { cmd: "whoami", stdout: "srv01\\alice\r\n", stderr: "", rc: 0 },
  { cmd: "cmd /c echo hi", stdout: "hi\r\n", stderr: "", rc: 0 },
  { cmd: "exit 3", stdout: "", stderr: "", rc: 3 },
];

describeKdc("pywinrm transport=kerberos against the simulator, with a real KDC", () => {
  let realm: MitRealm;
  let host: SimHost;
  let ccache: string;
  beforeAll(async () => {
    realm = await startMitRealm({ users: [ALICE, { name: "zoe", password: "Zoe-Pass-1" }], hosts: [{ fqdn: FQDN }] });
    host = await startHost({ hostname: FQDN, https: "127.0.0.1:0", users: [{ ...ALICE, admin: true }], keytab: realm.keytabFor(FQDN) });
    ccache = realm.kinit("alice", ALICE.password);
  });
  afterAll(async () => {
    await host?.stop();
    await realm?.stop();
  });

  /** pywinrm_run.py with `python` and transport=kerberos; the endpoint is the loopback URL, the SPN names FQDN. */
  async function pywinrm(python: string, url: string, opts: { commands?: Array<[string, string[]]>; encryption?: string; cache?: string; user?: string } = {}) {
    const env = {
      ...peerEnv({ PEER_OPTIONS: JSON.stringify({ kerberos_hostname_override: FQDN }), PEER_COMMANDS: JSON.stringify(opts.commands ?? STANDARD) }),
      KRB5_CONFIG: realm.krb5Conf,
      KRB5CCNAME: `FILE:${opts.cache ?? ccache}`,
    };
    const r = await collect(python, [SCRIPT, url, "kerberos", opts.user ?? "alice@CORP.TEST", opts.encryption ?? "auto"], env, 90_000);
    return { code: r.code, stderr: r.stderr, lines: parseLines(r.stdout) };
  }

  test("the referees are pywinrm 0.5.0 with pykerberos 1.2.4 (venv) and Debian's pywinrm 0.3.0", async () => {
    expect(peerVersions()).toMatchObject({ pywinrm: "0.5.0", pykerberos: "1.2.4" });
    const debian = await collect(DEBIAN_PYTHON, ["-c", "import importlib.metadata as m; print(m.version('pywinrm'))"], peerEnv(), 30_000);
    expect(debian.stdout.trim()).toBe("0.3.0");
  });

  describe("pywinrm 0.5 (peers' virtualenv)", () => {
    test("over HTTP with message encryption: the commands run", async () => {
      const r = await pywinrm(PEERS_PYTHON, host.httpUrl!);
      expect(r.lines).toEqual(STANDARD_RESULTS);
      expect(host.sessions().length).toBeLessThanOrEqual(1);
    });

    test("over HTTP, 40 KiB each way", async () => {
      const long = "0123456789abcdef".repeat(2560);
      const r = await pywinrm(PEERS_PYTHON, host.httpUrl!, { commands: [["cmd", ["/c", "echo", long]]] });
      expect(r.lines).toEqual([{ cmd: `cmd /c echo ${long}`, stdout: `${long}\r\n`, stderr: "", rc: 0 }]);
    });

    test("over HTTPS: the commands run", async () => {
      const r = await pywinrm(PEERS_PYTHON, host.httpsUrl!);
      expect(r.lines).toEqual(STANDARD_RESULTS);
    });

    test("unencrypted over HTTP while AllowUnencrypted=false: Windows' bare 500", async () => {
      const r = await pywinrm(PEERS_PYTHON, host.httpUrl!, { commands: STANDARD.slice(0, 1), encryption: "never" });
      expect(r.code).toBe(3);
      expect(r.lines).toEqual([{ error: "WinRMTransportError", detail: "Bad HTTP response returned from server. Code 500" }]);
    });

    test("a realm user without an account on the host is refused (401)", async () => {
      const zoe = realm.kinit("zoe", "Zoe-Pass-1");
      const r = await pywinrm(PEERS_PYTHON, host.httpUrl!, { cache: zoe, user: "zoe@CORP.TEST", commands: STANDARD.slice(0, 1) });
      expect(r.code).toBe(3);
      expect(r.lines).toEqual([{ error: "InvalidCredentialsError", detail: "the specified credentials were rejected by the server" }]);
    });

    test("a host whose clock is 10 minutes off refuses the AP-REQ (401 with KRB_AP_ERR_SKEW); pywinrm reports the 401", async () => {
      host.faults.clockSkewSeconds = 600;
      try {
        const r = await pywinrm(PEERS_PYTHON, host.httpUrl!, { commands: STANDARD.slice(0, 1) });
        expect(r.code).toBe(3);
        // requests-kerberos starts a fresh context with the error token and gives up after two 401s.
        expect(r.lines).toEqual([{ error: "InvalidCredentialsError", detail: "the specified credentials were rejected by the server" }]);
      } finally {
        host.faults.clockSkewSeconds = 0;
      }
    });
  });

  describe("Debian's pywinrm 0.3 (/usr/bin/python3)", () => {
    test("over HTTPS: the commands run", async () => {
      const r = await pywinrm(DEBIAN_PYTHON, host.httpsUrl!);
      expect(r.lines).toEqual(STANDARD_RESULTS);
    });

    test("over HTTP its pykerberos cannot encrypt: the bare 500, until the host allows unencrypted traffic", async () => {
      const refused = await pywinrm(DEBIAN_PYTHON, host.httpUrl!, { commands: STANDARD.slice(0, 1) });
      expect(refused.lines).toEqual([{ error: "WinRMTransportError", detail: "Bad HTTP response returned from server. Code 500" }]);
      host.state.setConfig("Service/AllowUnencrypted", "true");
      try {
        expect((await pywinrm(DEBIAN_PYTHON, host.httpUrl!)).lines).toEqual(STANDARD_RESULTS);
      } finally {
        host.state.setConfig("Service/AllowUnencrypted", "false");
      }
    });
  });
});
