// DoubleHopCheck through the real engine, on three simulated hosts of one LAN: ws01 (the
// client), srv01 (the target; its CredSSP is MS-CSSP version 3, without the CVE-2018-0886
// fix) and fs01 (a real Samba smbd serving \\fs01.corp.test\share). Each failing link is
// produced by the matching misconfiguration, named by the check in the failed `up`, and
// the fix its `fix` names makes the next `up` pass. smbd's own log shows who crossed the
// second hop.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { CredSSPClient, CredSSPServer, DelegationPolicy, DoubleHopCheck, TrustedHosts } from "../../provider/src";
import type { DoubleHopCheckArgs } from "../../provider/src";
import { tearDown } from "./support/teardown";
import { EngineStack, openStack, plannedChanges } from "../../scripts/engine";
import { HostDirectory } from "../../simulator/src";
import { ADMIN, FleetHost, liveSnapshot, startFleetHost } from "../../testkit/fleet";
import { oob } from "../../testkit/out-of-band";

jest.setTimeout(600_000);

const WS01 = "ws01.corp.test";
const SRV01 = "srv01.corp.test";
const FS01 = "fs01.corp.test";
const SHARE = `\\\\${FS01}\\share`;
// An account srv01 knows (an administrator there) but fs01 does not.
const ALICE = { name: "alice", password: "Al1ce!sim-P4ss", admin: true };

/** Which of the four resources the program declares, and the check's own inputs. */
interface Stage {
  client: boolean;
  trusted: boolean;
  policy: boolean;
  oracle: boolean;
  server: boolean;
  check: Partial<Pick<DoubleHopCheckArgs, "targetPort" | "expect">> & { user?: string; password?: string };
}

let hosts: FleetHost[] = [];
let ws01: FleetHost, srv01: FleetHost, fs01: FleetHost;
let shareDir: string;
let engine: EngineStack;
let initial: unknown[];
const stage: Stage = { client: false, trusted: false, policy: false, oracle: false, server: false, check: {} };

function program() {
  const spn = `WSMAN/${SRV01}`;
  const deps = [];
  if (stage.server) deps.push(new CredSSPServer("srv01-accepts-credssp", { connection: srv01.connection }));
  if (stage.client) deps.push(new CredSSPClient("ws01-offers-credssp", { connection: ws01.connection, delegateComputers: [SRV01] }));
  if (stage.trusted) deps.push(new TrustedHosts("ws01-trusts-srv01", { connection: ws01.connection, hosts: [SRV01] }));
  if (stage.policy || stage.oracle) {
    deps.push(
      new DelegationPolicy("ws01-may-delegate", {
        connection: ws01.connection,
        ...(stage.policy ? { allowFreshCredentialsWhenNTLMOnly: [spn] } : {}),
        ...(stage.oracle ? { encryptionOracle: "vulnerable" as const } : {}),
      }),
    );
  }
  const { user, password, ...rest } = stage.check;
  const check = new DoubleHopCheck(
    "ws01-srv01-fs01",
    { via: ws01.connection, target: SRV01, credential: { user: user ?? ADMIN.name, password: password ?? ADMIN.password }, path: SHARE, ...rest },
    { dependsOn: deps },
  );
  return Promise.resolve({ works: check.works, failingLink: check.failingLink, message: check.message, fix: check.fix });
}

/** `up`, expected to fail: the engine's whole output, with the check's error in it. */
async function upFails(): Promise<string> {
  try {
    await engine.stack.up({ color: "never" });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return `${e.stdout ?? ""}\n${e.stderr ?? ""}\n${e.message}`.replace(/\s+/g, " ");
  }
  throw new Error("up succeeded, but the double hop was expected to fail");
}

async function upWorks(): Promise<Record<string, unknown>> {
  const up = await engine.stack.up({ color: "never" });
  expect(up.summary.result).toBe("succeeded");
  return Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value]));
}

