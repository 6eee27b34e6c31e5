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
import { installPythonSdk, PYTHON, PythonSdk } from "./support/python-sdk";
import { itRoundTrips, Summary } from "./support/round-trip";

jest.setTimeout(600_000);

const run = promisify(execFile);

describe("a Python program through the plugin", () => {
  let sdk: PythonSdk | undefined;
  beforeAll(() => {
    sdk = installPythonSdk();
  });
  afterAll(() => sdk?.dispose());

  itRoundTrips({
    project: "credssp-python-roundtrip",
    // The default provider's configuration (inputs and outputs).
    secretsAtRest: 2,
    run: async (op, { engine, settings }) => {
      const { stdout } = await run(PYTHON, [path.join(REPO_ROOT, "tests", "plugin", "python", "roundtrip.py"), op], {
        env: { ...process.env, ...engine.env, PYTHONPATH: sdk!.lib, CREDSSP_ROUNDTRIP: JSON.stringify(settings) },
        maxBuffer: 64 * 1024 * 1024,
      });
      return JSON.parse(stdout.trim().split("\n").pop()!) as Summary;
    },
  });
});
