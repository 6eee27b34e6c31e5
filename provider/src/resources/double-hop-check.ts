// DoubleHopCheck: proves the double hop, the way an admin checks it by hand. On `via`
// (the client computer) it runs PowerShell's Invoke-Command to `target` with
// -Authentication CredSSP, and there lists `path` — a UNC path on a third computer, which
// only works when the target holds the user's delegated credentials. Which link broke is
// read from PowerShell's own error records (windows/double-hop.ts); `fix` names the
// resource and property that mends it. Nothing it does changes a host: create, read and
// update run the check, delete does nothing.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkDoubleHop, DOUBLE_HOP_LINKS, DoubleHopLink, DoubleHopOutcome } from "../windows";
import type { DoubleHopCheckArgs } from "./args";
import { deepEqual, newId } from "./common";
import { Connection, connectionSchema, onHost, withConnectionDefaults } from "./connection";
import { checkWith, providerShim, secretConnection, TYPE_MODULE } from "./dynamic";
import { DoubleHopCheckFailed } from "./errors";
import { checked, hostProblem, uncPathProblem } from "./validation";

export const credentialSchema = z
  .object({
    user: z
      .string()
      .min(1, "user is required")
      .regex(/^[^\u0000-\u001f]*$/, "user holds a control character")
      .describe('The account whose credentials are delegated: `"CORP\\\\alice"`, `"alice@corp.example.com"` or a local `"alice"`.'),
    password: z.string().min(1, "password is required").describe("Its password. Always stored as a secret."),
  })
  .strict()
  .describe("The credentials the check delegates (`Invoke-Command -Credential`). The password is a secret.");

export const doubleHopCheckSchema = z
  .object({
    via: connectionSchema.describe("How to reach the client computer (e.g. ws01) over WinRM; the check runs there, as PowerShell."),
    target: checked(hostProblem).describe(
      "The computer `via` remotes into (`Invoke-Command -ComputerName`), as users type it: the delegation policies match `WSMAN/<target>`.",
    ),
    targetPort: z
      .number()
      .int("targetPort must be a whole number")
      .min(1, "targetPort must be 1-65535")
      .max(65535, "targetPort must be 1-65535")
      .optional()
      .describe("`-Port` of the Invoke-Command. Default: WinRM's, 5985 (HTTP) or 5986 (HTTPS)."),
    https: z.boolean().optional().describe("`-UseSSL`: reach the target over HTTPS (then TrustedHosts does not apply). Default `false`."),
    credential: credentialSchema,
    path: checked(uncPathProblem).describe(
      "The second hop: a UNC path the target lists with the delegated credentials, e.g. `\\\\fs01.corp.example.com\\share`.",
    ),
    expect: z
      .enum(["works", "fails"])
      .optional()
      .describe(
        '`"works"` (default): a failing hop fails the deployment, naming the link. `"fails"`: the deployment fails if the hop works ' +
          "(to prove credentials are NOT delegated).",
      ),
    /** Set by check from `expect`; read reports the live result here, so a breaking hop is drift on `works`. */
    works: z.boolean().optional(),
  })
  .strict()
  .describe(
    "Proves the PowerShell double hop: on `via` it runs `Invoke-Command -ComputerName <target> -Authentication CredSSP -Credential … " +
      "{ Get-ChildItem <path> }`, as an admin would by hand, and names the link that broke. Changes nothing on any host; " +
      "`pulumi refresh` (or `preview --refresh`) re-runs it, so a hop that stopped working shows as drift on `works`.",
  );

const LINK_LIST = DOUBLE_HOP_LINKS.map((l) => `\`${l}\``).join(", ");

export const doubleHopCheckOutputs = z.object({
  host: z.string().describe("The computer the check runs on (`via.host`)."),
  works: z.boolean().describe("Whether the target listed `path` with the delegated credentials, at the last create, update or refresh."),
  failingLink: z
    .enum(DOUBLE_HOP_LINKS)
    .optional()
    .describe(`When it fails, which link broke: ${LINK_LIST}.`),
  message: z.string().describe("Windows' own text for the failure (the PowerShell error record's message), or what the check listed."),
  fix: z.string().optional().describe("When it fails, the resource and property that fixes the link."),
});

type Inputs = z.infer<typeof doubleHopCheckSchema>;
type Credential = z.infer<typeof credentialSchema>;

