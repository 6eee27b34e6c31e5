// Issue 16: with `options.refresh: always` (the root Pulumi.yaml, and every stack
// scripts/engine.ts opens), plain `pulumi preview` shows drift and plain `up` and
// `destroy` read the hosts first. Per resource: drift out of band, a plain preview
// names it, a plain up converges, the host's ledger is intact, a plain destroy
// restores the starting snapshot byte for byte (foreign entries included). Host
// state is read out of band over WinRM, never from the resources' outputs.
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { CredSSPClient, CredSSPServer, DelegationPolicy, TrustedHosts } from "../../provider/src";
import { CREDENTIALS_DELEGATION_KEY, ENCRYPTION_ORACLE_KEY } from "../../provider/src/windows";
import { EngineStack, openStack, plannedChanges, REPO_ROOT } from "../../scripts/engine";
import { FleetHost, liveSnapshot, startFleet } from "../../testkit/fleet";
import { tearDown } from "./support/teardown";
import { oob, ownersOf } from "../../testkit/out-of-band";

jest.setTimeout(300_000);

const WS01 = "ws01.corp.test";
const FRESH = `${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`;
const NTLM_ONLY = `${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentialsWhenNTLMOnly`;

interface Case {
  kind: string;
  declare: (h: FleetHost) => void;
  /** What an admin or a GPO refresh changes behind Pulumi's back. */
  drift: (h: FleetHost) => Promise<void>;
  /** The properties a plain preview must name. */
  drifted: string[];
  /** The host converged again, read out of band. */
  converged: (h: FleetHost) => Promise<void>;
  /** A subject the ledger must still list this resource for after the refresh. */
  subject: string;
}

const cases: Case[] = [
  {
    kind: "CredSSPServer",
    declare: (h) => void new CredSSPServer("server", { connection: h.connection }),
    drift: (h) => oob(h).setConfig("service/auth", "CredSSP", "false"),
    drifted: ["enabled"],
    converged: async (h) => expect(await oob(h).config("service/auth", "CredSSP")).toBe("true"),
    subject: "wsman:Service/Auth/CredSSP",
  },
  {
    kind: "CredSSPClient",
    declare: (h) => void new CredSSPClient("client", { connection: h.connection, delegateComputers: ["srv01.corp.test"] }),
    drift: async (h) => {
      await oob(h).setConfig("client/auth", "CredSSP", "false");
      await oob(h).deleteValue(FRESH, "3");
    },
    drifted: ["delegateComputers", "enabled"],
    converged: async (h) => {
      expect(await oob(h).config("client/auth", "CredSSP")).toBe("true");
      expect(await oob(h).entries(FRESH)).toEqual({ "2": "TERMSRV/*", "3": "wsman/srv01.corp.test" });
    },
    subject: "entry:AllowFreshCredentials/wsman/srv01.corp.test",
  },
  {
    kind: "DelegationPolicy",
    declare: (h) =>
      void new DelegationPolicy("policy", {
        connection: h.connection,
        allowFreshCredentialsWhenNTLMOnly: ["WSMAN/srv01.corp.test"],
        encryptionOracle: "mitigated",
      }),
    drift: async (h) => {
      await oob(h).deleteValue(NTLM_ONLY, "1"); // a GPO refresh rewrote the list without it
      await oob(h).setDword(ENCRYPTION_ORACLE_KEY, "AllowEncryptionOracle", 2);
    },
    drifted: ["allowFreshCredentialsWhenNTLMOnly", "encryptionOracle"],
    converged: async (h) => {
      expect(await oob(h).entries(NTLM_ONLY)).toEqual({ "1": "WSMAN/srv01.corp.test" });
      expect(await oob(h).dword(ENCRYPTION_ORACLE_KEY, "AllowEncryptionOracle")).toBe(1);
    },
    subject: "entry:AllowFreshCredentialsWhenNTLMOnly/wsman/srv01.corp.test",
  },
  {
    kind: "TrustedHosts",
    declare: (h) => void new TrustedHosts("trusted", { connection: h.connection, hosts: ["srv01.corp.test"] }),
    drift: (h) => oob(h).setConfig("client", "TrustedHosts", "legacy01, LEGACY02"), // an admin's Set-Item of the old list
    drifted: ["hosts"],
    converged: async (h) => expect(await oob(h).config("client", "TrustedHosts")).toBe("legacy01, LEGACY02,srv01.corp.test"),
    subject: "wsman:Client/TrustedHosts/srv01.corp.test",
  },
];

