// The registry of a remote host through WMI's StdRegProv, invoked over WS-Man.
// StdRegProv reports failure in ReturnValue (a Win32 code) rather than as a SOAP
// fault. "Not there" is an ordinary answer callers need: 2 (ERROR_FILE_NOT_FOUND) for a
// missing key, and, from the Get*Value methods, 1 for a value missing from a key that
// exists (docs/windows-facts.md). Every other non-zero code is an error. A value is read
// with the Get method of its type: REG_EXPAND_SZ only through GetExpandedStringValue,
// since GetStringValue answers it with WBEM_E_TYPE_MISMATCH.

import { InvalidArgumentError, RegistryError } from "./errors";
import type { RegistryInvokeInput, WsmanHostApi } from "./host-api";
import { HKLM, STDREGPROV_URI } from "./uris";
import { child, integer, text, toArray } from "./wsman-values";

/** StdRegProv value type codes (EnumValues `Types`) for the types this project reads. */
export const REG_SZ = 1;
export const REG_EXPAND_SZ = 2;
export const REG_DWORD = 4;
export const REG_MULTI_SZ = 7;

export interface RegistryValueInfo {
  name: string;
  /** StdRegProv type code (1 REG_SZ, 2 REG_EXPAND_SZ, 4 REG_DWORD, 7 REG_MULTI_SZ, …). */
  type: number;
}

/** ReturnValue for a missing key (ERROR_FILE_NOT_FOUND), from every method. */
const KEY_NOT_FOUND = 2;
/** ReturnValue of the Get*Value methods for a value missing from an existing key. */
const VALUE_NOT_FOUND = 1;
/** Codes meaning "no such key" (key operations) and "no such key or value" (value operations). */
const ABSENT_KEY: readonly number[] = [KEY_NOT_FOUND];
const ABSENT_VALUE: readonly number[] = [KEY_NOT_FOUND, VALUE_NOT_FOUND];

/** True for the error of a write into a key that does not exist (ReturnValue 2, ERROR_FILE_NOT_FOUND). */
function isMissingKeyError(err: unknown): boolean {
  const e = err as { code?: unknown; win32Code?: unknown } | null;
  return e?.code === "WINDOWS_REGISTRY" && e.win32Code === KEY_NOT_FOUND;
}

export class Registry {
  constructor(
    private readonly api: WsmanHostApi,
    /** hDefKey; HKLM unless a test or caller wants another hive. */
    private readonly hive: number = HKLM,
  ) {}

  /** Names of the subkeys, or undefined when the key does not exist. */
  async enumKey(key: string): Promise<string[] | undefined> {
    const out = await this.call("EnumKey", key, undefined, {});
    if (out === undefined) return undefined;
    return toArray(child(out, "sNames")).map((n) => text(n) ?? "").filter((n) => n.length > 0);
  }

  /** Names and types of the values, or undefined when the key does not exist. */
  async enumValues(key: string): Promise<RegistryValueInfo[] | undefined> {
    const out = await this.call("EnumValues", key, undefined, {});
    if (out === undefined) return undefined;
    const names = toArray(child(out, "sNames")).map((n) => text(n) ?? "");
    const types = toArray(child(out, "Types")).map((t) => integer(t) ?? 0);
    // An empty key may come back as an empty <sNames/> element (""), with no Types.
    if (types.length === 0) return [];
    return names.map((name, i) => ({ name, type: types[i] ?? 0 }));
  }

  /** True when the key exists. */
  async keyExists(key: string): Promise<boolean> {
    return (await this.enumKey(key)) !== undefined;
  }

  /** A REG_SZ value (undefined when absent). */
  async getString(key: string, valueName: string): Promise<string | undefined> {
    const out = await this.call("GetStringValue", key, valueName, { sValueName: valueName }, ABSENT_VALUE);
    return out === undefined ? undefined : text(child(out, "sValue")) ?? "";
  }

  /** A REG_EXPAND_SZ value as the host expands it (undefined when absent). */
  async getExpandedString(key: string, valueName: string): Promise<string | undefined> {
    const out = await this.call("GetExpandedStringValue", key, valueName, { sValueName: valueName }, ABSENT_VALUE);
    return out === undefined ? undefined : text(child(out, "sValue")) ?? "";
  }

  /** A REG_SZ or REG_EXPAND_SZ value, read with the method its type (an EnumValues code) needs. */
  async getText(key: string, valueName: string, type: number): Promise<string | undefined> {
    return type === REG_EXPAND_SZ ? this.getExpandedString(key, valueName) : this.getString(key, valueName);
  }