beforeAll(async () => {
  shareDir = fs.mkdtempSync(path.join(os.tmpdir(), "fs01-share-"));
  fs.writeFileSync(path.join(shareDir, "quarterly-report.txt"), "numbers\r\n");
  fs.writeFileSync(path.join(shareDir, "inventory.csv"), "a,b\r\n1,2\r\n");
  // One LAN: the three resolve each other by name.
  const directory = new HostDirectory();
  ws01 = await startFleetHost(WS01, { directory });
  srv01 = await startFleetHost(SRV01, { directory, credsspVersion: 3, extraUsers: [ALICE] });
  // alice is a local administrator but not the built-in one: remote UAC would filter her
  // network logon unless LocalAccountTokenFilterPolicy = 1, as workgroup admins set it.
  await oob(srv01).setDword("SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System", "LocalAccountTokenFilterPolicy", 1);
  fs01 = await startFleetHost(FS01, { directory, shares: { share: shareDir } });
  hosts = [ws01, srv01, fs01];
  initial = await Promise.all(hosts.map(liveSnapshot));
  engine = await openStack({ projectName: "e2e-double-hop-check", program });
});

afterAll(() => tearDown(engine, hosts, shareDir));

describe("each failing link, produced by its misconfiguration, named by the check, and fixed by what fix names", () => {
  it("client-credssp-disabled: a fresh ws01; the check changes nothing on any host", async () => {
    const smbBefore = fs01.sim.smb!.log().length;
    const out = await upFails();
    expect(out).toContain(`fails at client-credssp-disabled: [${SRV01}] Connecting to remote server ${SRV01} failed with the following error message : The WinRM client cannot process the request. CredSSP authentication is currently disabled in the client configuration.`);
    expect(out).toContain("fix: CredSSPClient on ws01 (connection.host \"127.0.0.1\")");
    expect(await Promise.all(hosts.map(liveSnapshot))).toEqual(initial);
    expect(fs01.sim.smb!.log().slice(smbBefore)).toBe("");
  });

  it("trusted-hosts: after CredSSPClient, ws01 does not trust srv01 over HTTP", async () => {
    stage.client = true;
    const out = await upFails();
    expect(out).toContain("fails at trusted-hosts: ");
    expect(out).toContain("the destination machine must be added to the TrustedHosts configuration setting");
    expect(out).toContain(`fix: TrustedHosts on ws01 (connection.host \"127.0.0.1\") with hosts: ["${SRV01}"]`);
  });

  it("delegation-policy: CredSSPClient's AllowFreshCredentials entry does not apply to an NTLM-only server (the seed's error)", async () => {
    stage.trusted = true;
    const out = await upFails();
    expect(out).toContain(
      "fails at delegation-policy: " +
        `[${SRV01}] Connecting to remote server ${SRV01} failed with the following error message : The WinRM client cannot process the request. A computer policy does not allow the delegation of the user credentials to the target computer because the computer is not trusted.`,
    );
    expect(out).toContain(`fix: DelegationPolicy on ws01 (connection.host \"127.0.0.1\") with allowFreshCredentialsWhenNTLMOnly: ["WSMAN/${SRV01}"]`);
  });

  it("encryption-oracle: srv01 speaks CredSSP 3 (no CVE-2018-0886 fix) and ws01 will not fall back", async () => {
    stage.policy = true;
    const out = await upFails();
    expect(out).toContain(`fails at encryption-oracle: [${SRV01}] Connecting to remote server ${SRV01} failed with the following error message : The request is not supported For more information`);
    expect(out).toContain(`install it on ${SRV01}`);
    expect(out).toContain('DelegationPolicy on ws01 (connection.host \"127.0.0.1\") with encryptionOracle: "vulnerable"');
  });

  it("server-credssp-disabled: ws01 now falls back, but srv01's WinRM service does not accept CredSSP", async () => {
    stage.oracle = true;
    const out = await upFails();
    expect(out).toContain("fails at server-credssp-disabled: ");
    expect(out).toContain("The authentication mechanism requested by the client is not supported by the server");
    expect(out).toContain(`fix: CredSSPServer on ${SRV01}`);
  });

  it("works: with CredSSPServer, srv01 lists \\\\fs01\\share with the delegated credentials, and smbd saw admin log on with a password", async () => {
    stage.server = true;
    const before = fs01.sim.smb!.log().length;
    const outputs = await upWorks();
    expect(outputs).toMatchObject({ works: true, message: `${SRV01} listed ${SHARE} with the delegated credentials of admin` });
    expect(outputs.failingLink).toBeUndefined();
    const log = fs01.sim.smb!.log().slice(before);
    expect(log).toMatch(/Auth: .*user \[[^\]]*\]\\\[admin\] .* with \[NTLMv2\] status \[NT_STATUS_OK\] workstation \[SRV01\]/);
    expect(log).toMatch(/admin\|127\.0\.0\.1\|share\|openat\|ok\|/);
  });

  it("second-hop-denied: alice's credentials reach srv01, and fs01's smbd refuses them", async () => {
    stage.check = { user: ALICE.name, password: ALICE.password };
    const before = fs01.sim.smb!.log().length;
    const out = await upFails();
    expect(out).toContain("fails at second-hop-denied: Access is denied");
    expect(out).toContain("alice needs an account the file server accepts");
    // smbd was given alice's password (an NTLMv2 logon it refused): the delegated credentials.
    expect(fs01.sim.smb!.log().slice(before)).toMatch(/Auth: .*user \[[^\]]*\]\\\[alice\] .* with \[NTLMv2\] status \[NT_STATUS_(NO_SUCH_USER|LOGON_FAILURE)\]/);
    stage.check = {};
    expect((await upWorks()).works).toBe(true);
  });

  it("target-unreachable: nothing listens on the targetPort", async () => {
    stage.check = { targetPort: 5999 };
    const out = await upFails();
    expect(out).toContain("fails at target-unreachable: ");
    expect(out).toContain("WinRM cannot complete the operation. Verify that the specified computer name is valid");
    expect(out).toContain(`cannot reach WinRM on ${SRV01}:5999 over HTTP`);
    stage.check = {};
    expect((await upWorks()).works).toBe(true);
  });

  it("other: a wrong password in the credential is Windows' 'Access is denied.', never shown with the password", async () => {
    stage.check = { password: "not-the-password" };
    const out = await upFails();
    expect(out).toContain(`fails at other: [${SRV01}] Connecting to remote server ${SRV01} failed with the following error message : Access is denied.`);
    expect(out).not.toContain("not-the-password");
    stage.check = {};
    expect((await upWorks()).works).toBe(true);
  });

  it('expect: "fails" fails the deployment while the hop works', async () => {
    stage.check = { expect: "fails" };
    const out = await upFails();
    expect(out).toContain("the double hop works, but this check expects it to fail");
    stage.check = {};
    expect((await upWorks()).works).toBe(true);
  });
});

