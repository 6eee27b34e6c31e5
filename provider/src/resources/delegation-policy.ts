// DelegationPolicy: the Credentials Delegation group policies (CredSsp.admx) as the
// registry holds them, plus the CVE-2018-0886 encryption-oracle level. Each list
// given is managed; lists left out are not touched. `exclusive: false` (default)
// owns only this resource's entries; `exclusive: true` makes each given list exactly
// what it says (foreign entries are removed, recorded, and restored on delete).
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  DelegationPolicyName,
  ENCRYPTION_ORACLE_KEY,
  ENCRYPTION_ORACLE_LEVELS,
  ENCRYPTION_ORACLE_VALUE,
  EncryptionOracleLevel,
  encryptionOracleLevelName,
  getEncryptionOracle,
  hklmPath,
  readPolicy,
  setEncryptionOracle,
} from "../windows";
import { COMMON_OUTPUTS, diffInputs, newId } from "./common";
import type { DelegationPolicyArgs } from "./args";
import { Connection, connectionSchema, onHost, withConnectionDefaults } from "./connection";
import { applyOrRecord, checkWith, providerShim, secretConnection, TYPE_MODULE, warnEach } from "./dynamic";
import { OwnedKeys, recordKey, releaseKeys } from "./key-ownership";
import { applyList, emptyOwnedList, liveView, OwnedList, releaseList } from "./list-ownership";
import { checked, ipDelegationWarning, isIpAddress, spnHost, spnProblem, uniqueList } from "./validation";

/** Input property → the policy (registry) name it manages. */
export const LIST_PROPERTIES = {
  allowFreshCredentials: "AllowFreshCredentials",
  allowFreshCredentialsWhenNTLMOnly: "AllowFreshCredentialsWhenNTLMOnly",
  allowSavedCredentials: "AllowSavedCredentials",
  allowSavedCredentialsWhenNTLMOnly: "AllowSavedCredentialsWhenNTLMOnly",
  allowDefaultCredentials: "AllowDefaultCredentials",
  allowDefaultCredentialsWhenNTLMOnly: "AllowDefCredentialsWhenNTLMOnly",
} as const satisfies Record<string, DelegationPolicyName>;

export type ListProperty = keyof typeof LIST_PROPERTIES;
export const LIST_PROPERTY_NAMES = Object.keys(LIST_PROPERTIES) as ListProperty[];

const spnList = uniqueList(checked(spnProblem), "SPN");
/** The description of one list input: which policy, when it applies, and who owns what. */
const spnListOf = (policy: string, when: string) =>
  spnList
    .optional()
    .describe(
      `SPNs for "${policy}"${when}, e.g. \`WSMAN/srv01.corp.example.com\` or \`WSMAN/*.corp.example.com\`. ` +
        "The resource owns only the entries it adds, unless `exclusive` is set. As an output, the entries present live and in force.",
    );
const ORACLE_SETTING = hklmPath(ENCRYPTION_ORACLE_KEY, ENCRYPTION_ORACLE_VALUE);
const ORACLE_LEVELS = Object.keys(ENCRYPTION_ORACLE_LEVELS) as [EncryptionOracleLevel, ...EncryptionOracleLevel[]];

