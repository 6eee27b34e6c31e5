// WMI root/default StdRegProv, reached through WS-Management Invoke (MS-WSMV 4.1.4).
//
// Request body: <p:METHOD_INPUT xmlns:p="<resource URI>"> with hDefKey, sSubKeyName, ...
// Response body: <p:METHOD_OUTPUT xmlns:p="<resource URI>"> with the out-parameters and
// ReturnValue: 0 ok; 2 (ERROR_FILE_NOT_FOUND) for a missing key; from the Get*Value
// methods, 1 for a value missing from an existing key; 5 access denied; 2147749893
// (WBEM_E_TYPE_MISMATCH) for a value read with the Get method of another type — a
// REG_EXPAND_SZ value is read only with GetExpandedStringValue, which expands the
// environment variables that are defined (sources: simulator/README.md).

import type { Element as XmlElement } from "@xmldom/xmldom";
import type { Hive, RegType } from "./registry";
import { elementChildren, escapeXml, FAULTS, FaultError, NS } from "./soap";
import type { SimState } from "./state";

export const STDREGPROV_URI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv";

const HDEFKEY: Record<number, Hive> = {
  0x80000000: "HKCR",
  0x80000001: "HKCU",
  0x80000002: "HKLM",
  0x80000003: "HKU",
  0x80000005: "HKCC",
};

const TYPE_CODE: Record<RegType, number> = { REG_SZ: 1, REG_EXPAND_SZ: 2, REG_DWORD: 4, REG_MULTI_SZ: 7 };

const OK = 0;
/** Get*Value: the key exists, the value does not. */
const VALUE_NOT_FOUND = 1;
const NOT_FOUND = 2;
const ACCESS_DENIED = 5;
const INVALID_HANDLE = 6;
/** WBEM_E_TYPE_MISMATCH: reading a value through the wrong Get*Value method. */
const TYPE_MISMATCH = 2147749893;

export const STDREGPROV_METHODS = [
  "EnumKey",
  "EnumValues",
  "GetStringValue",
  "SetStringValue",
  "GetExpandedStringValue",
  "SetExpandedStringValue",
  "GetDWORDValue",
  "SetDWORDValue",
  "GetMultiStringValue",
  "SetMultiStringValue",
  "CreateKey",
  "DeleteKey",
  "DeleteValue",
] as const;

type Params = Record<string, string[]>;
type Out = Array<[string, string | number]>;

function readParams(body: XmlElement | undefined): Params {
  const params: Params = {};
  if (!body) return params;
  for (const c of elementChildren(body)) {
    const nil = c.getAttributeNS(NS.xsi, "nil") === "true";
    (params[c.localName ?? ""] ??= []).push(nil ? "" : (c.textContent ?? ""));
  }
  return params;
}

/** The key and value a call names: hDefKey (HKLM when absent; its hive, when it is one), sSubKeyName, sValueName. */
function targetOf(p: Params): { hDefKey: string; hive: Hive | undefined; key: string; value: string | undefined } {
  const hDefKey = p.hDefKey?.[0] ?? String(0x80000002);
  return { hDefKey, hive: HDEFKEY[Number(hDefKey)], key: p.sSubKeyName?.[0] ?? "", value: p.sValueName?.[0] };
}

/** Which key and value a StdRegProv call names, for the request log (an unknown hDefKey as given). */
export function registryCallTarget(body: XmlElement | undefined): { hive: string; key: string; value?: string } {
  const t = targetOf(readParams(body));
  return { hive: t.hive ?? t.hDefKey, key: t.key, value: t.value };
}

/** Replaces %NAME% with the variable's value where it is defined (case-insensitive), as ExpandEnvironmentStrings does. */
function expand(value: string, environment: Record<string, string>): string {
  const vars = new Map(Object.entries(environment).map(([k, v]) => [k.toLowerCase(), v]));
  return value.replace(/%([^%]+)%/g, (whole, name: string) => vars.get(name.toLowerCase()) ?? whole);
}

