// CredSSPServer: the host accepts CredSSP (WSMan Service/Auth/CredSSP = true), as
// Enable-WSManCredSSP -Role Server does. Delete puts back the value found at create.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { credSSPSettingName, getCredSSP } from "../windows";
import { applyOrRecord, checkWith, providerShim, secretConnection, TYPE_MODULE } from "./dynamic";
import { COMMON_OUTPUTS, diffInputs, newId } from "./common";
import type { CredSSPServerArgs } from "./args";
import { Connection, connectionSchema, onHost, withConnectionDefaults } from "./connection";
import { enableFlag, restoreFlag } from "./credssp-flag";

export const credSSPServerSchema = z
  .object({
    connection: connectionSchema,
    /** Set by check; read reports the live value here, so drift shows as `enabled`. */
    enabled: z.literal(true).optional(),
  })
  .strict()
  .describe(
    "Lets a Windows host accept CredSSP over WinRM (WSMan `Service/Auth/CredSSP = true`), like `Enable-WSManCredSSP -Role Server`. " +
      "Delete restores the value found at create.",
  );

export const credSSPServerOutputs = z.object({
  ...COMMON_OUTPUTS,
  enabled: z.boolean().describe("The live value of `Service/Auth/CredSSP`."),
});

type Inputs = z.infer<typeof credSSPServerSchema>;

export interface CredSSPServerState {
  connection: Connection;
  enabled: boolean;
  host: string;
  /** Present when this resource changed the flag: the value to restore on delete. */
  owned: { credSSP?: { previous: boolean } };
  /** What the last create/update changed on the host (empty when it adopted). */
  lastApplied: string[];
  [key: string]: unknown;
}

const SETTING = credSSPSettingName("service");

export const credSSPServerProvider = {
  async check(_olds: unknown, news: Record<string, unknown>) {
    return checkWith(credSSPServerSchema, news, (v: Inputs) => ({ connection: withConnectionDefaults(v.connection), enabled: true }));
  },

  async diff(_id: string, olds: CredSSPServerState, news: Inputs) {
    return diffInputs(olds, news, ["connection", "enabled"]);
  },

  async create(inputs: Inputs) {
    const c = inputs.connection;
    const id = newId("CredSSPServer", c);
    const state: CredSSPServerState = { connection: c, enabled: false, host: c.host, owned: {}, lastApplied: [] };
    await applyOrRecord(id, state, inputs, (s) => ensureEnabled(s));
    return { id, outs: state };
  },

  async read(id: string, props: CredSSPServerState) {
    const enabled = await onHost(props.connection, (op) => {
      op.working(SETTING);
      return getCredSSP(op.api, "service");
    });
    const live = { ...props, enabled };
    return { id, props: live, inputs: { connection: props.connection, enabled } };
  },

  async update(id: string, olds: CredSSPServerState, news: Inputs) {
    const state: CredSSPServerState = { ...olds, connection: news.connection, host: news.connection.host, lastApplied: [] };
    await applyOrRecord(id, state, news, (s) => ensureEnabled(s));
    return { outs: state };
  },

  async delete(_id: string, props: CredSSPServerState) {
    await onHost(props.connection, (op) => restoreFlag(op, "service", props.owned?.credSSP));
  },
};

async function ensureEnabled(state: CredSSPServerState): Promise<void> {
  await onHost(
    state.connection,
    async (op) => {
      const flag = await enableFlag(op, "service", state.owned.credSSP);
      if (flag) state.owned.credSSP = flag;
      state.enabled = true;
    },
    { changes: state.lastApplied },
  );
}

/** The CredSSPServer resource: see {@link CredSSPServerArgs} (generated from the zod descriptions) for what it does and takes. */
export class CredSSPServer extends pulumi.dynamic.Resource {
  declare public readonly enabled: pulumi.Output<boolean>;
  declare public readonly host: pulumi.Output<string>;
  declare public readonly lastApplied: pulumi.Output<string[]>;

  constructor(name: string, args: CredSSPServerArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("CredSSPServer"),
      name,
      { connection: secretConnection(args.connection), enabled: undefined, host: undefined, owned: undefined, lastApplied: undefined },
      opts,
      TYPE_MODULE,
      "CredSSPServer",
    );
  }
}
