import { HKLM, InvalidArgumentError, Registry, RegistryError, STDREGPROV_URI } from "../../provider/src/windows";
import { FakeHost } from "./support/fake-host";
import type { RegistryInvokeInput, WsmanObject, WsmanHostApi } from "../../provider/src/windows";

/** A host API that answers every invoke with a canned output and records the calls. */
function canned(output: WsmanObject) {
  const calls: Array<{ uri: string; method: string; input: RegistryInvokeInput }> = [];
  const api: WsmanHostApi = {
    get: async () => ({}),
    put: async () => ({}),
    invoke: async (uri, method, input) => {
      calls.push({ uri, method, input });
      return output;
    },
  };
  return { api, calls };
}

describe("Registry over StdRegProv", () => {
  test("sends hDefKey=HKLM, the subkey and value name to the StdRegProv URI", async () => {
    const { api, calls } = canned({ sValue: "wsman/a", ReturnValue: "0" });
    expect(await new Registry(api).getString("SOFTWARE\\X", "1")).toBe("wsman/a");
    expect(calls).toEqual([
      { uri: STDREGPROV_URI, method: "GetStringValue", input: { hDefKey: HKLM, sSubKeyName: "SOFTWARE\\X", sValueName: "1" } },
    ]);
    expect(HKLM).toBe(2147483650);
  });

  test("SetDWORDValue sends uValue as a number; SetMultiStringValue sends an array", async () => {
    const { api, calls } = canned({ ReturnValue: "0" });
    const reg = new Registry(api);
    await reg.setDword("K", "V", 2);
    await reg.setMultiString("K", "M", ["a", "b"]);
    expect(calls[0].input).toEqual({ hDefKey: HKLM, sSubKeyName: "K", sValueName: "V", uValue: 2 });
    expect(calls[1].input).toEqual({ hDefKey: HKLM, sSubKeyName: "K", sValueName: "M", sValue: ["a", "b"] });
    await expect(reg.setDword("K", "V", -1)).rejects.toThrow(InvalidArgumentError);
    expect(calls).toHaveLength(2); // refused before any request
  });

  test("a single enumerated value is normalised to an array of names and types", async () => {
    const one = canned({ sNames: "AllowFreshCredentials", Types: "4", ReturnValue: "0" });
    expect(await new Registry(one.api).enumValues("K")).toEqual([{ name: "AllowFreshCredentials", type: 4 }]);
    const two = canned({ sNames: ["1", "3"], Types: ["1", "1"], ReturnValue: "0" });
    expect(await new Registry(two.api).enumValues("K")).toEqual([
      { name: "1", type: 1 },
      { name: "3", type: 1 },
    ]);
    const none = canned({ ReturnValue: "0" });
    expect(await new Registry(none.api).enumValues("K")).toEqual([]);
    const emptyElement = canned({ sNames: "", ReturnValue: "0" });
    expect(await new Registry(emptyElement.api).enumValues("K")).toEqual([]);
    const oneKey = canned({ sNames: "AllowFreshCredentials", ReturnValue: "0" });
    expect(await new Registry(oneKey.api).enumKey("K")).toEqual(["AllowFreshCredentials"]);
  });

  test("multi-string values: single and repeated elements", async () => {
    expect(await new Registry(canned({ sValue: "only", ReturnValue: "0" }).api).getMultiString("K", "M")).toEqual(["only"]);
    expect(await new Registry(canned({ sValue: ["a", "b"], ReturnValue: "0" }).api).getMultiString("K", "M")).toEqual(["a", "b"]);
  });

  test("ReturnValue 2 means missing: undefined for reads, false for deletes", async () => {
    const reg = new Registry(canned({ ReturnValue: "2" }).api);
    expect(await reg.getString("K", "V")).toBeUndefined();
    expect(await reg.getDword("K", "V")).toBeUndefined();
    expect(await reg.enumKey("K")).toBeUndefined();
    expect(await reg.enumValues("K")).toBeUndefined();
    expect(await reg.keyExists("K")).toBe(false);
    expect(await reg.deleteValue("K", "V")).toBe(false);
    expect(await reg.deleteKey("K")).toBe(false);
  });

  test("item 10: ReturnValue 1 (a value missing from an existing key, as Windows answers) reads as absent too", async () => {
    const reg = new Registry(canned({ ReturnValue: "1" }).api);
    expect(await reg.getString("K", "V")).toBeUndefined();
    expect(await reg.getExpandedString("K", "V")).toBeUndefined();
    expect(await reg.getDword("K", "V")).toBeUndefined();
    expect(await reg.getMultiString("K", "V")).toBeUndefined();
    expect(await reg.deleteValue("K", "V")).toBe(false);
    // ...but never where 1 cannot mean "not there": a write, or a key operation.
    await expect(reg.setDword("K", "V", 1)).rejects.toMatchObject({ code: "WINDOWS_REGISTRY", win32Code: 1 });
    await expect(reg.enumValues("K")).rejects.toMatchObject({ code: "WINDOWS_REGISTRY", win32Code: 1 });
  });

  test("ReturnValue 2 on a write is an error (the key must exist first)", async () => {
    const reg = new Registry(canned({ ReturnValue: "2" }).api);
    await expect(reg.setString("K", "V", "x")).rejects.toMatchObject({ code: "WINDOWS_REGISTRY", win32Code: 2 });
  });

  test("other ReturnValues throw RegistryError with method, key, value and code", async () => {
    const reg = new Registry(canned({ ReturnValue: "5" }).api);
    const err = await reg.setDword("SOFTWARE\\Policies\\X", "AllowFreshCredentials", 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({
      code: "WINDOWS_REGISTRY",
      method: "SetDWORDValue",
      key: "SOFTWARE\\Policies\\X",
      valueName: "AllowFreshCredentials",
      win32Code: 5,
    });
    expect((err as Error).message).toContain("HKLM\\SOFTWARE\\Policies\\X");
    expect((err as Error).message).toMatch(/access denied.*Administrator/);
  });

  test("deleteKeyIfEmpty deletes only a key with no values and no subkeys", async () => {
    const host = new FakeHost();
    host.setValue("SOFTWARE\\A", "V", 4, 1);
    host.createKey("SOFTWARE\\B\\Child");
    host.createKey("SOFTWARE\\C");
    const reg = new Registry(host);
    expect(await reg.deleteKeyIfEmpty("SOFTWARE\\A")).toBe(false);
    expect(await reg.deleteKeyIfEmpty("SOFTWARE\\B")).toBe(false);
    expect(await reg.deleteKeyIfEmpty("SOFTWARE\\C")).toBe(true);
    expect(await reg.deleteKeyIfEmpty("SOFTWARE\\Absent")).toBe(false);
    expect([host.hasKey("SOFTWARE\\A"), host.hasKey("SOFTWARE\\B\\Child"), host.hasKey("SOFTWARE\\C")]).toEqual([true, true, false]);
  });

  test("a response without ReturnValue is an error, not success", async () => {
    await expect(new Registry(canned({}).api).getString("K", "V")).rejects.toBeInstanceOf(RegistryError);
  });
});
