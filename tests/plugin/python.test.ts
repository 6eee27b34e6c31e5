// A Python program (tests/plugin/python/roundtrip.py) on the generated SDK (sdk/python,
// pip-installed), run inline through Python's Automation API with PyPI's `pulumi`
// package (pinned in tests/plugin/python/requirements.txt, in .tools/peers-venv):
// no Python language host is needed. The engine starts the credssp plugin installed
// from the tarball. Credentials are provider configuration (credssp:user, and
// credssp:password as a secret).
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../scripts/engine";
import { FleetHost, startFleet, stopFleet } from "../../testkit/fleet";
import { PluginEngine, pluginEngine, storedState } from "../../testkit/plugin";
import { installPythonSdk, PYTHON, PythonSdk } from "./support/python-sdk";
import { Op, programSettings, roundTrip, SRV01, Summary, WS01 } from "./support/round-trip";

jest.setTimeout(600_000);

const run = promisify(execFile);
const PROJECT = "credssp-python-roundtrip";

describe("a Python program through the plugin", () => {
  let hosts: FleetHost[] = [];
  let engine: PluginEngine | undefined;
  let settings: Record<string, unknown> = {};

  const runner = async (op: Op): Promise<Summary> => {
    const { stdout } = await run(PYTHON, [path.join(REPO_ROOT, "tests", "plugin", "python", "roundtrip.py"), op], {
      env: {
        ...process.env,
        ...engine!.env,
        PYTHONPATH: sdk!.lib,
        CREDSSP_ROUNDTRIP: JSON.stringify(settings),
      },
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(stdout.trim().split("\n").pop()!) as Summary;
  };

  let sdk: PythonSdk | undefined;

  beforeAll(() => {
    sdk = installPythonSdk();
  });

  afterAll(() => sdk?.dispose());

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
    });
  });
});
