// One operation's view of a host: what it has read, remembered until something it
// writes could change it. An operation reads the same things several times — a
// resource reads a list to decide, then the write reads it again to number a new
// entry; a flag is read before its Put and by the Put's helper — and on a real
// network every one of those is a round trip. So within one operation:
//   - a WS-Transfer Get is answered from the last Get of that URI, and every WSMan
//     config resource from one Get of the whole config;
//   - a StdRegProv read (EnumKey, EnumValues, Get*Value) from the last identical call;
//   - a write forgets exactly what it can change, so the read-back after a write
//     still goes to the host: verification is never answered from memory.
// The view lives for one operation only (onHost makes one each time): the next
// operation, from this process or any other, sees the host afresh. The ownership
// ledger's value is never remembered: its commit re-reads it on purpose to see other
// writers (resources/ledger.ts).
import type { RegistryInvokeInput, WsmanHostApi, WsmanObject } from "./host-api";
import { LEDGER_KEY, STDREGPROV_URI, WSMAN_CONFIG_URI } from "./uris";

/** StdRegProv methods that only read. */
const REGISTRY_READS = new Set([
  "EnumKey",
  "EnumValues",
  "GetStringValue",
  "GetExpandedStringValue",
  "GetDWORDValue",
  "GetQWORDValue",
  "GetMultiStringValue",
  "GetBinaryValue",
]);
/** StdRegProv methods that write one value (they change that value and the key's EnumValues). */
const REGISTRY_VALUE_WRITES = new Set([
  "SetStringValue",
  "SetExpandedStringValue",
  "SetDWORDValue",
  "SetQWORDValue",
  "SetMultiStringValue",
  "SetBinaryValue",
  "DeleteValue",
]);

interface RegistryRead {
  method: string;
  hive: string;
  /** The key, case-folded (the registry's names are case-insensitive). */
  key: string;
  /** The value name, case-folded; "" for key-level reads. */
  value: string;
  reply: Promise<WsmanObject>;
}

const fold = (s: unknown): string => String(s ?? "").toLowerCase();
/** True when `key` is `base` or lies under it. */
const within = (key: string, base: string): boolean => key === base || key.startsWith(`${base}\\`);

/** The element at `path` (config URI segments, case-insensitive) inside a Get of the config root. */
function inside(config: WsmanObject, path: string[]): WsmanObject | undefined {
  let at: WsmanObject = config;
  for (const segment of path) {
    const key = Object.keys(at).find((k) => k.toLowerCase() === segment);
    const next = key === undefined ? undefined : at[key];
    if (next === null || next === undefined || typeof next !== "object" || Array.isArray(next)) return undefined;
    at = next;
  }
  return at;
}

export class OperationView implements WsmanHostApi {
  private readonly gets = new Map<string, Promise<WsmanObject>>();
  private readonly registry = new Map<string, RegistryRead>();
  /** Requests this view answered without the host (for tests). */
  saved = 0;

  constructor(private readonly host: WsmanHostApi) {}

  get(resourceUri: string, selectors?: Record<string, string>): Promise<WsmanObject> {
    if (selectors !== undefined) return this.host.get(resourceUri, selectors);
    const uri = fold(resourceUri);
    const known = this.gets.get(uri);
    if (known) {
      this.saved++;
      return known;
    }
    const root = fold(WSMAN_CONFIG_URI);
    // One Get of the whole WSMan config answers for every config resource inside it
    // (Client, Client/Auth, Service/Auth: the same elements, nested): the first config
    // read of an operation fetches it, later ones are answered from it.
    const reply = uri.startsWith(`${root}/`)
      ? this.get(WSMAN_CONFIG_URI).then((config) => inside(config, uri.slice(root.length + 1).split("/")) ?? this.host.get(resourceUri))
      : this.host.get(resourceUri);
    this.gets.set(uri, reply);
    reply.catch(() => this.gets.delete(uri)); // a failed read is tried again next time
    return reply;
  }

  async put(resourceUri: string, body: string, selectors?: Record<string, string>): Promise<WsmanObject> {
    // A Put of …/config/client changes …/config/client/auth's view and …/config's, and the other way round.
    const uri = fold(resourceUri);
    for (const known of [...this.gets.keys()]) {
      if (known.startsWith(uri) || uri.startsWith(known)) this.gets.delete(known);
    }
    return this.host.put(resourceUri, body, selectors);
  }

  invoke(resourceUri: string, method: string, input: RegistryInvokeInput, selectors?: Record<string, string>): Promise<WsmanObject> {
    if (fold(resourceUri) !== fold(STDREGPROV_URI) || selectors !== undefined) return this.host.invoke(resourceUri, method, input, selectors);
    const hive = String(input.hDefKey ?? "");
    const key = fold(input.sSubKeyName);
    const value = fold(input.sValueName);
    if (within(key, fold(LEDGER_KEY))) return this.host.invoke(resourceUri, method, input);
    if (REGISTRY_READS.has(method)) {
      const id = `${method}|${hive}|${key}|${value}`;
      const known = this.registry.get(id);
      if (known) {
        this.saved++;
        return known.reply;
      }
      const reply = this.host.invoke(resourceUri, method, input);
      this.registry.set(id, { method, hive, key, value, reply });
      reply.catch(() => this.registry.delete(id));
      return reply;
    }
    this.forget(method, hive, key, value);
    return this.host.invoke(resourceUri, method, input);
  }

  /** Drops every remembered read a write can change. */
  private forget(method: string, hive: string, key: string, value: string): void {
    for (const [id, read] of this.registry) {
      if (read.hive !== hive) continue;
      let stale: boolean;
      if (REGISTRY_VALUE_WRITES.has(method)) {
        stale = read.key === key && (read.method === "EnumValues" || read.value === value);
      } else {
        // CreateKey, DeleteKey, or a method this view does not know: everything at or
        // under the key, and the subkey lists of its ancestors (a created parent chain).
        stale = within(read.key, key) || (read.method === "EnumKey" && within(key, read.key));
      }
      if (stale) this.registry.delete(id);
    }
  }
}
