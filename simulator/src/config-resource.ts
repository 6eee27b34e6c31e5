// WS-Transfer Get/Put on the WSMan configuration resources (winrm/config and its parts).
//
// A Get returns one root element named after the last path segment (Config, Client, Auth,
// DefaultPorts, Service, Winrs) in the resource URI's own namespace, prefix cfg, as in the
// recorded `Get winrm/config`. A Put takes a partial body of the same element and answers
// with the whole updated resource.

import type { Element as XmlElement } from "@xmldom/xmldom";
import type { ConfigTree } from "./config-schema";
import { elementChildren, escapeXml, FAULTS, FaultError, WsmanFault } from "./soap";
import type { SimState } from "./state";
import { StateError } from "./state";

export const CONFIG_URI = "http://schemas.microsoft.com/wbem/wsman/1/config";

/** Canonical resource paths: URI suffix → names in the config tree. */
const RESOURCES: Record<string, string[]> = {
  "": [],
  "/client": ["Client"],
  "/client/auth": ["Client", "Auth"],
  "/client/defaultports": ["Client", "DefaultPorts"],
  "/service": ["Service"],
  "/service/auth": ["Service", "Auth"],
  "/service/defaultports": ["Service", "DefaultPorts"],
  "/winrs": ["Winrs"],
};

/** Where a GPO takes CredSSP out of WSMan's hands (value AllowCredSSP under the role key). */
const POLICY_KEY = "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM";

export interface ConfigResource {
  /** Canonical URI, used as the root element's namespace. */
  uri: string;
  names: string[];
  rootName: string;
}

export function resolveConfigResource(resourceUri: string): ConfigResource | undefined {
  const lower = resourceUri.replace(/\/+$/, "").toLowerCase();
  if (!lower.startsWith(CONFIG_URI)) return undefined;
  const suffix = lower.slice(CONFIG_URI.length);
  const names = RESOURCES[suffix];
  if (!names) return undefined;
  return { uri: CONFIG_URI + suffix, names, rootName: names.length ? names[names.length - 1] : "Config" };
}

function policyValue(state: SimState, role: "Client" | "Service"): string | undefined {
  const v = state.registry.get("HKLM", `${POLICY_KEY}\\${role}`, "AllowCredSSP");
  if (!v) return undefined;
  if (v.type === "REG_DWORD") return v.value !== 0 ? "true" : "false";
  return undefined;
}

/** CredSSP of a role as WinRM applies it: the GPO value when one is set, else the WSMan setting. */
export function effectiveCredSsp(state: SimState, role: "Client" | "Service"): boolean {
  return (policyValue(state, role) ?? state.getConfig(`${role}/Auth/CredSSP`)) === "true";
}

function serialise(tree: ConfigTree, path: string[], state: SimState): string {
  let out = "";
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === "string") {
      // A GPO-controlled CredSSP shows the policy's value, marked Source="GPO" as winrm.cmd shows it.
      const role = path[0];
      if (k === "CredSSP" && path.length === 2 && path[1] === "Auth" && (role === "Client" || role === "Service")) {
        const pv = policyValue(state, role);
        if (pv !== undefined) {
          out += `<cfg:${k} Source="GPO">${pv}</cfg:${k}>`;
          continue;
        }
      }
      out += `<cfg:${k}>${escapeXml(v)}</cfg:${k}>`;
    } else {
      out += `<cfg:${k}>${serialise(v, [...path, k], state)}</cfg:${k}>`;
    }
  }
  return out;
}

/** The resource element as Windows returns it from Get (and Put). */
export function configGetBody(res: ConfigResource, state: SimState): string {
  const tree = state.configTree(res.names);
  return `<cfg:${res.rootName} xmlns:cfg="${res.uri}">${serialise(tree, res.names, state)}</cfg:${res.rootName}>`;
}

const invalidNamespace = (): WsmanFault => ({
  // ERROR_WSMAN_INVALID_XML_NAMESPACE (0x80338058)
  code: "s:Sender",
  subcode: "w:SchemaValidationError",
  reason:
    "The WS-Management service cannot identify the format of the object passed to a Put or Create method. The XML namespace for the input XML is invalid. Change the XML namespace for the input XML in the request. ",
  wsmanCode: 2150858840,
  message:
    "The WS-Management service cannot identify the format of the object passed to a Put or Create method. The XML namespace for the input XML is invalid. Change the XML namespace for the input XML in the request. ",
});

/** One setting named in a Put body. */
interface PutValue {
  path: string;
  value: string;
  /** Carries Source="GPO": the service's own annotation from a Get, echoed back (as Set-Item does). */
  fromPolicy: boolean;
}

/** Flatten a partial Put body into settings, rejecting anything the schema lacks. */
function collect(el: XmlElement, path: string[], tree: ConfigTree, out: PutValue[]): void {
  for (const child of elementChildren(el)) {
    const name = Object.keys(tree).find((k) => k.toLowerCase() === (child.localName ?? "").toLowerCase());
    if (!name) throw new FaultError(FAULTS.invalidXmlValue([...path, child.localName ?? "?"].join("/")));
    const node = tree[name];
    if (typeof node === "string") {
      if (elementChildren(child).length > 0) throw new FaultError(FAULTS.invalidXmlValue([...path, name].join("/")));
      out.push({ path: [...path, name].join("/"), value: child.textContent ?? "", fromPolicy: child.getAttribute("Source") === "GPO" });
    } else {
      collect(child, [...path, name], node, out);
    }
  }
}

/** Apply a Put; returns the updated resource element. Throws FaultError. */
export function configPut(res: ConfigResource, body: XmlElement | undefined, state: SimState): string {
  if (!body) throw new FaultError(FAULTS.invalidXmlValue(res.rootName));
  if ((body.namespaceURI ?? "").toLowerCase() !== res.uri.toLowerCase() || body.localName !== res.rootName) {
    throw new FaultError(invalidNamespace());
  }
  const named: PutValue[] = [];
  collect(body, res.names, state.configTree(res.names), named);
  // Naming a policy-controlled setting is refused (Enable-WSManCredSSP under a GPO), except
  // where the element carries the Source="GPO" this service put on it in a Get: Set-Item
  // sends the whole element it read back, and that echo is skipped, not written
  // (unverified choice; simulator/README.md).
  const changes: Array<[string, string]> = [];
  for (const { path, value, fromPolicy } of named) {
    const m = /^(Client|Service)\/Auth\/CredSSP$/.exec(path);
    if (m && policyValue(state, m[1] as "Client" | "Service") !== undefined) {
      if (fromPolicy) continue;
      throw new FaultError(FAULTS.gpoControlled());
    }
    changes.push([path, value]);
  }
  try {
    state.setConfigMany(changes);
  } catch (err) {
    if (err instanceof StateError) throw new FaultError(FAULTS.invalidXmlValue(err.setting ?? res.rootName));
    throw err;
  }
  return configGetBody(res, state);
}
