// A small in-memory stand-in for one Windows host, answering the three WinRMClient
// calls (contract C) the Windows layer uses, in contract C's plain-object shapes:
// text as strings, a single repeated element as a single value, ReturnValue as text.
// It exists so the Windows layer's own logic (numbering, verification, policy checks)
// can be tested without the network; tests/windows/integration.test.ts runs the same
// layer against the real simulator through the real client.

import { HKLM, STDREGPROV_URI, WSMAN_CONFIG_URI } from "../../../provider/src/windows";
import type { RegistryInvokeInput, WsmanHostApi, WsmanObject } from "../../../provider/src/windows";

type RegValue = { name: string; type: number; value: string | number | string[] };

export interface FakeCall {
  op: "get" | "put" | "invoke";
  uri: string;
  method?: string;
  body?: string;
  input?: RegistryInvokeInput;
}

export class FakeHost implements WsmanHostApi {
  clientCredSSP = "false";
  serviceCredSSP = "false";
  trustedHosts = "";
  readonly calls: FakeCall[] = [];
  /** Keys by lower-cased path (the registry is case-insensitive). */
  private readonly keys = new Map<string, Map<string, RegValue>>();
  /** When set, Puts and registry writes report success but change nothing. */
  dropWrites = false;
  /** When set, the next Put rejects with this error. */
  putError: unknown;
  /** Force a ReturnValue for a method (e.g. 5 = access denied). */
  returnValueFor: Record<string, number> = {};

  // ---- registry seeding/inspection for tests ----
  createKey(path: string): void {
    const parts = path.split("\\");
    for (let i = 1; i <= parts.length; i++) {
      const k = parts.slice(0, i).join("\\").toLowerCase();
      if (!this.keys.has(k)) this.keys.set(k, new Map());
    }
  }
  setValue(path: string, name: string, type: number, value: string | number | string[]): void {
    this.createKey(path);
    this.keys.get(path.toLowerCase())!.set(name.toLowerCase(), { name, type, value });
  }
  value(path: string, name: string): RegValue | undefined {
    return this.keys.get(path.toLowerCase())?.get(name.toLowerCase());
  }
  hasKey(path: string): boolean {
    return this.keys.has(path.toLowerCase());
  }
  valueNames(path: string): string[] {
    return [...(this.keys.get(path.toLowerCase())?.values() ?? [])].map((v) => v.name);
  }
  writes(): FakeCall[] {
    return this.calls.filter((c) => c.op === "put" || (c.op === "invoke" && /^(Set|Create|Delete)/.test(c.method ?? "")));
  }

  // ---- contract C ----
  async get(uri: string): Promise<WsmanObject> {
    this.calls.push({ op: "get", uri });
    if (uri === `${WSMAN_CONFIG_URI}/client/auth`) return this.auth(this.clientCredSSP, true);
    if (uri === `${WSMAN_CONFIG_URI}/service/auth`) return this.auth(this.serviceCredSSP, false);
    if (uri === `${WSMAN_CONFIG_URI}/client`) {
      return {
        NetworkDelayms: "5000",
        URLPrefix: "wsman",
        AllowUnencrypted: "false",
        Auth: this.auth(this.clientCredSSP, true),
        DefaultPorts: { HTTP: "5985", HTTPS: "5986" },
        TrustedHosts: this.trustedHosts,
      };
    }
    throw new Error(`fake host: no resource ${uri}`);
  }

  async put(uri: string, body: string): Promise<WsmanObject> {
    this.calls.push({ op: "put", uri, body });
    if (this.putError !== undefined) {
      const err = this.putError;
      this.putError = undefined;
      throw err;
    }
    const credssp = /<cfg:CredSSP>(.*?)<\/cfg:CredSSP>/.exec(body)?.[1];
    const trusted = /<cfg:TrustedHosts>(.*?)<\/cfg:TrustedHosts>/s.exec(body)?.[1];
    if (!this.dropWrites) {
      if (uri === `${WSMAN_CONFIG_URI}/client/auth` && credssp !== undefined) this.clientCredSSP = credssp;
      else if (uri === `${WSMAN_CONFIG_URI}/service/auth` && credssp !== undefined) this.serviceCredSSP = credssp;
      else if (uri === `${WSMAN_CONFIG_URI}/client` && trusted !== undefined) {
        this.trustedHosts = trusted.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
      } else throw new Error(`fake host: unexpected put ${uri} ${body}`);
    }
    return {};
  }

