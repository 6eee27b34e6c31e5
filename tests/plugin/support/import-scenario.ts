// What the import tests adopt: the double hop an admin set up by hand on two simulated
// hosts (Enable-WSManCredSSP on both, the NTLM-only delegation list, TrustedHosts),
// and the import ID of each of the four resource types that names a part of it.
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { execFile } from "node:child_process";
import { CREDENTIALS_DELEGATION_KEY } from "../../../provider/src/windows";
import { REPO_ROOT } from "../../../scripts/engine";
import { ADMIN, FleetHost } from "../../../testkit/fleet";
import { oob } from "../../../testkit/out-of-band";
import type { PluginEngine } from "../../../testkit/plugin";

export const WS01 = "ws01.corp.test";
export const SRV01 = "srv01.corp.test";

const run = promisify(execFile);

/** What Enable-WSManCredSSP (both roles), gpedit's NTLM-only list and Set-Item TrustedHosts leave. */
export async function setUpByHand(ws01: FleetHost, srv01: FleetHost): Promise<void> {
  await oob(srv01).setConfig("service/auth", "CredSSP", "true");
  const ws = oob(ws01);
  await ws.setConfig("client/auth", "CredSSP", "true");
  for (const [list, suffix, spn] of [
    ["AllowFreshCredentials", "AllowFresh", `wsman/${SRV01}`],
    ["AllowFreshCredentialsWhenNTLMOnly", "AllowFreshNTLMOnly", `WSMAN/${SRV01}`],
  ]) {
    await ws.setDword(CREDENTIALS_DELEGATION_KEY, list, 1);
    await ws.setDword(CREDENTIALS_DELEGATION_KEY, `ConcatenateDefaults_${suffix}`, 1);
    await ws.setString(`${CREDENTIALS_DELEGATION_KEY}\\${list}`, "1", spn);
  }
  await ws.setConfig("client", "TrustedHosts", SRV01);
}

export interface ImportSpec {
  type: string;
  name: string;
  id: string;
}

/** One import per resource type, each naming what setUpByHand put there. */
export function importsOf(ws01: FleetHost, srv01: FleetHost): ImportSpec[] {
  const ws = `127.0.0.1:${ws01.port}`;
  return [
    { type: "credssp:index:CredSSPServer", name: "srv01-accepts-credssp", id: `127.0.0.1:${srv01.port}` },
    { type: "credssp:index:CredSSPClient", name: "ws01-offers-credssp", id: `${ws}/${SRV01}` },
    { type: "credssp:index:DelegationPolicy", name: "ws01-may-delegate", id: `${ws}/allowFreshCredentialsWhenNTLMOnly=WSMAN/${SRV01}` },
    { type: "credssp:index:TrustedHosts", name: "ws01-trusts-srv01", id: `${ws}/${SRV01}` },
  ];
}

/** `npm run -s pulumi -- <args> --cwd <dir>` with the engine's environment. */
export function pulumiIn(engine: PluginEngine, dir: string, args: string[]) {
  return run("npm", ["run", "-s", "pulumi", "--", ...args, "--cwd", dir], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...engine.env },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** A project folder of `runtime` with a stack "dev" whose provider config holds the credentials. */
export async function newProject(engine: PluginEngine, name: string, runtime: string, extra = ""): Promise<string> {
  const dir = path.join(engine.workDir, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${name}\nruntime: ${runtime}\n${extra}`);
  await pulumiIn(engine, dir, ["stack", "init", "dev"]);
  await pulumiIn(engine, dir, ["config", "set", "credssp:user", ADMIN.name]);
  await pulumiIn(engine, dir, ["config", "set", "--secret", "credssp:password", ADMIN.password]);
  return dir;
}

/** The steps of `pulumi preview --json` that change something (a refresh that found drift counts), for our resources. */
export function changedSteps(previewJson: string): Array<{ name: string; op: string; diffs: string[] }> {
  const doc = JSON.parse(previewJson) as { steps: Array<{ op: string; urn: string; diffs?: string[] }> };
  return doc.steps
    .filter((s) => !["same", "read"].includes(s.op) && !(s.op === "refresh" && (s.diffs ?? []).length === 0) && !s.urn.includes("::pulumi:"))
    .map((s) => ({ name: s.urn.split("::").pop()!, op: s.op, diffs: s.diffs ?? [] }));
}
