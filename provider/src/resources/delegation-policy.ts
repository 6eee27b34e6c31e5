// DelegationPolicy: the Credentials Delegation group policies (CredSsp.admx) as the
// registry holds them, plus the CVE-2018-0886 encryption-oracle level. Each list
// given is managed; lists left out are not touched. `exclusive: false` (default)
// declares only this resource's entries; `exclusive: true` makes each given list
// exactly what it says, less what other resources declare (foreign entries are
// removed, recorded in the host's ledger, and restored on delete).
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
import { COMMON_OUTPUTS, diffInputs, internalInputs, newId } from "./common";
import type { DelegationPolicyArgs } from "./args";
import { Connection, connectionSchema, onHost, withConnectionDefaults } from "./connection";
import { applyOrRecord, checkWith, providerShim, refuseImport, secretConnection, TYPE_MODULE, warnEach } from "./dynamic";
import { declareKey } from "./key-ownership";
import { HostLedger } from "./ledger";
import { ownedOf } from "./legacy-state";
import { applyList, liveView } from "./list-ownership";
import { newOwnerId, ownerLabel } from "./owner";
import { ledgerLists, othersWantPresent, Owned, withOwnership } from "./ownership";
import { release } from "./release";
import { ORACLE_SUBJECT, subjects } from "./subjects";
import { checked, spnAdvice, spnProblem, uniqueList } from "./validation";

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
        "Entries other resources also declare stay until the last of them is gone. As an output, the entries present live and in force.",
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
        "`false` (default): declare only this resource's entries. `true`: make each given list exactly what it says, less entries " +
          "other resources declare; foreign entries are removed, recorded, and put back on delete.",
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

type Inputs = z.infer<typeof delegationPolicySchema> & { __owner?: string };
const INPUT_KEYS = ["connection", ...LIST_PROPERTY_NAMES, "concatenateDefaults", "exclusive", "encryptionOracle"] as const;

export interface DelegationPolicyState extends Partial<Record<ListProperty, string[]>> {
  connection: Connection;
  concatenateDefaults: boolean;
  exclusive: boolean;
  encryptionOracle?: EncryptionOracleLevel;
  host: string;
  lastApplied: string[];
  /** The owner label the program passed (owner.ts). */
  __owner?: string;
  /** This resource's owner id and claims (ownership.ts); hidden from diffs. */
  __owned: Owned;
  [key: string]: unknown;
}

const KIND = "DelegationPolicy";

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
    const id = newId(KIND, inputs.connection);
    const state = stateFrom(inputs, { owner: newOwnerId(inputs.__owner, KIND), claims: {} });
    await applyOrRecord(id, state, inputs, (s) => converge(s));
    return { id, outs: state };
  },

  async read(id: string, props: DelegationPolicyState) {
    return onHost(props.connection, async (op) => {
      // An exclusive list shows what is in it, less the entries other resources declare.
      const ledger = props.exclusive && props.__owned?.owner ? await HostLedger.load(op.api, props.__owned.owner, op.hostKey) : undefined;
      const liveLists: Partial<Record<ListProperty, string[]>> = {};
      let anyPresent = false;
      // Windows adds its defaults to a list only when ConcatenateDefaults_* is 1 (absent
      // counts as 0): a managed list whose value says otherwise has drifted.
      const concat = props.concatenateDefaults ? 1 : 0;
      let concatDrifted = false;
      for (const prop of LIST_PROPERTY_NAMES) {
        const wanted = props[prop];
        if (wanted === undefined) continue;
        const policy = LIST_PROPERTIES[prop];
        op.working(policy);
        const live = await readPolicy(op.api, policy);
        const others = (spn: string) => (ledger ? othersWantPresent(ledger, subjects.entry(policy, spn)) : false);
        liveLists[prop] = liveView(wanted, live, props.exclusive, others);
        if (live.enabled === 1 || live.concatenateDefaults === concat || liveView(wanted, { ...live, enabled: 1 }, false).length > 0) anyPresent = true;
        if ((live.concatenateDefaults ?? 0) !== concat) concatDrifted = true;
      }
      let encryptionOracle: EncryptionOracleLevel | undefined;
      if (props.encryptionOracle !== undefined) {
        op.working(ENCRYPTION_ORACLE_VALUE);
        const raw = await getEncryptionOracle(op.api);
        encryptionOracle = raw === undefined ? undefined : encryptionOracleLevelName(raw);
        if (encryptionOracle === props.encryptionOracle) anyPresent = true;
      }
      // Gone only when nothing it declares is left and the host's ledger has no record of it.
      if (!anyPresent && !(await ledgerLists(op, props.__owned?.owner))) return {};
      const inputs: Record<string, unknown> = {
        connection: props.connection,
        concatenateDefaults: concatDrifted ? !props.concatenateDefaults : props.concatenateDefaults,
        exclusive: props.exclusive,
        ...liveLists,
      };
      if (props.encryptionOracle !== undefined) inputs.encryptionOracle = encryptionOracle ?? null;
      return { id, props: { ...props, ...inputs }, inputs: { ...inputs, ...internalInputs(props) } };
    }, { readOnly: true, reader: id });
  },

  async update(id: string, olds: DelegationPolicyState, news: Inputs) {
    const state = stateFrom(news, ownedOf(KIND, id, olds, news.__owner));
    await applyOrRecord(id, state, news, (s) => converge(s));
    return { outs: state };
  },

  async delete(id: string, props: DelegationPolicyState) {
    const owned = ownedOf(KIND, id, props, props.__owner);
    await withOwnership(props.connection, owned, [], (own) => release(own, own.mine()));
  },
};

