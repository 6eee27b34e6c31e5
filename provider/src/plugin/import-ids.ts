// The IDs `pulumi import credssp:index:<Type> <name> <id>` takes: which host (and
// port), and for the list resources which entries to adopt. Parsing yields the
// resource's own inputs; whether they are valid is `check`'s call, as for a program.
import { LIST_PROPERTY_NAMES } from "../resources/delegation-policy";
import { ImportIdError } from "./errors";
import type { PropertyMap } from "./values";

export { IMPORT_ID_FORMATS } from "./import-id-formats";
export type { ImportIdFormat } from "./import-id-formats";

/** `host`, `host:port`, `[v6]` or `[v6]:port` → the connection's host and port. */
function hostAndPort(kind: string, id: string, text: string): { host: string; port?: number } {
  const m = /^(?:\[([^\]]+)\]|([^:/\s]+))(?::(\d{1,5}))?$/.exec(text);
  if (!m) throw new ImportIdError(kind, id, `"${text}" is not a host or host:port`);
  const host = m[1] ?? m[2];
  if (m[3] === undefined) return { host };
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new ImportIdError(kind, id, `port ${m[3]} is out of range`);
  return { host, port };
}

function entries(kind: string, id: string, text: string, what: string): string[] {
  const list = text.split(",").map((s) => s.trim());
  if (list.some((s) => s === "")) throw new ImportIdError(kind, id, `an empty ${what} in "${text}"`);
  return list;
}

/** The inputs an import ID names: the connection's host and port, and the entries to adopt. */
export function parseImportId(kind: string, id: string): PropertyMap {
  const slash = id.indexOf("/");
  const target = slash < 0 ? id : id.slice(0, slash);
  const rest = slash < 0 ? undefined : id.slice(slash + 1);
  const connection = hostAndPort(kind, id, target);
  switch (kind) {
    case "CredSSPServer":
      if (rest !== undefined) throw new ImportIdError(kind, id, "nothing may follow the host");
      return { connection };
    case "CredSSPClient":
    case "TrustedHosts": {
      const what = kind === "CredSSPClient" ? "computer" : "entry";
      if (!rest) throw new ImportIdError(kind, id, `no ${what} after "/"`);
      return { connection, [kind === "CredSSPClient" ? "delegateComputers" : "hosts"]: entries(kind, id, rest, what) };
    }
    case "DelegationPolicy": {
      if (!rest) throw new ImportIdError(kind, id, 'no "<list>=<spn>" after "/"');
      const inputs: PropertyMap = { connection };
      for (const part of rest.split(";")) {
        const eq = part.indexOf("=");
        const list = eq < 0 ? part : part.slice(0, eq);
        if (!(LIST_PROPERTY_NAMES as string[]).includes(list)) {
          throw new ImportIdError(kind, id, `"${list}" is not a list; the lists are ${LIST_PROPERTY_NAMES.join(", ")}`);
        }
        if (eq < 0) throw new ImportIdError(kind, id, `no "=" after ${list}`);
        if (inputs[list] !== undefined) throw new ImportIdError(kind, id, `${list} is given twice`);
        inputs[list] = entries(kind, id, part.slice(eq + 1), "SPN");
      }
      return inputs;
    }
    default:
      throw new ImportIdError(kind, id, "this resource cannot be imported");
  }
}
