// Engine smoke test: a tiny dynamic resource that owns one file, taken through the
// real Pulumi engine (the project's CLI) via scripts/engine.ts. Every outcome is read
// from the engine's own results, not from the resource.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { EngineStack, openStack, plannedChanges } from "../../scripts/engine";

interface FileInputs {
  path: string;
  content: string;
}

// Written out as plain functions with `require` inside: the closure serializer
// ships this object to the engine's dynamic-provider plugin.
const fileProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: FileInputs) {
    require("fs").writeFileSync(inputs.path, inputs.content);
    return { id: inputs.path, outs: inputs };
  },
  async read(id: string, props: FileInputs) {
    const nodeFs = require("fs");
    if (!nodeFs.existsSync(id)) return {};
    const live = { ...props, content: nodeFs.readFileSync(id, "utf8") };
    // Returning inputs as well makes drift show up as an input diff, by property.
    return { id, props: live, inputs: { path: props.path, content: live.content } };
  },
  async diff(_id: string, olds: FileInputs, news: FileInputs) {
    const replaces = olds.path !== news.path ? ["path"] : [];
    const changed = replaces.length > 0 || olds.content !== news.content;
    return { changes: changed, replaces, deleteBeforeReplace: true };
  },
  async update(id: string, _olds: FileInputs, news: FileInputs) {
    require("fs").writeFileSync(id, news.content);
    return { outs: news };
  },
  async delete(id: string) {
    require("fs").rmSync(id, { force: true });
  },
};

class OwnedFile extends pulumi.dynamic.Resource {
  constructor(name: string, args: { path: string; content: string }) {
    super(fileProvider, name, args, {}, "smoke", "OwnedFile");
  }
}

describe("engine smoke test (real Pulumi CLI, dynamic provider)", () => {
  let engine: EngineStack;
  let dir: string;
  let target: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "credssp-smoke-"));
    target = path.join(dir, "owned.txt");
    engine = await openStack({
      projectName: "engine-smoke",
      program: async () => {
        const f = new OwnedFile("owned", { path: target, content: "desired\n" });
        return { owned: f.id };
      },
    });
  }, 300_000);

  afterAll(async () => {
    await engine?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("up creates the resource", async () => {
    const up = await engine.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges).toMatchObject({ create: 2 }); // the stack + the file
    expect(up.outputs.owned.value).toBe(target);
    expect(fs.readFileSync(target, "utf8")).toBe("desired\n");
  });

  it("preview after up reports no changes", async () => {
    const pv = await engine.stack.preview();
    expect(pv.changeSummary).toEqual({ same: 2 });
  });

  it("an out-of-band change shows as drift in preview --refresh, naming the property", async () => {
    fs.writeFileSync(target, "tampered\n");
    const events: EngineEvent[] = [];
    const pv = await engine.stack.preview({ refresh: true, onEvent: (e) => events.push(e) });
    expect(pv.changeSummary.update).toBe(1);
    expect(plannedChanges(events)).toEqual([
      { name: "owned", type: "pulumi-nodejs:dynamic/smoke:OwnedFile", op: "update", properties: ["content"] },
    ]);
  });

  it("up again converges", async () => {
    const up = await engine.stack.up({ refresh: true });
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges?.update).toBe(1);
    expect(fs.readFileSync(target, "utf8")).toBe("desired\n");
    const pv = await engine.stack.preview({ refresh: true });
    expect(pv.changeSummary).toEqual({ same: 2 });
  });

  it("destroy removes what the resource owns", async () => {
    const down = await engine.stack.destroy();
    expect(down.summary.result).toBe("succeeded");
    expect(down.summary.resourceChanges).toMatchObject({ delete: 2 });
    expect(fs.existsSync(target)).toBe(false);
  });
});
