// CredSSPClient: the host offers CredSSP (WSMan Client/Auth/CredSSP = true) and may
// delegate fresh credentials to `wsman/<computer>` for each delegate computer — what
// Enable-WSManCredSSP -Role Client -DelegateComputer does, minus its duplicates and
// its count+1 numbering. Delete deregisters it from the host's ledger: what no other
// resource declares goes back to what it was before the first one came.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { credSSPSettingName, getCredSSP, readPolicy } from "../windows";
import { COMMON_OUTPUTS, diffInputs, internalInputs, newId } from "./common";
import type { CredSSPClientArgs } from "./args";
import { Connection, connectionSchema, onHost, withConnectionDefaults } from "./connection";
import { declareFlag } from "./credssp-flag";
import { applyOrRecord, checkWith, providerShim, refuseImport, secretConnection, TYPE_MODULE, warnEach } from "./dynamic";
import { ownedOf } from "./legacy-state";
import { applyList, liveView } from "./list-ownership";
import { newOwnerId, ownerLabel } from "./owner";
import { ledgerLists, Owned, withOwnership } from "./ownership";
import { release } from "./release";
import { checked, computerAdvice, hostPatternProblem, uniqueList } from "./validation";

const POLICY = "AllowFreshCredentials" as const;
const SETTING = credSSPSettingName("client");

export const credSSPClientSchema = z
  .object({
    connection: connectionSchema,
    delegateComputers: uniqueList(checked(hostPatternProblem), "delegate computer").describe(
      "Computers this host may delegate fresh credentials to: FQDNs (recommended), `*.domain` or `*`. " +
        "As an output, those whose entry is present live.",
    ),
    /** Set by check; read reports the live Client/Auth/CredSSP here. */
    enabled: z.literal(true).optional(),
  })
  .strict()
  .describe(
    "Lets a Windows host use CredSSP as a client (`Client/Auth/CredSSP = true`) and delegate fresh credentials to " +
      "`wsman/<computer>` for each delegate computer, like `Enable-WSManCredSSP -Role Client -DelegateComputer`, " +
      "without duplicates. Delete takes back only what no other resource on the host still declares, restoring what was there before the first.",
  );

export const credSSPClientOutputs = z.object({
  ...COMMON_OUTPUTS,
  enabled: z.boolean().describe("The live value of `Client/Auth/CredSSP`."),
  spns: z.array(z.string()).describe("The SPNs this resource keeps in `AllowFreshCredentials`, e.g. `wsman/srv01.corp.example.com`."),
});

type Inputs = z.infer<typeof credSSPClientSchema> & { __owner?: string };

export interface CredSSPClientState {
  connection: Connection;
  delegateComputers: string[];
  enabled: boolean;
  host: string;
  /** The SPNs this resource wants in AllowFreshCredentials. */
  spns: string[];
  lastApplied: string[];
  /** The owner label the program passed (owner.ts). */
  __owner?: string;
  /** This resource's owner id and claims (ownership.ts); hidden from diffs. */
  __owned: Owned;
  [key: string]: unknown;
}

const KIND = "CredSSPClient";

/** The SPN Enable-WSManCredSSP writes for a delegate computer. */
export const wsmanSpn = (computer: string): string => `wsman/${computer}`;