  async setString(key: string, valueName: string, value: string): Promise<void> {
    await this.mustCall("SetStringValue", key, valueName, { sValueName: valueName, sValue: value });
  }

  async getDword(key: string, valueName: string): Promise<number | undefined> {
    const out = await this.call("GetDWORDValue", key, valueName, { sValueName: valueName }, ABSENT_VALUE);
    if (out === undefined) return undefined;
    const value = integer(child(out, "uValue"));
    // ReturnValue 0 without a number would be a broken host; treat the value as absent rather than guess.
    return value;
  }

  async setDword(key: string, valueName: string, value: number): Promise<void> {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new InvalidArgumentError(`REG_DWORD ${valueName} must be an integer 0..4294967295, got ${value}`);
    }
    await this.mustCall("SetDWORDValue", key, valueName, { sValueName: valueName, uValue: value });
  }

  /** Sets a DWORD, creating its key only when the host says it is missing (one request when it exists). */
  async setDwordCreatingKey(key: string, valueName: string, value: number): Promise<void> {
    await this.creatingKeyIfMissing(key, () => this.setDword(key, valueName, value));
  }

  /** Sets a REG_SZ, creating its key only when the host says it is missing (one request when it exists). */
  async setStringCreatingKey(key: string, valueName: string, value: string): Promise<void> {
    await this.creatingKeyIfMissing(key, () => this.setString(key, valueName, value));
  }

  /** Runs a write; when the host answers that its key is missing, creates the key and writes once more. */
  private async creatingKeyIfMissing(key: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (!isMissingKeyError(err)) throw err;
      await this.createKey(key);
      await write();
    }
  }

  async getMultiString(key: string, valueName: string): Promise<string[] | undefined> {
    const out = await this.call("GetMultiStringValue", key, valueName, { sValueName: valueName }, ABSENT_VALUE);
    if (out === undefined) return undefined;
    return toArray(child(out, "sValue")).map((v) => text(v) ?? "");
  }

  async setMultiString(key: string, valueName: string, values: string[]): Promise<void> {
    await this.mustCall("SetMultiStringValue", key, valueName, { sValueName: valueName, sValue: values });
  }

  /** Creates the key and any missing parents; succeeds when it already exists. */
  async createKey(key: string): Promise<void> {
    await this.mustCall("CreateKey", key, undefined, {});
  }

  /** Deletes a key (StdRegProv refuses keys that still have subkeys). False when it did not exist. */
  async deleteKey(key: string): Promise<boolean> {
    return (await this.call("DeleteKey", key, undefined, {})) !== undefined;
  }

  /**
   * Deletes the key when it has no values and no subkeys; true when it did. Used to
   * take away keys this project created, without touching keys that hold anything.
   */
  async deleteKeyIfEmpty(key: string): Promise<boolean> {
    const values = await this.enumValues(key);
    if (values === undefined || values.length > 0) return false;
    const subkeys = await this.enumKey(key);
    if (subkeys === undefined || subkeys.length > 0) return false;
    return this.deleteKey(key);
  }

  /** Deletes one value. False when it (or its key) did not exist. */
  async deleteValue(key: string, valueName: string): Promise<boolean> {
    return (await this.call("DeleteValue", key, valueName, { sValueName: valueName }, ABSENT_VALUE)) !== undefined;
  }

  /** Invoke; undefined for an `absent` code, the output object for success, RegistryError otherwise. */
  private async call(
    method: string,
    key: string,
    valueName: string | undefined,
    extra: RegistryInvokeInput,
    absent: readonly number[] = ABSENT_KEY,
  ): Promise<unknown> {
    const out = await this.api.invoke(STDREGPROV_URI, method, {
      hDefKey: this.hive,
      sSubKeyName: key,
      ...extra,
    });
    const code = integer(child(out, "ReturnValue"));
    if (code === undefined) {
      throw new RegistryError(method, key, valueName, -1);
    }
    if (code === 0) return out;
    if (absent.includes(code)) return undefined;
    throw new RegistryError(method, key, valueName, code);
  }

  /** Like call, but "not found" is an error too (a write into a missing key). */
  private async mustCall(method: string, key: string, valueName: string | undefined, extra: RegistryInvokeInput): Promise<void> {
    const out = await this.call(method, key, valueName, extra);
    if (out === undefined) throw new RegistryError(method, key, valueName, KEY_NOT_FOUND);
  }
}