const GET_TYPES: Record<string, RegType> = {
  GetStringValue: "REG_SZ",
  GetExpandedStringValue: "REG_EXPAND_SZ",
  GetDWORDValue: "REG_DWORD",
  GetMultiStringValue: "REG_MULTI_SZ",
};

/**
 * Run one StdRegProv method; returns the METHOD_OUTPUT element. Throws FaultError for
 * unknown methods. `environment` holds the system variables GetExpandedStringValue expands.
 */
export function invokeStdRegProv(
  method: string,
  body: XmlElement | undefined,
  state: SimState,
  environment: Record<string, string> = {},
): string {
  const known = STDREGPROV_METHODS.find((m) => m.toLowerCase() === method.toLowerCase());
  if (!known) throw new FaultError(FAULTS.actionNotSupported(`${STDREGPROV_URI}/${method}`));
  const p = readParams(body);
  const one = (name: string, fallback = "") => (p[name]?.[0] ?? fallback);
  const target = targetOf(p);
  const { hive, key } = target;
  const valueName = target.value ?? "";
  const reg = state.registry;
  const out: Out = [];
  let rv = OK;

  if (!hive) {
    rv = INVALID_HANDLE;
  } else {
    switch (known) {
      case "EnumKey": {
        const names = reg.enumKey(hive, key);
        if (!names) rv = NOT_FOUND;
        else for (const n of names) out.push(["sNames", n]);
        break;
      }
      case "EnumValues": {
        const vals = reg.enumValues(hive, key);
        if (!vals) rv = NOT_FOUND;
        else {
          for (const v of vals) out.push(["sNames", v.name]);
          for (const v of vals) out.push(["Types", TYPE_CODE[v.type]]);
        }
        break;
      }
      case "GetStringValue":
      case "GetExpandedStringValue":
      case "GetDWORDValue":
      case "GetMultiStringValue": {
        const v = reg.get(hive, key, valueName);
        if (!v) rv = reg.hasKey(hive, key) ? VALUE_NOT_FOUND : NOT_FOUND;
        else if (v.type !== GET_TYPES[known]) rv = TYPE_MISMATCH;
        else if (v.type === "REG_SZ") out.push(["sValue", v.value]);
        else if (v.type === "REG_EXPAND_SZ") out.push(["sValue", expand(v.value, environment)]);
        else if (v.type === "REG_DWORD") out.push(["uValue", v.value]);
        else for (const s of v.value) out.push(["sValue", s]);
        break;
      }
      case "SetStringValue":
      case "SetExpandedStringValue":
      case "SetDWORDValue":
      case "SetMultiStringValue": {
        if (!reg.hasKey(hive, key)) {
          rv = NOT_FOUND;
          break;
        }
        if (known === "SetStringValue") reg.set(hive, key, valueName, "REG_SZ", one("sValue"));
        else if (known === "SetExpandedStringValue") reg.set(hive, key, valueName, "REG_EXPAND_SZ", one("sValue"));
        else if (known === "SetDWORDValue") {
          const n = Number(one("uValue", "0"));
          if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new FaultError(FAULTS.invalidParameter());
          reg.set(hive, key, valueName, "REG_DWORD", n);
        } else reg.set(hive, key, valueName, "REG_MULTI_SZ", p["sValue"] ?? []);
        break;
      }
      case "CreateKey":
        reg.createKey(hive, key);
        break;
      case "DeleteKey": {
        const r = reg.deleteKey(hive, key);
        rv = r === "ok" ? OK : r === "missing" ? NOT_FOUND : ACCESS_DENIED;
        break;
      }
      case "DeleteValue":
        rv = reg.deleteValue(hive, key, valueName) ? OK : NOT_FOUND;
        break;
    }
  }
  out.push(["ReturnValue", rv]);
  const inner = out.map(([n, v]) => `<p:${n}>${escapeXml(String(v))}</p:${n}>`).join("");
  return `<p:${known}_OUTPUT xmlns:p="${STDREGPROV_URI}">${inner}</p:${known}_OUTPUT>`;
}