describe("refresh: always, through the real engine", () => {
  let hosts: FleetHost[] = [];
  let engine: EngineStack | undefined;

  afterEach(async () => {
    await tearDown(engine, hosts);
    engine = undefined;
    hosts = [];
  });

  it("the root Pulumi.yaml and every example project set it, and so does every stack the project's scripts open", async () => {
    const examples = fs
      .readdirSync(path.join(REPO_ROOT, "examples"))
      .map((d) => path.join("examples", d, "Pulumi.yaml"))
      .filter((f) => fs.existsSync(path.join(REPO_ROOT, f)));
    expect(examples.length).toBeGreaterThan(0);
    for (const file of ["Pulumi.yaml", ...examples]) {
      const project = yaml.load(fs.readFileSync(path.join(REPO_ROOT, file), "utf8")) as { options?: { refresh?: string } };
      expect([file, project.options?.refresh]).toEqual([file, "always"]);
    }
    engine = await openStack({ projectName: "e2e-settings", program: async () => undefined });
    expect(((await engine.stack.workspace.projectSettings()) as { options?: { refresh?: string } }).options?.refresh).toBe("always");
  });

  it.each(cases.map((c) => [c.kind, c] as const))(
    "%s: plain preview names the drift, plain up converges with the ledger intact, plain destroy restores exactly",
    async (_kind, c) => {
      hosts = await startFleet([WS01]);
      const [ws01] = hosts;
      await oob(ws01).setConfig("client", "TrustedHosts", "legacy01, LEGACY02");
      await oob(ws01).setString(FRESH, "2", "TERMSRV/*");
      const before = await liveSnapshot(ws01);
      engine = await openStack({ projectName: `e2e-refresh-${c.kind.toLowerCase()}`, program: async () => c.declare(ws01) });
      expect((await engine.stack.up()).summary.result).toBe("succeeded");
      const ledger = await oob(ws01).ledger();
      const record = ledger?.subjects[c.subject];
      expect(ownersOf(ledger, c.subject)).toHaveLength(1);

      await c.drift(ws01);
      const events: EngineEvent[] = [];
      const pv = await engine.stack.preview({ onEvent: (e) => events.push(e) }); // no refresh flag
      expect(pv.changeSummary).toMatchObject({ update: 1 });
      expect(plannedChanges(events).map((p) => p.properties)).toEqual([c.drifted]);

      const up = await engine.stack.up(); // no refresh flag
      expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
      await c.converged(ws01);
      expect((await oob(ws01).ledger())?.subjects[c.subject]).toEqual(record); // same owner, same prior
      expect((await engine.stack.preview()).changeSummary).toEqual({ same: 2 });

      expect((await engine.stack.destroy()).summary.result).toBe("succeeded"); // no refresh flag
      expect(await oob(ws01).ledger()).toBeUndefined();
      expect(await liveSnapshot(ws01)).toEqual(before);
    },
  );

  it("without the option a plain preview cannot see drift (what the option is for)", async () => {
    hosts = await startFleet([WS01]);
    const [ws01] = hosts;
    engine = await openStack({ projectName: "e2e-no-refresh", refresh: "default", program: async () => cases[0].declare(ws01) });
    expect((await engine.stack.up()).summary.result).toBe("succeeded");
    await cases[0].drift(ws01);
    const sent = ws01.sim.requestCount;
    expect((await engine.stack.preview()).changeSummary).toEqual({ same: 2 });
    expect(ws01.sim.requestCount).toBe(sent); // it never asked the host
  });
});
