// TrustedHosts: WSMan Client/TrustedHosts treated as a set (case-insensitive). By
// default the resource owns only the hosts it appended — Set-Item's "replace the
// whole string" never happens — and delete removes just those. With `exclusive`,
// the list is exactly `hosts` and delete restores the previous string byte for byte.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  addToTrustedHostsRaw,
  formatTrustedHosts,
  getTrustedHosts,
  hasTrustedHost,
  parseTrustedHosts,
  removeFromTrustedHostsRaw,
  setTrustedHosts,
  TRUSTED_HOSTS_SETTING,
} from "../windows";
import { COMMON_OUTPUTS, diffInputs, newId } from "./common";
import type { TrustedHostsArgs } from "./args";
import { Connection, connectionSchema, onHost, withConnectionDefaults } from "./connection";
import { applyOrRecord, checkWith, providerShim, secretConnection, TYPE_MODULE } from "./dynamic";
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
      .describe("Make TrustedHosts exactly `hosts`; delete restores the previous string exactly. Default `false`."),
  })
  .strict()
  .describe(
    "Entries in the WinRM client's `Client/TrustedHosts` list of one host, treated as a case-insensitive set. " +
      "Delete removes only what it added, keeping every other entry's exact text; with `exclusive` it restores the previous string exactly.",
  );

export const trustedHostsOutputs = z.object({
  ...COMMON_OUTPUTS,
  value: z.string().describe("The whole TrustedHosts string on the host."),
});

type Inputs = z.infer<typeof trustedHostsSchema>;

export interface TrustedHostsState {
  connection: Connection;
  hosts: string[];
  exclusive: boolean;
  host: string;
  /** The whole TrustedHosts string as last read or written. */
  value: string;
  owned: {
    /** Entries this resource appended (non-exclusive). */
    added: string[];
    /** Exclusive: the exact string before this resource first wrote it. */
    previous?: string;
  };
  lastApplied: string[];
  [key: string]: unknown;
}

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
    const id = newId("TrustedHosts", inputs.connection);
    const state = stateFrom(inputs, { added: [] });
    await applyOrRecord(id, state, inputs, (s) => converge(s, undefined));
    return { id, outs: state };
  },

  async read(id: string, props: TrustedHostsState) {
    return onHost(props.connection, async (op) => {
      op.working(TRUSTED_HOSTS_SETTING);
      const raw = await getTrustedHosts(op.api);
      if (raw.trim() === "") return {}; // cleared out of band: the resource is gone
      const list = parseTrustedHosts(raw);
      const hosts = props.exclusive ? list : props.hosts.filter((h) => hasTrustedHost(list, h));
      const inputs = { connection: props.connection, hosts, exclusive: props.exclusive };
      return { id, props: { ...props, ...inputs, value: raw }, inputs };
    });
  },

  async update(id: string, olds: TrustedHostsState, news: Inputs) {
    const state = stateFrom(news, olds.owned ?? { added: [] });
    await applyOrRecord(id, state, news, (s) => converge(s, olds));
    return { outs: state };
  },

  async delete(_id: string, props: TrustedHostsState) {
    await onHost(props.connection, async (op) => {
      op.working(TRUSTED_HOSTS_SETTING);
      if (props.owned?.previous !== undefined) {
        await setTrustedHosts(op.api, props.owned.previous, { host: op.host });
        return;
      }
      const raw = await getTrustedHosts(op.api);
      const next = removeFromTrustedHostsRaw(raw, props.owned?.added ?? []);
      if (next !== raw) await setTrustedHosts(op.api, next, { host: op.host });
    });
  },
};

function stateFrom(inputs: Inputs, owned: TrustedHostsState["owned"]): TrustedHostsState {
  return {
    connection: inputs.connection,
    hosts: inputs.hosts,
    exclusive: inputs.exclusive ?? false,
    host: inputs.connection.host,
    value: "",
    owned: { ...owned, added: [...owned.added] },
    lastApplied: [],
  };
}

async function converge(state: TrustedHostsState, olds: TrustedHostsState | undefined): Promise<void> {
  await onHost(
    state.connection,
    async (op) => {
      op.working(TRUSTED_HOSTS_SETTING);
      const raw = await getTrustedHosts(op.api);
      let next: string;
      if (state.exclusive) {
        // What to restore on delete: the string as it was without our own additions
        // (non-empty only when an update switches a resource to exclusive).
        if (state.owned.previous === undefined) state.owned.previous = removeFromTrustedHostsRaw(raw, state.owned.added);
        state.owned.added = [];
        next = formatTrustedHosts(state.hosts);
      } else {
        if (olds?.exclusive && state.owned.previous !== undefined) {
          // Leaving exclusive mode: what was there before is no longer ours to restore.
          delete state.owned.previous;
        }
        const live = parseTrustedHosts(raw);
        // Hosts we appended that are no longer wanted go; foreign entries stay.
        const unwanted = state.owned.added.filter((h) => !state.hosts.some((w) => w.toLowerCase() === h.toLowerCase()));
        let working = removeFromTrustedHostsRaw(raw, unwanted);
        state.owned.added = state.owned.added.filter((h) => !unwanted.includes(h) && hasTrustedHost(live, h));
        const missing = state.hosts.filter((h) => !hasTrustedHost(parseTrustedHosts(working), h));
        working = addToTrustedHostsRaw(working, missing);
        state.owned.added.push(...missing);
        next = working;
      }
      if (next !== raw) {
        await setTrustedHosts(op.api, next, { host: op.host });
        op.changes.push(`${TRUSTED_HOSTS_SETTING}: "${raw}" -> "${next}"`);
      }
      state.value = next;
    },
    { changes: state.lastApplied },
  );
}

/** The TrustedHosts resource: see {@link TrustedHostsArgs} (generated from the zod descriptions) for what it does and takes. */
export class TrustedHosts extends pulumi.dynamic.Resource {
  declare public readonly hosts: pulumi.Output<string[]>;
  declare public readonly exclusive: pulumi.Output<boolean>;
  declare public readonly value: pulumi.Output<string>;
  declare public readonly host: pulumi.Output<string>;
  declare public readonly lastApplied: pulumi.Output<string[]>;

  constructor(name: string, args: TrustedHostsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("TrustedHosts"),
      name,
      {
        connection: secretConnection(args.connection),
        hosts: args.hosts,
        exclusive: args.exclusive,
        value: undefined,
        host: undefined,
        owned: undefined,
        lastApplied: undefined,
      },
      opts,
      TYPE_MODULE,
      "TrustedHosts",
    );
  }
}