describe("drift, secrets and destroy", () => {
  it("preview --refresh shows the hop breaking as drift on works, and the refreshed outputs name the link", async () => {
    await oob(srv01).setConfig("service/auth", "CredSSP", "false");
    const events: EngineEvent[] = [];
    await engine.stack.preview({ refresh: true, onEvent: (e) => events.push(e), color: "never" });
    const drift = plannedChanges(events);
    expect(drift).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "ws01-srv01-fs01", op: "update", properties: ["works"] }),
        expect.objectContaining({ name: "srv01-accepts-credssp", op: "update", properties: ["enabled"] }),
      ]),
    );
    const refreshed = events
      .map((e) => e.resOutputsEvent?.metadata)
      .find((m) => m?.op === "refresh" && m.urn.endsWith("::ws01-srv01-fs01"));
    expect(refreshed?.new?.outputs).toMatchObject({ works: false, failingLink: "server-credssp-disabled" });
    expect(String(refreshed?.new?.outputs?.fix)).toContain(`CredSSPServer on ${SRV01}`);
    // up --refresh: CredSSPServer re-enables CredSSP first, then the check passes again.
    const up = await engine.stack.up({ refresh: true, color: "never" });
    expect(up.outputs.works.value).toBe(true);
  });

  it("both passwords (via's and the delegated credential's) are secrets in the stored state", async () => {
    // exportStack decrypts secrets; the backend's own file is what is stored.
    const stored = fs.readFileSync(path.join(engine.backendDir, ".pulumi", "stacks", "e2e-double-hop-check", "dev.json"), "utf8");
    expect(stored).not.toContain(ADMIN.password);
    const deployment = JSON.parse(stored).checkpoint.latest;
    const check = deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::ws01-srv01-fs01"));
    const SECRET_SIG = "4dabf18193072939515e22adb298388d";
    for (const props of [check.inputs, check.outputs]) {
      expect(props.via.password).toHaveProperty(SECRET_SIG);
      expect(props.credential.password).toHaveProperty(SECRET_SIG);
      expect(props.credential.user).toBe("admin");
    }
  });

  it("destroy: every host is back to its starting state (the check itself never changed one)", async () => {
    const down = await engine.stack.destroy({ color: "never" });
    expect(down.summary.result).toBe("succeeded");
    expect(await Promise.all(hosts.map(liveSnapshot))).toEqual(initial);
  });
});