export const delegationPolicySchema = z
  .object({
    connection: connectionSchema,
    allowFreshCredentials: spnListOf(
      "Allow delegating fresh credentials",
      ", used when Kerberos (or a trusted certificate) authenticated the server",
    ),
    allowFreshCredentialsWhenNTLMOnly: spnListOf(
      "Allow delegating fresh credentials with NTLM-only server authentication",
      ", used when only NTLM authenticated the server: workgroup hosts, IP addresses",
    ),
    allowSavedCredentials: spnListOf("Allow delegating saved credentials", ""),
    allowSavedCredentialsWhenNTLMOnly: spnListOf("Allow delegating saved credentials with NTLM-only server authentication", ""),
    allowDefaultCredentials: spnListOf("Allow delegating default credentials", ""),
    allowDefaultCredentialsWhenNTLMOnly: spnListOf(
      "Allow delegating default credentials with NTLM-only server authentication",
      " (stored as `AllowDefCredentialsWhenNTLMOnly`)",
    ),
    concatenateDefaults: z
      .boolean()
      .optional()
      .describe("Also allow Windows' built-in defaults for each managed list (`ConcatenateDefaults_*` = 1, or 0 when false). Default `true`."),
    exclusive: z
      .boolean()
      .optional()
      .describe(
        "`false` (default): own only this resource's entries. `true`: make each given list exactly what it says; " +
          "foreign entries are removed, recorded, and put back on delete.",
      ),
    encryptionOracle: z
      .enum(ORACLE_LEVELS)
      .optional()
      .describe(
        `\`AllowEncryptionOracle\` under \`…\\CredSSP\\Parameters\` (CVE-2018-0886 Encryption Oracle Remediation): ` +
          `${ORACLE_LEVELS.map((l) => `\`"${l}"\` (${ENCRYPTION_ORACLE_LEVELS[l]})`).join(", ")}. Takes effect after a reboot.`,
      ),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (!LIST_PROPERTY_NAMES.some((p) => v[p] !== undefined) && v.encryptionOracle === undefined) {
      ctx.addIssue({ code: "custom", path: ["allowFreshCredentials"], message: "nothing to manage: give at least one list or encryptionOracle" });
    }
  })
  .describe(
    "The Credentials Delegation policies (CredSsp.admx) of one host, list by list, and the CVE-2018-0886 " +
      "encryption-oracle level. A managed list gets its switch DWORD (= 1), its `ConcatenateDefaults_*` DWORD and its entries; " +
      "lists left out are not touched.",
  );

export const delegationPolicyOutputs = z.object({ ...COMMON_OUTPUTS });

type Inputs = z.infer<typeof delegationPolicySchema>;
const INPUT_KEYS = ["connection", ...LIST_PROPERTY_NAMES, "concatenateDefaults", "exclusive", "encryptionOracle"] as const;

export interface DelegationPolicyState extends Partial<Record<ListProperty, string[]>> {
  connection: Connection;
  concatenateDefaults: boolean;
  exclusive: boolean;
  encryptionOracle?: EncryptionOracleLevel;
  host: string;
  owned: {
    lists: Partial<Record<ListProperty, OwnedList>>;
    /** Registry keys touched: created, or what they held before (key-ownership.ts). */
    keys: OwnedKeys;
    /** Present when this resource changed AllowEncryptionOracle: the prior DWORD (null = absent). */
    encryptionOracle?: { previous: number | null };
  };
  lastApplied: string[];
  [key: string]: unknown;
}

export const delegationPolicyProvider = {
  async check(_olds: unknown, news: Record<string, unknown>) {
    return checkWith(delegationPolicySchema, news, (v: Inputs) => ({
      ...v,
      connection: withConnectionDefaults(v.connection),
      concatenateDefaults: v.concatenateDefaults ?? true,
      exclusive: v.exclusive ?? false,
    }));
  },

  async diff(_id: string, olds: DelegationPolicyState, news: Inputs) {
    return diffInputs(olds, news, INPUT_KEYS);
  },

  async create(inputs: Inputs) {
    const id = newId("DelegationPolicy", inputs.connection);
    const state = stateFrom(inputs, { lists: {}, keys: {} });
    await applyOrRecord(id, state, inputs, (s) => converge(s, undefined));
    return { id, outs: state };
  },

  async read(id: string, props: DelegationPolicyState) {
    return onHost(props.connection, async (op) => {
      const liveLists: Partial<Record<ListProperty, string[]>> = {};
      let anyPresent = false;
      for (const prop of LIST_PROPERTY_NAMES) {
        const wanted = props[prop];
        if (wanted === undefined) continue;
        op.working(LIST_PROPERTIES[prop]);
        const live = await readPolicy(op.api, LIST_PROPERTIES[prop]);
        liveLists[prop] = liveView(wanted, live, props.exclusive);
        if (live.listKeyExists || live.enabled !== undefined) anyPresent = true;
      }
      let encryptionOracle: EncryptionOracleLevel | undefined;
      if (props.encryptionOracle !== undefined) {
        op.working(ENCRYPTION_ORACLE_VALUE);
        const raw = await getEncryptionOracle(op.api);
        encryptionOracle = raw === undefined ? undefined : encryptionOracleLevelName(raw);
        if (raw !== undefined) anyPresent = true;
      }
      if (!anyPresent) return {}; // every key and value it manages was deleted out of band
      const inputs: Record<string, unknown> = {
        connection: props.connection,
        concatenateDefaults: props.concatenateDefaults,
        exclusive: props.exclusive,
        ...liveLists,
      };
      if (props.encryptionOracle !== undefined) inputs.encryptionOracle = encryptionOracle ?? null;
      return { id, props: { ...props, ...inputs }, inputs };
    });
  },

  async update(id: string, olds: DelegationPolicyState, news: Inputs) {
    const state = stateFrom(news, olds.owned ?? { lists: {}, keys: {} });
    await applyOrRecord(id, state, news, (s) => converge(s, olds));
    return { outs: state };
  },

  async delete(_id: string, props: DelegationPolicyState) {
    await onHost(
      props.connection,
      async (op) => {
        for (const owned of Object.values(props.owned?.lists ?? {})) {
          if (owned) await releaseList(op, owned);
        }
        const prior = props.owned?.encryptionOracle;
        if (prior !== undefined) {
          op.working(ORACLE_SETTING);
          await setEncryptionOracle(op.api, prior.previous);
        }
        await releaseKeys(op);
      },
      { keys: props.owned?.keys },
    );
  },
};

function stateFrom(inputs: Inputs, owned: DelegationPolicyState["owned"]): DelegationPolicyState {
  const state: DelegationPolicyState = {
    connection: inputs.connection,
    concatenateDefaults: inputs.concatenateDefaults ?? true,
    exclusive: inputs.exclusive ?? false,
    host: inputs.connection.host,
    owned: { ...owned, lists: { ...owned.lists }, keys: { ...(owned.keys ?? {}) } },
    lastApplied: [],
  };
  for (const prop of LIST_PROPERTY_NAMES) if (inputs[prop] !== undefined) state[prop] = inputs[prop];
  if (inputs.encryptionOracle !== undefined) state.encryptionOracle = inputs.encryptionOracle;
  return state;
}

async function converge(state: DelegationPolicyState, olds: DelegationPolicyState | undefined): Promise<void> {
  await onHost(
    state.connection,
    async (op) => {
      for (const prop of LIST_PROPERTY_NAMES) {
        const spns = state[prop];
        const existing = state.owned.lists[prop];
        if (spns === undefined) {
          // The list was dropped from the program: give back what we did to it.
          if (existing) {
            await releaseList(op, existing);
            delete state.owned.lists[prop];
          }
          continue;
        }
        const owned = existing ?? emptyOwnedList(LIST_PROPERTIES[prop]);
        state.owned.lists[prop] = owned;
        const want = { spns, concatenateDefaults: state.concatenateDefaults ? 1 : 0, exclusive: state.exclusive } as const;
        await applyList(op, owned, want, existing === undefined);
      }
      if (state.encryptionOracle !== undefined) {
        op.working(ORACLE_SETTING);
        await recordKey(op, ENCRYPTION_ORACLE_KEY);
        const level = ENCRYPTION_ORACLE_LEVELS[state.encryptionOracle];
        const result = await setEncryptionOracle(op.api, level);
        if (result.changed) {
          if (state.owned.encryptionOracle === undefined) state.owned.encryptionOracle = { previous: result.previous ?? null };
          op.changes.push(`${ENCRYPTION_ORACLE_VALUE}: ${result.previous ?? "absent"} -> ${level}`);
        }
      } else if (olds?.owned?.encryptionOracle !== undefined) {
        op.working(ORACLE_SETTING);
        await setEncryptionOracle(op.api, olds.owned.encryptionOracle.previous);
        delete state.owned.encryptionOracle;
      }
    },
    { changes: state.lastApplied, keys: state.owned.keys },
  );
}

/** The DelegationPolicy resource: see {@link DelegationPolicyArgs} (generated from the zod descriptions) for what it does and takes. */
export class DelegationPolicy extends pulumi.dynamic.Resource {
  declare public readonly allowFreshCredentials: pulumi.Output<string[] | undefined>;
  declare public readonly allowFreshCredentialsWhenNTLMOnly: pulumi.Output<string[] | undefined>;
  declare public readonly allowSavedCredentials: pulumi.Output<string[] | undefined>;
  declare public readonly allowSavedCredentialsWhenNTLMOnly: pulumi.Output<string[] | undefined>;
  declare public readonly allowDefaultCredentials: pulumi.Output<string[] | undefined>;
  declare public readonly allowDefaultCredentialsWhenNTLMOnly: pulumi.Output<string[] | undefined>;
  declare public readonly concatenateDefaults: pulumi.Output<boolean>;
  declare public readonly exclusive: pulumi.Output<boolean>;
  declare public readonly encryptionOracle: pulumi.Output<EncryptionOracleLevel | undefined>;
  declare public readonly host: pulumi.Output<string>;
  declare public readonly lastApplied: pulumi.Output<string[]>;

  constructor(name: string, args: DelegationPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = {
      connection: secretConnection(args.connection),
      concatenateDefaults: args.concatenateDefaults,
      exclusive: args.exclusive,
      encryptionOracle: args.encryptionOracle,
      host: undefined,
      owned: undefined,
      lastApplied: undefined,
    };
    for (const prop of LIST_PROPERTY_NAMES) props[prop] = args[prop];
    super(providerShim("DelegationPolicy"), name, props, opts, TYPE_MODULE, "DelegationPolicy");
    for (const prop of LIST_PROPERTY_NAMES) {
      warnEach(this, args[prop], (v) => (isIpAddress(spnHost(v)) ? ipDelegationWarning(prop, v) : undefined));
    }
  }
}