function stateFrom(inputs: Inputs, owned: Owned): DelegationPolicyState {
  const state: DelegationPolicyState = {
    connection: inputs.connection,
    concatenateDefaults: inputs.concatenateDefaults ?? true,
    exclusive: inputs.exclusive ?? false,
    host: inputs.connection.host,
    lastApplied: [],
    __owner: inputs.__owner,
    __owned: owned,
  };
  for (const prop of LIST_PROPERTY_NAMES) if (inputs[prop] !== undefined) state[prop] = inputs[prop];
  if (inputs.encryptionOracle !== undefined) state.encryptionOracle = inputs.encryptionOracle;
  return state;
}

async function converge(state: DelegationPolicyState): Promise<void> {
  await withOwnership(state.connection, state.__owned, state.lastApplied, async (own) => {
    for (const prop of LIST_PROPERTY_NAMES) {
      const spns = state[prop];
      if (spns === undefined) continue; // a list left out (or dropped) is released below
      const want = { spns, concatenateDefaults: state.concatenateDefaults ? 1 : 0, exclusive: state.exclusive } as const;
      await applyList(own, LIST_PROPERTIES[prop], want);
    }
    if (state.encryptionOracle !== undefined) {
      const { op } = own;
      op.working(ORACLE_SETTING);
      await declareKey(own, ENCRYPTION_ORACLE_KEY);
      const level = ENCRYPTION_ORACLE_LEVELS[state.encryptionOracle];
      const live = await getEncryptionOracle(op.api);
      own.declare(ORACLE_SUBJECT, level, live === level ? { before: level, adopted: true } : { before: live ?? null });
      const result = await own.write(`${ENCRYPTION_ORACLE_VALUE}: ${live ?? "absent"} -> ${level}`, () => setEncryptionOracle(op.api, level));
      if (result.changed) op.changes.push(`${ENCRYPTION_ORACLE_VALUE}: ${result.previous ?? "absent"} -> ${level}`);
      if (result.previous !== live) {
        // Another process changed it between our read and this write: record what the write found.
        own.correct(ORACLE_SUBJECT, level, result.previous === level ? { before: level, adopted: true } : { before: result.previous ?? null });
      }
    }
    await release(own, own.undeclared());
  });
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
    refuseImport(KIND, name, opts);
    const props: Record<string, unknown> = {
      connection: secretConnection(args.connection),
      concatenateDefaults: args.concatenateDefaults,
      exclusive: args.exclusive,
      encryptionOracle: args.encryptionOracle,
      host: undefined,
      lastApplied: undefined,
      __owner: ownerLabel(KIND, name, opts),
      __owned: undefined,
    };
    for (const prop of LIST_PROPERTY_NAMES) props[prop] = args[prop];
    super(providerShim("DelegationPolicy"), name, props, opts, TYPE_MODULE, "DelegationPolicy");
    for (const prop of LIST_PROPERTY_NAMES) {
      warnEach(this, args[prop], (v) => spnAdvice(prop, v));
    }
  }
}
