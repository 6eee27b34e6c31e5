// A Go program (tests/plugin/go) on the generated SDK (sdk/go), run inline through Go's
// Automation API (auto.NewStackInlineSource) with modules from the Go module proxy: no
// Go language host is needed. The engine starts the credssp plugin installed from the
// tarball. srv01's resource carries its credentials in `connection` (the password must
// still end up encrypted in state); ws01's come from an explicit provider resource.
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../scripts/engine";
import { FleetHost, startFleet, stopFleet } from "../../testkit/fleet";
import { PluginEngine, pluginEngine, storedState } from "../../testkit/plugin";
import { Op, programSettings, roundTrip, SRV01, Summary, WS01 } from "./support/round-trip";

jest.setTimeout(900_000);

const run = promisify(execFile);
const PROJECT = "credssp-go-roundtrip";
const SECRET_PASSWORD = /"password":\s*\{\s*"4dabf18193072939515e22adb298388d":\s*"1b47061264138c4ac30d75fd1eb44270",\s*"ciphertext"/g;

describe("a Go program through the plugin", () => {
  let hosts: FleetHost[] = [];
  let engine: PluginEngine | undefined;
  let settings: Record<string, unknown> = {};
  let binDir = "";
  let program = "";

  const runner = async (op: Op): Promise<Summary> => {
    const { stdout } = await run(program, [op], {
      env: { ...process.env, ...engine!.env, CREDSSP_ROUNDTRIP: JSON.stringify(settings) },
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(stdout.trim().split("\n").pop()!) as Summary;
  };

  beforeAll(() => {
    // -trimpath, as the CLI is built: the Pulumi SDK's packages then come from the Go
    // build cache (tests/plugin/go/go.mod holds the shared modules at the CLI's versions).
    binDir = fs.mkdtempSync(path.join(os.tmpdir(), "credssp-go-program-"));
    program = path.join(binDir, "roundtrip");
    execFileSync("go", ["build", "-trimpath", "-mod=readonly", "-o", program, "."], {
      cwd: path.join(REPO_ROOT, "tests", "plugin", "go"),
      stdio: ["ignore", "inherit", "inherit"],
    });
  });

  afterAll(() => fs.rmSync(binDir, { recursive: true, force: true }));

  beforeEach(async () => {
    engine = await pluginEngine();
  });

  afterEach(async () => {
    if (engine) {
      await runner("destroy").catch(() => undefined);
      engine.dispose();
    }
    engine = undefined;
    await stopFleet(hosts);
    hosts = [];
  });

  it("round trip: up, clean preview, drift named by the provider's diff, converge, destroy restores both hosts", async () => {
    hosts = await startFleet([WS01, SRV01]);
    const [ws01, srv01] = hosts;
    const s = programSettings(ws01, srv01);
    settings = { ...s, project: PROJECT, stack: "dev", workDir: engine!.workDir, pulumiRoot: engine!.pulumiRoot };
    await roundTrip(runner, ws01, srv01, async () => {
      const stored = storedState(engine!.backendDir, PROJECT);
      expect(stored).not.toContain(s.password);
      // srv01's connection (inputs and outputs) and the explicit provider's (inputs and outputs).
      expect(stored.match(SECRET_PASSWORD)).toHaveLength(4);
    });
  });
});