export interface DoubleHopCheckState {
  via: Connection;
  target: string;
  targetPort?: number;
  https: boolean;
  credential: Credential;
  path: string;
  expect: "works" | "fails";
  host: string;
  works: boolean;
  failingLink?: DoubleHopLink;
  message: string;
  fix?: string;
  [key: string]: unknown;
}

const INPUT_KEYS = ["via", "target", "targetPort", "https", "credential", "path", "expect", "works"] as const;

/**
 * What fixes each link, for these inputs: a resource and its property wherever one does.
 * `via` is named as the computer calls itself when it said (`hostname`), with the
 * connection's host beside it when that differs.
 */
export function fixFor(link: DoubleHopLink, s: Pick<DoubleHopCheckState, "via" | "target" | "https" | "targetPort" | "credential" | "path">, outcome?: Pick<DoubleHopOutcome, "policy" | "client">): string {
  const via = outcome?.client && outcome.client.toLowerCase() !== s.via.host.toLowerCase() ? `${outcome.client} (connection.host "${s.via.host}")` : s.via.host;
  const spn = `WSMAN/${s.target}`;
  switch (link) {
    case "client-credssp-disabled":
      return `CredSSPClient on ${via} with delegateComputers: ["${s.target}"]: it sets Client/Auth/CredSSP = true, as Enable-WSManCredSSP -Role Client does.`;
    case "trusted-hosts":
      return `TrustedHosts on ${via} with hosts: ["${s.target}"] — off-domain, WinRM over HTTP only talks to listed hosts — or https: true on this check.`;
    case "delegation-policy":
      return outcome?.policy === "AllowFreshCredentials"
        ? `DelegationPolicy on ${via} with allowFreshCredentials: ["${spn}"] (Kerberos authenticated ${s.target}), or CredSSPClient delegateComputers: ["${s.target}"].`
        : `DelegationPolicy on ${via} with allowFreshCredentialsWhenNTLMOnly: ["${spn}"]: only NTLM can authenticate ${s.target} (no Kerberos: off-domain, or an IP address), and that needs the NTLM-only policy.`;
    case "encryption-oracle":
      return (
        `${s.target}'s CredSSP predates the CVE-2018-0886 update (May 2018): install it on ${s.target}. ` +
        `Only until then: DelegationPolicy on ${via} with encryptionOracle: "vulnerable" lets ${via} fall back (it exposes ${s.target} to the attack).`
      );
    case "server-credssp-disabled":
      return `CredSSPServer on ${s.target}: it sets Service/Auth/CredSSP = true, as Enable-WSManCredSSP -Role Server does.`;
    case "second-hop-denied":
      return (
        `CredSSP works and ${s.target} holds the delegated credentials, but the file server refused them for ${s.path}: ` +
        `${s.credential.user} needs an account the file server accepts (same password) and access to the share. Not a CredSSP setting.`
      );
    case "target-unreachable":
      return (
        `${via} cannot reach WinRM on ${s.target}${s.targetPort ? `:${s.targetPort}` : ""} over ${s.https ? "HTTPS" : "HTTP"}: ` +
        `check the name, targetPort and https on this check, and that ${s.target} listens (Enable-PSRemoting; firewall 5985/5986).`
      );
    case "other":
      return "Not one of the CredSSP links: see message (e.g. the credential's password is wrong, or the path does not exist).";
  }
}

/** Runs the check on `via`; outputs with the password redacted from every text. */
async function runCheck(inputs: Inputs | DoubleHopCheckState): Promise<Pick<DoubleHopCheckState, "works" | "failingLink" | "message" | "fix">> {
  const via = inputs.via;
  const outcome = await onHost(via, (op) => {
    op.working(`PowerShell double-hop check (Invoke-Command to ${inputs.target} with CredSSP, then ${inputs.path})`);
    return checkDoubleHop(op.shell, {
      target: inputs.target,
      targetPort: inputs.targetPort,
      https: inputs.https ?? false,
      user: inputs.credential.user,
      password: inputs.credential.password,
      path: inputs.path,
    });
  });
  const redact = (s: string) => s.split(inputs.credential.password).join("********");
  if (outcome.works) {
    return { works: true, failingLink: undefined, fix: undefined, message: `${inputs.target} listed ${inputs.path} with the delegated credentials of ${inputs.credential.user}` };
  }
  const link = outcome.failingLink ?? "other";
  return { works: false, failingLink: link, message: redact(outcome.message), fix: fixFor(link, { ...inputs, https: inputs.https ?? false }, outcome) };
}

