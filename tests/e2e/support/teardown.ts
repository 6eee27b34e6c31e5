// The end of an e2e suite: destroy what the stack still holds (best effort: the test
// may have failed half-way), remove its workspace, stop the hosts, remove temp folders.
import * as fs from "node:fs";
import type { EngineStack } from "../../../scripts/engine";
import { FleetHost, stopFleet } from "../../../testkit/fleet";

export async function tearDown(engine: EngineStack | undefined, hosts: FleetHost[], ...dirs: Array<string | undefined>): Promise<void> {
  if (engine) {
    await engine.stack.destroy().catch(() => undefined);
    await engine.dispose();
  }
  await stopFleet(hosts);
  for (const dir of dirs) if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
