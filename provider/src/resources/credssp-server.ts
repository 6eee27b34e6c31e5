// CredSSPServer: the host accepts CredSSP (WSMan Service/Auth/CredSSP = true), as
// Enable-WSManCredSSP -Role Server does. Delete deregisters it from the host's
// ledger; the last resource declaring the flag puts back what was there before the first.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { credSSPSettingName, getCredSSP } from "../windows";
import { applyOrRecord, checkWith, providerShim, refuseImport, secretConnection, TYPE_MODULE } from "./dynamic";
import { COMMON_OUTPUTS, diffInputs, internalInputs, newId } from "./common";
import type { CredSSPServerArgs } from "./args";
import { Connection, connectionSchema, onHost, withConnectionDefaults } from "./connection";
import { declareFlag } from "./credssp-flag";
import { ownedOf } from "./legacy-state";
import { newOwnerId, ownerLabel } from "./owner";
import { ledgerLists, Owned, withOwnership } from "./ownership";
import { release } from "./release";

export const credSSPServerSchema = z
  .object({
    connection: connectionSchema,
    /** Set by check; read reports the live value here, so drift shows as `enabled`. */
    enabled: z.literal(true).optional(),
  })
  .strict()
  .describe(
    "Lets a Windows host accept CredSSP over WinRM (WSMan `Service/Auth/CredSSP = true`), like `Enable-WSManCredSSP -Role Server`. " +
      "Delete restores the value found before the first resource that declared it, once no resource on the host declares it.",
  );

export const credSSPServerOutputs = z.object({
  ...COMMON_OUTPUTS,
  enabled: z.boolean().describe("The live value of `Service/Auth/CredSSP`."),
});

type Inputs = z.infer<typeof credSSPServerSchema> & { __owner?: string };

export interface CredSSPServerState {
  connection: Connection;
  enabled: boolean;
  host: string;
  /** What the last create/update changed on the host (empty when it adopted). */
  lastApplied: string[];
  /** The owner label the program passed (owner.ts). */
  __owner?: string;
  /** This resource's owner id and claims (ownership.ts); hidden from diffs. */
  __owned: Owned;
  [key: string]: unknown;
}

const KIND = "CredSSPServer";
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
    const id = newId(KIND, c);
    const __owned: Owned = { owner: newOwnerId(inputs.__owner, KIND), claims: {} };
    const state: CredSSPServerState = { connection: c, enabled: false, host: c.host, lastApplied: [], __owner: inputs.__owner, __owned };
    await applyOrRecord(id, state, inputs, (s) => converge(s));
    return { id, outs: state };
  },

  async read(id: string, props: CredSSPServerState) {
    return onHost(props.connection, async (op) => {
      op.working(SETTING);
      const enabled = await getCredSSP(op.api, "service");
      // Gone only when nothing of it is left: the flag off, and no ledger record of it.
      if (!enabled && !(await ledgerLists(op, props.__owned?.owner))) return {};
      const inputs = { connection: props.connection, enabled, ...internalInputs(props) };
      return { id, props: { ...props, enabled }, inputs };
    }, { readOnly: true, reader: id });
  },

  async update(id: string, olds: CredSSPServerState, news: Inputs) {
    const state: CredSSPServerState = {
      ...olds,
      connection: news.connection,
      host: news.connection.host,
      lastApplied: [],
      __owner: news.__owner ?? olds.__owner,
      __owned: ownedOf(KIND, id, olds, news.__owner),
    };
    delete state.owned; // the pre-ledger record, now in __owned
    await applyOrRecord(id, state, news, (s) => converge(s));
    return { outs: state };
  },

  async delete(id: string, props: CredSSPServerState) {
    const owned = ownedOf(KIND, id, props, props.__owner);
    await withOwnership(props.connection, owned, [], (own) => release(own, own.mine()));
  },
};

async function converge(state: CredSSPServerState): Promise<void> {
  await withOwnership(state.connection, state.__owned, state.lastApplied, async (own) => {
    await declareFlag(own, "service");
    state.enabled = true;
    await release(own, own.undeclared());
  });
}

/** The CredSSPServer resource: see {@link CredSSPServerArgs} (generated from the zod descriptions) for what it does and takes. */
export class CredSSPServer extends pulumi.dynamic.Resource {
  declare public readonly enabled: pulumi.Output<boolean>;
  declare public readonly host: pulumi.Output<string>;
  declare public readonly lastApplied: pulumi.Output<string[]>;

  constructor(name: string, args: CredSSPServerArgs, opts?: pulumi.CustomResourceOptions) {
    refuseImport(KIND, name, opts);
    super(
      providerShim("CredSSPServer"),
      name,
      {
        connection: secretConnection(args.connection),
        enabled: undefined,
        host: undefined,
        lastApplied: undefined,
        __owner: ownerLabel(KIND, name, opts),
        __owned: undefined,
      },
      opts,
      TYPE_MODULE,
      "CredSSPServer",
    );
  }
}