  async invoke(uri: string, method: string, input: RegistryInvokeInput): Promise<WsmanObject> {
    this.calls.push({ op: "invoke", uri, method, input });
    if (uri !== STDREGPROV_URI) throw new Error(`fake: ${uri}`);
    if (input.hDefKey !== HKLM) return { ReturnValue: "6" };
    const forced = this.returnValueFor[method];
    if (forced !== undefined) return { ReturnValue: String(forced) };
    const path = String(input.sSubKeyName);
    const key = this.keys.get(path.toLowerCase());
    const name = input.sValueName === undefined ? undefined : String(input.sValueName);
    const val = name === undefined ? undefined : key?.get(name.toLowerCase());
    // Contract C omits absent elements, so undefined fields are dropped rather than sent.
    const ok = (extra: Record<string, string | string[] | undefined> = {}): WsmanObject => {
      const out: WsmanObject = {};
      for (const [k, v] of Object.entries(extra)) if (v !== undefined) out[k] = v;
      out.ReturnValue = "0";
      return out;
    };
    // As StdRegProv answers: 2 for a missing key, 1 for a value missing from an existing key,
    // 2147749893 (WBEM_E_TYPE_MISMATCH) for a value read with the wrong Get method.
    const notFound: WsmanObject = { ReturnValue: "2" };
    const valueNotFound: WsmanObject = { ReturnValue: key ? "1" : "2" };
    const read = (type: number, out: () => WsmanObject): WsmanObject =>
      !val ? valueNotFound : val.type === type ? out() : { ReturnValue: "2147749893" };
    const single = (xs: string[]) => (xs.length === 0 ? undefined : xs.length === 1 ? xs[0] : xs);
    switch (method) {
      case "EnumKey": {
        if (!key) return notFound;
        const prefix = path.toLowerCase() + "\\";
        const subs = [...this.keys.keys()]
          .filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes("\\"))
          .map((k) => k.slice(prefix.length));
        return ok({ sNames: single(subs) });
      }
      case "EnumValues": {
        if (!key) return notFound;
        const vs = [...key.values()];
        return ok({ sNames: single(vs.map((v) => v.name)), Types: single(vs.map((v) => String(v.type))) });
      }
      case "GetStringValue":
        return read(1, () => ok({ sValue: String(val!.value) }));
      case "GetExpandedStringValue":
        return read(2, () => ok({ sValue: String(val!.value) }));
      case "GetDWORDValue":
        return read(4, () => ok({ uValue: String(val!.value) }));
      case "GetMultiStringValue":
        return read(7, () => ok({ sValue: single(val!.value as string[]) }));
      case "SetStringValue":
      case "SetDWORDValue":
      case "SetMultiStringValue": {
        if (!key) return notFound;
        const type = method === "SetStringValue" ? 1 : method === "SetDWORDValue" ? 4 : 7;
        const raw = type === 4 ? input.uValue : input.sValue;
        const value = type === 4 ? Number(raw) : type === 7 ? (Array.isArray(raw) ? raw.map(String) : raw === undefined ? [] : [String(raw)]) : String(raw);
        if (!this.dropWrites) key.set(name!.toLowerCase(), { name: name!, type, value });
        return ok();
      }
      case "CreateKey":
        if (!this.dropWrites) this.createKey(path);
        return ok();
      case "DeleteKey": {
        if (!key) return notFound;
        const prefix = path.toLowerCase() + "\\";
        if ([...this.keys.keys()].some((k) => k.startsWith(prefix))) return { ReturnValue: "5" };
        if (!this.dropWrites) this.keys.delete(path.toLowerCase());
        return ok();
      }
      case "DeleteValue":
        if (!val) return notFound;
        if (!this.dropWrites) key!.delete(name!.toLowerCase());
        return ok();
      default:
        return { ReturnValue: "1" };
    }
  }

  private auth(credssp: string, client: boolean): Record<string, string> {
    return client
      ? { Basic: "true", Digest: "true", Kerberos: "true", Negotiate: "true", Certificate: "true", CredSSP: credssp }
      : { Basic: "false", Kerberos: "true", Negotiate: "true", Certificate: "false", CredSSP: credssp, CbtHardeningLevel: "Relaxed" };
  }
}
