// A typed, case-insensitive (but case-preserving) Windows registry, as WMI StdRegProv sees it:
// REG_SZ, REG_EXPAND_SZ (stored unexpanded), REG_DWORD and REG_MULTI_SZ.

import { randomUUID } from "node:crypto";

export type Hive = "HKCR" | "HKCU" | "HKLM" | "HKU" | "HKCC";
export const HIVES: Hive[] = ["HKCR", "HKCU", "HKLM", "HKU", "HKCC"];
export type RegType = "REG_SZ" | "REG_EXPAND_SZ" | "REG_DWORD" | "REG_MULTI_SZ";
export type RegValue =
  | { type: "REG_SZ" | "REG_EXPAND_SZ"; value: string }
  | { type: "REG_DWORD"; value: number }
  | { type: "REG_MULTI_SZ"; value: string[] };

/** JSON-serialisable key: `values` and `subkeys` keep the names as they were first written. */
export interface RegKey {
  values: Record<string, RegValue>;
  /**
   * Value names in creation order — the order Windows enumerates values in (a key's value
   * list grows at the end), which a JS object cannot keep for names like "1", "2".
   * Absent in state files from older simulators: the object's order stands in.
   */
  valueOrder?: string[];
  subkeys: Record<string, RegKey>;
}

export type RegistryData = Record<Hive, RegKey>;

const emptyKey = (): RegKey => ({ values: {}, subkeys: {} });

/** Keys a fresh Windows install has, so EnumKey on well-known paths is not empty-handed. */
export function defaultRegistry(): RegistryData {
  const data: RegistryData = { HKCR: emptyKey(), HKCU: emptyKey(), HKLM: emptyKey(), HKU: emptyKey(), HKCC: emptyKey() };
  const reg = new Registry(data, () => undefined);
  for (const k of [
    "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System",
    "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
    "SOFTWARE\\Policies\\Microsoft\\Windows",
    "SYSTEM\\CurrentControlSet\\Control\\Lsa",
    "SYSTEM\\CurrentControlSet\\Services\\WinRM",
  ]) {
    reg.createKey("HKLM", k);
  }
  reg.createKey("HKCU", "Software\\Microsoft");
  reg.set("HKLM", "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", "ProductName", "REG_SZ", "Windows Server 2022 Datacenter");
  reg.set("HKLM", "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", "CurrentBuildNumber", "REG_SZ", "20348");
  // Generated once per installation (Windows Setup); persisted with the rest of the state.
  reg.set("HKLM", "SOFTWARE\\Microsoft\\Cryptography", "MachineGuid", "REG_SZ", randomUUID());
  return data;
}

function findName<T>(rec: Record<string, T>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(rec).find((k) => k.toLowerCase() === lower);
}

function splitPath(path: string): string[] {
  return path.split("\\").filter((p) => p.length > 0);
}

export class Registry {
  /** @param onChange called after every mutation (persistence hook). */
  constructor(
    private readonly data: RegistryData,
    private readonly onChange: () => void,
  ) {}

  private findKey(hive: Hive, path: string): RegKey | undefined {
    let key: RegKey | undefined = this.data[hive];
    for (const part of splitPath(path)) {
      if (!key) return undefined;
      const name: string | undefined = findName(key.subkeys, part);
      key = name === undefined ? undefined : key.subkeys[name];
    }
    return key;
  }

  hasKey(hive: Hive, path: string): boolean {
    return this.findKey(hive, path) !== undefined;
  }

  get(hive: Hive, path: string, valueName: string): RegValue | undefined {
    const key = this.findKey(hive, path);
    if (!key) return undefined;
    const name = findName(key.values, valueName);
    if (name === undefined) return undefined;
    const v = key.values[name];
    return v.type === "REG_MULTI_SZ" ? { type: v.type, value: [...v.value] } : { ...v };
  }

  /** Create the key and any missing parents. Returns true when anything was created. */
  createKey(hive: Hive, path: string): boolean {
    let key = this.data[hive];
    let created = false;
    for (const part of splitPath(path)) {
      const name = findName(key.subkeys, part);
      if (name === undefined) {
        key.subkeys[part] = emptyKey();
        key = key.subkeys[part];
        created = true;
      } else {
        key = key.subkeys[name];
      }
    }
    if (created) this.onChange();
    return created;
  }

  /** Set a value, creating the key (and parents) when missing: the out-of-band API for tests and
   *  demos. StdRegProv checks the key exists first, as WMI does. */
  set(hive: Hive, path: string, valueName: string, type: RegType, value: string | number | string[]): void {
    let key = this.findKey(hive, path);
    if (!key) {
      this.createKey(hive, path);
      key = this.findKey(hive, path)!;
    }
    const existing = findName(key.values, valueName);
    const name = existing ?? valueName;
    if (existing === undefined) (key.valueOrder ??= Object.keys(key.values)).push(name);
    let stored: RegValue;
    if (type === "REG_DWORD") stored = { type, value: Number(value) >>> 0 };
    else if (type === "REG_MULTI_SZ") stored = { type, value: Array.isArray(value) ? [...value] : [String(value)] };
    else stored = { type, value: String(value) };
    key.values[name] = stored;
    this.onChange();
  }

  /** Returns false when the key or value is missing. */
  deleteValue(hive: Hive, path: string, valueName: string): boolean {
    const key = this.findKey(hive, path);
    const name = key ? findName(key.values, valueName) : undefined;
    if (!key || name === undefined) return false;
    delete key.values[name];
    if (key.valueOrder) {
      key.valueOrder = key.valueOrder.filter((n) => n !== name);
      if (key.valueOrder.length === 0) delete key.valueOrder; // an emptied key is as it was
    }
    this.onChange();
    return true;
  }

  /** Like RegDeleteKey: refuses a key that still has subkeys. */
  deleteKey(hive: Hive, path: string): "ok" | "missing" | "has-subkeys" {
    const parts = splitPath(path);
    if (parts.length === 0) return "has-subkeys";
    const parent = this.findKey(hive, parts.slice(0, -1).join("\\"));
    const name = parent ? findName(parent.subkeys, parts[parts.length - 1]) : undefined;
    if (!parent || name === undefined) return "missing";
    if (Object.keys(parent.subkeys[name].subkeys).length > 0) return "has-subkeys";
    delete parent.subkeys[name];
    this.onChange();
    return "ok";
  }

  enumKey(hive: Hive, path: string): string[] | undefined {
    const key = this.findKey(hive, path);
    return key ? Object.keys(key.subkeys) : undefined;
  }

  enumValues(hive: Hive, path: string): Array<{ name: string; type: RegType }> | undefined {
    const key = this.findKey(hive, path);
    if (!key) return undefined;
    const listed = (key.valueOrder ?? []).filter((n) => n in key.values);
    const names = [...listed, ...Object.keys(key.values).filter((n) => !listed.includes(n))];
    return names.map((name) => ({ name, type: key.values[name].type }));
  }

  toJSON(): RegistryData {
    return JSON.parse(JSON.stringify(this.data)) as RegistryData;
  }
}
