// TrustedHosts: WSMan Client/TrustedHosts treated as a set (case-insensitive). The
// resource declares its hosts in the host's ledger (trusted-hosts-ownership.ts):
// Set-Item's "replace the whole string" never happens, and a host goes only when the
// last resource declaring it leaves and it was not there before the first. With
// `exclusive`, foreign entries are removed and come back when it leaves; the last
// TrustedHosts resource to leave restores the string found before the first, byte for byte.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { getTrustedHosts, hasTrustedHost, parseTrustedHosts, TRUSTED_HOSTS_SETTING } from "../windows";
import { COMMON_OUTPUTS, diffInputs, internalInputs, newId } from "./common";
import type { TrustedHostsArgs } from "./args";
import { Connection, connectionSchema, onHost, withConnectionDefaults } from "./connection";
import { applyOrRecord, checkWith, providerShim, refuseImport, secretConnection, TYPE_MODULE } from "./dynamic";
import { HostLedger } from "./ledger";
import { ownedOf } from "./legacy-state";
import { newOwnerId, ownerLabel } from "./owner";
import { ledgerLists, othersWantPresent, Owned, withOwnership } from "./ownership";
import { release } from "./release";
import { subjects } from "./subjects";
import { editTrustedHosts } from "./trusted-hosts-ownership";
import { checked, hostPatternProblem, uniqueList } from "./validation";

export const trustedHostsSchema = z
  .object({
    connection: connectionSchema,
    hosts: uniqueList(checked(hostPatternProblem), "host").describe(
      "Hosts this WinRM client may authenticate to without Kerberos: names, IP addresses, `*.domain` or `*`. " +
        "As an output, those present live.",
    ),
    exclusive: z
      .boolean()
      .optional()
      .describe(
        "Make TrustedHosts exactly `hosts`, less entries other resources declare; foreign entries removed come back on delete. Default `false`.",
      ),
  })
  .strict()
  .describe(
    "Entries in the WinRM client's `Client/TrustedHosts` list of one host, treated as a case-insensitive set. " +
      "Delete removes only hosts it added that no other resource still declares, keeping every other entry's exact text; " +
        "the last TrustedHosts resource to go restores the string found before the first, byte for byte.",
  );

export const trustedHostsOutputs = z.object({
  ...COMMON_OUTPUTS,
  value: z.string().describe("The whole TrustedHosts string on the host."),
});

type Inputs = z.infer<typeof trustedHostsSchema> & { __owner?: string };

export interface TrustedHostsState {
  connection: Connection;
  hosts: string[];
  exclusive: boolean;
  host: string;
  /** The whole TrustedHosts string as last read or written. */
  value: string;
  lastApplied: string[];
  /** The owner label the program passed (owner.ts). */
  __owner?: string;
  /** This resource's owner id and claims (ownership.ts); hidden from diffs. */
  __owned: Owned;
  [key: string]: unknown;
}

const KIND = "TrustedHosts";

export const trustedHostsProvider = {
  async check(_olds: unknown, news: Record<string, unknown>) {
    return checkWith(trustedHostsSchema, news, (v: Inputs) => ({
      connection: withConnectionDefaults(v.connection),
      hosts: v.hosts,
      exclusive: v.exclusive ?? false,
    }));
  },

  async diff(_id: string, olds: TrustedHostsState, news: Inputs) {
    return diffInputs(olds, news, ["connection", "hosts", "exclusive"]);
  },

  async create(inputs: Inputs) {
    const id = newId(KIND, inputs.connection);
    const state = stateFrom(inputs, { owner: newOwnerId(inputs.__owner, KIND), claims: {} });
    await applyOrRecord(id, state, inputs, (s) => converge(s));
    return { id, outs: state };
  },

  async read(id: string, props: TrustedHostsState) {
    return onHost(props.connection, async (op) => {
      op.working(TRUSTED_HOSTS_SETTING);
      const raw = await getTrustedHosts(op.api);
      const list = parseTrustedHosts(raw);
      const owner = props.__owned?.owner;
      // Gone only when none of its hosts is left and the host's ledger has no record of it.
      if (!props.hosts.some((h) => hasTrustedHost(list, h)) && !(await ledgerLists(op, owner))) return {};
      let hosts = props.hosts.filter((h) => hasTrustedHost(list, h));
      if (props.exclusive) {
        // What is in the list, less the entries other resources declare.
        const ledger = owner ? await HostLedger.load(op.api, owner, op.hostKey) : undefined;
        hosts = list.filter((e) => hasTrustedHost(props.hosts, e) || !(ledger && othersWantPresent(ledger, subjects.trustedHost(e))));
      }
      const inputs = { connection: props.connection, hosts, exclusive: props.exclusive };
      return { id, props: { ...props, ...inputs, value: raw }, inputs: { ...inputs, ...internalInputs(props) } };
    }, { readOnly: true, reader: id });
  },

  async update(id: string, olds: TrustedHostsState, news: Inputs) {
    const state = stateFrom(news, ownedOf(KIND, id, olds, news.__owner));
    await applyOrRecord(id, state, news, (s) => converge(s));
    return { outs: state };
  },

  async delete(id: string, props: TrustedHostsState) {
    const owned = ownedOf(KIND, id, props, props.__owner);
    await withOwnership(props.connection, owned, [], (own) => release(own, own.mine()));
  },
};

function stateFrom(inputs: Inputs, owned: Owned): TrustedHostsState {
  return {
    connection: inputs.connection,
    hosts: inputs.hosts,
    exclusive: inputs.exclusive ?? false,
    host: inputs.connection.host,
    value: "",
    lastApplied: [],
    __owner: inputs.__owner,
    __owned: owned,
  };
}

async function converge(state: TrustedHostsState): Promise<void> {
  await withOwnership(state.connection, state.__owned, state.lastApplied, async (own) => {
    state.value = await editTrustedHosts(own, { hosts: state.hosts, exclusive: state.exclusive });
    await release(own, own.undeclared());
  });
}

/** The TrustedHosts resource: see {@link TrustedHostsArgs} (generated from the zod descriptions) for what it does and takes. */
export class TrustedHosts extends pulumi.dynamic.Resource {
  declare public readonly hosts: pulumi.Output<string[]>;
  declare public readonly exclusive: pulumi.Output<boolean>;
  declare public readonly value: pulumi.Output<string>;
  declare public readonly host: pulumi.Output<string>;
  declare public readonly lastApplied: pulumi.Output<string[]>;

  constructor(name: string, args: TrustedHostsArgs, opts?: pulumi.CustomResourceOptions) {
    refuseImport(KIND, name, opts);
    super(
      providerShim("TrustedHosts"),
      name,
      {
        connection: secretConnection(args.connection),
        hosts: args.hosts,
        exclusive: args.exclusive,
        value: undefined,
        host: undefined,
        lastApplied: undefined,
        __owner: ownerLabel(KIND, name, opts),
        __owned: undefined,
      },
      opts,
      TYPE_MODULE,
      "TrustedHosts",
    );
  }
}
