// CredSSPClient: the host offers CredSSP (WSMan Client/Auth/CredSSP = true) and may
// delegate fresh credentials to `wsman/<computer>` for each delegate computer — what
// Enable-WSManCredSSP -Role Client -DelegateComputer does, minus its duplicates and
// its count+1 numbering. Delete removes only this resource's entries and restores
// the client flag.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { credSSPSettingName, getCredSSP, readPolicy } from "../windows";
import { COMMON_OUTPUTS, diffInputs, newId } from "./common";
import type { CredSSPClientArgs } from "./args";
import { Connection, connectionSchema, onHost, withConnectionDefaults } from "./connection";
import { enableFlag, restoreFlag } from "./credssp-flag";
import { applyOrRecord, checkWith, providerShim, secretConnection, TYPE_MODULE, warnEach } from "./dynamic";
import { OwnedKeys, releaseKeys } from "./key-ownership";
import { applyList, emptyOwnedList, liveView, OwnedList, releaseList } from "./list-ownership";
import { checked, hostPatternProblem, ipDelegationWarning, isIpAddress, uniqueList } from "./validation";

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
      "without duplicates. Delete removes only the entries it added and restores the client flag.",
  );

export const credSSPClientOutputs = z.object({
  ...COMMON_OUTPUTS,
  enabled: z.boolean().describe("The live value of `Client/Auth/CredSSP`."),
  spns: z.array(z.string()).describe("The SPNs this resource keeps in `AllowFreshCredentials`, e.g. `wsman/srv01.corp.example.com`."),
});

type Inputs = z.infer<typeof credSSPClientSchema>;

export interface CredSSPClientState {
  connection: Connection;
  delegateComputers: string[];
  enabled: boolean;
  host: string;
  /** The SPNs this resource wants in AllowFreshCredentials. */
  spns: string[];
  owned: { credSSP?: { previous: boolean }; list: OwnedList; keys: OwnedKeys };
  lastApplied: string[];
  [key: string]: unknown;
}

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
    const id = newId("CredSSPClient", c);
    const state: CredSSPClientState = {
      connection: c,
      delegateComputers: inputs.delegateComputers,
      enabled: false,
      host: c.host,
      spns: inputs.delegateComputers.map(wsmanSpn),
      owned: { list: emptyOwnedList(POLICY), keys: {} },
      lastApplied: [],
    };
    await applyOrRecord(id, state, inputs, (s) => converge(s, true));
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
      // Deleted out of band: nothing of it is left on the host.
      if (!enabled && !live.entries.some((e) => props.spns.some((s) => s.toLowerCase() === e.spn.toLowerCase()))) return {};
      const state = { ...props, enabled, delegateComputers };
      return { id, props: state, inputs: { connection: props.connection, delegateComputers, enabled } };
    });
  },

  async update(id: string, olds: CredSSPClientState, news: Inputs) {
    const state: CredSSPClientState = {
      ...olds,
      connection: news.connection,
      host: news.connection.host,
      delegateComputers: news.delegateComputers,
      spns: news.delegateComputers.map(wsmanSpn),
      owned: { ...olds.owned, list: olds.owned?.list ?? emptyOwnedList(POLICY), keys: olds.owned?.keys ?? {} },
      lastApplied: [],
    };
    await applyOrRecord(id, state, news, (s) => converge(s, olds.owned?.list === undefined));
    return { outs: state };
  },

  async delete(_id: string, props: CredSSPClientState) {
    await onHost(
      props.connection,
      async (op) => {
        if (props.owned?.list) await releaseList(op, props.owned.list);
        await releaseKeys(op);
        await restoreFlag(op, "client", props.owned?.credSSP);
      },
      { keys: props.owned?.keys },
    );
  },
};

async function converge(state: CredSSPClientState, fresh: boolean): Promise<void> {
  await onHost(
    state.connection,
    async (op) => {
      const flag = await enableFlag(op, "client", state.owned.credSSP);
      if (flag) state.owned.credSSP = flag;
      state.enabled = true;
      const want = { spns: state.spns, concatenateDefaults: 1, exclusive: false } as const;
      await applyList(op, state.owned.list, want, fresh);
    },
    { changes: state.lastApplied, keys: state.owned.keys },
  );
}

/** The CredSSPClient resource: see {@link CredSSPClientArgs} (generated from the zod descriptions) for what it does and takes. */
export class CredSSPClient extends pulumi.dynamic.Resource {
  declare public readonly enabled: pulumi.Output<boolean>;
  declare public readonly delegateComputers: pulumi.Output<string[]>;
  declare public readonly spns: pulumi.Output<string[]>;
  declare public readonly host: pulumi.Output<string>;
  declare public readonly lastApplied: pulumi.Output<string[]>;

  constructor(name: string, args: CredSSPClientArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("CredSSPClient"),
      name,
      {
        connection: secretConnection(args.connection),
        delegateComputers: args.delegateComputers,
        enabled: undefined,
        host: undefined,
        spns: undefined,
        owned: undefined,
        lastApplied: undefined,
      },
      opts,
      TYPE_MODULE,
      "CredSSPClient",
    );
    warnEach(this, args.delegateComputers, (v) => (isIpAddress(v) ? ipDelegationWarning("delegateComputers", v) : undefined));
  }
}
