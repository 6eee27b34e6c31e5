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
import { itRoundTrips, Summary } from "./support/round-trip";

jest.setTimeout(900_000);

const run = promisify(execFile);

describe("a Go program through the plugin", () => {
  let binDir = "";
  let program = "";

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

  itRoundTrips({
    project: "credssp-go-roundtrip",
    // srv01's connection and the explicit provider's configuration (inputs and outputs of each).
    secretsAtRest: 4,
    run: async (op, { engine, settings }) => {
      const { stdout } = await run(program, [op], {
        env: { ...process.env, ...engine.env, CREDSSP_ROUNDTRIP: JSON.stringify(settings) },
        maxBuffer: 64 * 1024 * 1024,
      });
      return JSON.parse(stdout.trim().split("\n").pop()!) as Summary;
    },
  });
});