function stateFrom(inputs: Inputs, result: Awaited<ReturnType<typeof runCheck>>): DoubleHopCheckState {
  const state: DoubleHopCheckState = {
    via: inputs.via,
    target: inputs.target,
    https: inputs.https ?? false,
    credential: inputs.credential,
    path: inputs.path,
    expect: inputs.expect ?? "works",
    host: inputs.via.host,
    ...result,
  };
  if (inputs.targetPort !== undefined) state.targetPort = inputs.targetPort;
  // Pulumi state cannot hold undefined: absent means "not failing".
  for (const k of ["failingLink", "fix"] as const) if (state[k] === undefined) delete state[k];
  return state;
}

/** Creates and updates both run the check and hold the deployment to `expect`. */
async function runExpecting(inputs: Inputs): Promise<DoubleHopCheckState> {
  const state = stateFrom(inputs, await runCheck(inputs));
  if (state.works !== (state.expect === "works")) throw new DoubleHopCheckFailed(state);
  return state;
}

function userInputs(s: DoubleHopCheckState): Record<string, unknown> {
  const inputs: Record<string, unknown> = { via: s.via, target: s.target, https: s.https, credential: s.credential, path: s.path, expect: s.expect };
  if (s.targetPort !== undefined) inputs.targetPort = s.targetPort;
  return inputs;
}

export const doubleHopCheckProvider = {
  async check(_olds: unknown, news: Record<string, unknown>) {
    return checkWith(doubleHopCheckSchema, news, (v: Inputs) => ({
      ...v,
      via: withConnectionDefaults(v.via),
      https: v.https ?? false,
      expect: v.expect ?? "works",
      works: (v.expect ?? "works") === "works",
    }));
  },

  async diff(_id: string, olds: DoubleHopCheckState, news: Inputs) {
    // A check owns nothing (no ownership record, nothing to migrate), so nothing ever
    // needs replacing: any changed input — or `works` drifting — re-runs it in place.
    const changed = INPUT_KEYS.filter((k) => !deepEqual(olds[k] ?? null, (news as Record<string, unknown>)[k] ?? null));
    return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
  },

  async create(inputs: Inputs) {
    const id = newId("DoubleHopCheck", inputs.via);
    return { id, outs: await runExpecting(inputs) };
  },

  async read(id: string, props: DoubleHopCheckState) {
    const live = { ...props, ...(await runCheck(props)) };
    for (const k of ["failingLink", "fix"] as const) if (live[k] === undefined) delete live[k];
    return { id, props: live, inputs: { ...userInputs(props), works: live.works } };
  },

  async update(_id: string, _olds: DoubleHopCheckState, news: Inputs) {
    return { outs: await runExpecting(news) };
  },

  async delete() {
    // Nothing to undo: the check never changed a host.
  },
};

/** Marks the credential's password secret before it reaches state. */
function secretCredential(c: pulumi.Input<DoubleHopCheckArgs["credential"] extends pulumi.Input<infer C> ? C : never>) {
  if (pulumi.Output.isInstance(c)) return c.apply((v) => ({ ...v, password: pulumi.secret(v.password) }));
  const plain = c as { user: pulumi.Input<string>; password: pulumi.Input<string> };
  return { ...plain, password: pulumi.secret(plain.password) };
}

/** The DoubleHopCheck resource: see {@link DoubleHopCheckArgs} (generated from the zod descriptions) for what it does and takes. */
export class DoubleHopCheck extends pulumi.dynamic.Resource {
  declare public readonly works: pulumi.Output<boolean>;
  declare public readonly failingLink: pulumi.Output<DoubleHopLink | undefined>;
  declare public readonly message: pulumi.Output<string>;
  declare public readonly fix: pulumi.Output<string | undefined>;
  declare public readonly host: pulumi.Output<string>;

  constructor(name: string, args: DoubleHopCheckArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("DoubleHopCheck"),
      name,
      {
        ...args,
        via: secretConnection(args.via),
        credential: secretCredential(args.credential),
        works: undefined,
        failingLink: undefined,
        message: undefined,
        fix: undefined,
        host: undefined,
      },
      opts,
      TYPE_MODULE,
      "DoubleHopCheck",
    );
  }
}