export const credSSPClientProvider = {
  async check(_olds: unknown, news: Record<string, unknown>) {
    return checkWith(credSSPClientSchema, news, (v: Inputs) => ({
      connection: withConnectionDefaults(v.connection),
      delegateComputers: v.delegateComputers,
      enabled: true,
    }));
  },

  async diff(_id: string, olds: CredSSPClientState, news: Inputs) {
    return diffInputs(olds, news, ["connection", "delegateComputers", "enabled"]);
  },

  async create(inputs: Inputs) {
    const c = inputs.connection;
    const id = newId(KIND, c);
    const state: CredSSPClientState = {
      connection: c,
      delegateComputers: inputs.delegateComputers,
      enabled: false,
      host: c.host,
      spns: inputs.delegateComputers.map(wsmanSpn),
      lastApplied: [],
      __owner: inputs.__owner,
      __owned: { owner: newOwnerId(inputs.__owner, KIND), claims: {} },
    };
    await applyOrRecord(id, state, inputs, (s) => converge(s));
    return { id, outs: state };
  },

  async read(id: string, props: CredSSPClientState) {
    return onHost(props.connection, async (op) => {
      op.working(SETTING);
      const enabled = await getCredSSP(op.api, "client");
      op.working(POLICY);
      const live = await readPolicy(op.api, POLICY);
      const present = liveView(props.spns, live, false);
      const delegateComputers = props.delegateComputers.filter((dc) => present.some((s) => s.toLowerCase() === wsmanSpn(dc).toLowerCase()));
      // Gone only when nothing it declares is left — flag, entries, switches — and the
      // host's ledger has no record of it either (then up re-creates it).
      const anyEntry = live.entries.some((e) => props.spns.some((s) => s.toLowerCase() === e.spn.toLowerCase()));
      const anyLeft = enabled || anyEntry || live.enabled === 1 || live.concatenateDefaults === 1;
      if (!anyLeft && !(await ledgerLists(op, props.__owned?.owner))) return {};
      const state = { ...props, enabled, delegateComputers };
      return { id, props: state, inputs: { connection: props.connection, delegateComputers, enabled, ...internalInputs(props) } };
    }, { readOnly: true, reader: id });
  },

  async update(id: string, olds: CredSSPClientState, news: Inputs) {
    const state: CredSSPClientState = {
      ...olds,
      connection: news.connection,
      host: news.connection.host,
      delegateComputers: news.delegateComputers,
      spns: news.delegateComputers.map(wsmanSpn),
      lastApplied: [],
      __owner: news.__owner ?? olds.__owner,
      __owned: ownedOf(KIND, id, olds, news.__owner),
    };
    delete state.owned; // the pre-ledger record, now in __owned
    await applyOrRecord(id, state, news, (s) => converge(s));
    return { outs: state };
  },

  async delete(id: string, props: CredSSPClientState) {
    const owned = ownedOf(KIND, id, props, props.__owner);
    await withOwnership(props.connection, owned, [], (own) => release(own, own.mine()));
  },
};

async function converge(state: CredSSPClientState): Promise<void> {
  await withOwnership(state.connection, state.__owned, state.lastApplied, async (own) => {
    await declareFlag(own, "client");
    state.enabled = true;
    await applyList(own, POLICY, { spns: state.spns, concatenateDefaults: 1, exclusive: false });
    await release(own, own.undeclared());
  });
}

/** The CredSSPClient resource: see {@link CredSSPClientArgs} (generated from the zod descriptions) for what it does and takes. */
export class CredSSPClient extends pulumi.dynamic.Resource {
  declare public readonly enabled: pulumi.Output<boolean>;
  declare public readonly delegateComputers: pulumi.Output<string[]>;
  declare public readonly spns: pulumi.Output<string[]>;
  declare public readonly host: pulumi.Output<string>;
  declare public readonly lastApplied: pulumi.Output<string[]>;

  constructor(name: string, args: CredSSPClientArgs, opts?: pulumi.CustomResourceOptions) {
    refuseImport(KIND, name, opts);
    super(
      providerShim("CredSSPClient"),
      name,
      {
        connection: secretConnection(args.connection),
        delegateComputers: args.delegateComputers,
        enabled: undefined,
        host: undefined,
        spns: undefined,
        lastApplied: undefined,
        __owner: ownerLabel(KIND, name, opts),
        __owned: undefined,
      },
      opts,
      TYPE_MODULE,
      "CredSSPClient",
    );
    warnEach(this, args.delegateComputers, (v) => computerAdvice("delegateComputers", v));
  }
}
