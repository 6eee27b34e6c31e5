import {
  addSpns,
  CREDENTIALS_DELEGATION_KEY,
  credentialsDelegationKeyExists,
  nextEntryNumber,
  planAdditions,
  policyListKey,
  readPolicy,
  Registry,
  removeEntries,
  setSwitches,
  sortEntryNames,
  VerifyError,
} from "../../provider/src/windows";
import { FakeHost } from "./support/fake-host";

const FRESH = policyListKey("AllowFreshCredentials");

describe("delegation list numbering (pure)", () => {
  test("next number follows the highest name, never count+1", () => {
    expect(nextEntryNumber([])).toBe(1);
    expect(nextEntryNumber(["1", "3"])).toBe(4);
    expect(nextEntryNumber(["10", "2"])).toBe(11);
    expect(nextEntryNumber(["foo", "2"])).toBe(3);
  });

  test("names sort numerically with gaps kept, non-numeric last", () => {
    expect(sortEntryNames(["10", "x", "3", "1"])).toEqual(["1", "3", "10", "x"]);
  });

  test("planAdditions skips SPNs present case-insensitively and repeats in the input", () => {
    const entries = [
      { name: "1", spn: "TERMSRV/*" },
      { name: "3", spn: "wsman/old.corp.test" },
    ];
    const plan = planAdditions(["1", "3"], entries, ["WSMAN/OLD.corp.test", "wsman/srv01.corp.test", "WSMAN/srv01.CORP.test"]);
    expect(plan).toEqual([{ name: "4", spn: "wsman/srv01.corp.test" }]);
  });

});

describe("delegation policy operations (in-memory host)", () => {
  function seeded(): FakeHost {
    const host = new FakeHost();
    host.setValue(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials", 4, 1);
    host.setValue(FRESH, "1", 1, "TERMSRV/*");
    host.setValue(FRESH, "3", 1, "wsman/old.corp.test");
    return host;
  }

  test("readPolicy returns switches and entries in numeric order with gaps", async () => {
    const host = seeded();
    expect(await readPolicy(host, "AllowFreshCredentials")).toEqual({
      enabled: 1,
      entries: [
        { name: "1", spn: "TERMSRV/*" },
        { name: "3", spn: "wsman/old.corp.test" },
      ],
      registryOrder: ["1", "3"],
      listKeyExists: true,
    });
    expect(await readPolicy(host, "AllowSavedCredentials")).toEqual({ entries: [], registryOrder: [], listKeyExists: false });
  });

  test("item 11: REG_EXPAND_SZ entries are read with GetExpandedStringValue (GetStringValue is a type mismatch on Windows)", async () => {
    const host = seeded();
    host.setValue(FRESH, "4", 2, "wsman/%COMPUTERNAME%.corp.test");
    const policy = await readPolicy(host, "AllowFreshCredentials");
    expect(policy.entries).toContainEqual({ name: "4", spn: "wsman/%COMPUTERNAME%.corp.test" });
    const reads = host.calls.filter((c) => c.op === "invoke" && c.input?.sValueName === "4").map((c) => c.method);
    expect(reads).toEqual(["GetExpandedStringValue"]);
  });

  test("addSpns writes after the highest name, keeps foreign entries, skips duplicates", async () => {
    const host = seeded();
    const written = await addSpns(host, "AllowFreshCredentials", ["WSMAN/old.corp.test", "wsman/srv01.corp.test", "wsman/srv02.corp.test"]);
    expect(written).toEqual(["4", "5"]);
    expect(host.value(FRESH, "1")?.value).toBe("TERMSRV/*");
    expect(host.value(FRESH, "3")?.value).toBe("wsman/old.corp.test");
    expect(host.value(FRESH, "4")?.value).toBe("wsman/srv01.corp.test");
    expect(host.value(FRESH, "5")?.value).toBe("wsman/srv02.corp.test");
    expect(host.value(FRESH, "2")).toBeUndefined();
    // a second add of the same SPNs writes nothing
    const writesBefore = host.writes().length;
    expect(await addSpns(host, "AllowFreshCredentials", ["wsman/SRV01.corp.test"])).toEqual([]);
    expect(host.writes().length).toBe(writesBefore);
  });

  describe("addSpns and another process numbering the same list (StdRegProv has no compare-and-set)", () => {
    /** The seeded host, with another writer stepping in when the nth call of `method` on value `name` arrives. */
    function racing(method: string, name: string, nth: number, act: (host: FakeHost) => void): FakeHost {
      const host = seeded();
      const invoke = host.invoke.bind(host);
      let seen = 0;
      host.invoke = async (uri, m, input) => {
        if (m === method && input.sSubKeyName === FRESH && input.sValueName === name && ++seen === nth) act(host);
        return invoke(uri, m, input);
      };
      return host;
    }
    const sets = (host: FakeHost) => host.writes().filter((c) => c.method === "SetStringValue").map((c) => c.input?.sValueName);

    test("a name taken just before the write is passed over: the other entry stays", async () => {
      const host = racing("GetStringValue", "4", 1, (h) => h.setValue(FRESH, "4", 1, "wsman/other.corp.test"));
      expect(await addSpns(host, "AllowFreshCredentials", ["wsman/srv01.corp.test"])).toEqual(["5"]);
      expect(host.value(FRESH, "4")?.value).toBe("wsman/other.corp.test");
      expect(host.value(FRESH, "5")?.value).toBe("wsman/srv01.corp.test");
    });

    test("an entry overwritten right after the write is written again further on: both stay", async () => {
      // The second GetStringValue of "4" is the read-back after our write.
      const host = racing("GetStringValue", "4", 2, (h) => h.setValue(FRESH, "4", 1, "wsman/other.corp.test"));
      expect(await addSpns(host, "AllowFreshCredentials", ["wsman/srv01.corp.test"])).toEqual(["5"]);
      expect(host.value(FRESH, "4")?.value).toBe("wsman/other.corp.test");
      expect(host.value(FRESH, "5")?.value).toBe("wsman/srv01.corp.test");
      expect(sets(host)).toEqual(["4", "5"]);
    });

    test("the same SPN added by the other writer at that number (in another case) is the entry: no duplicate", async () => {
      const host = racing("GetStringValue", "4", 1, (h) => h.setValue(FRESH, "4", 1, "WSMAN/SRV01.corp.test"));
      expect(await addSpns(host, "AllowFreshCredentials", ["wsman/srv01.corp.test"])).toEqual(["4"]);
      expect(sets(host)).toEqual([]);
      expect(host.value(FRESH, "5")).toBeUndefined();
    });
  });

  test("addSpns creates the list key when missing", async () => {
    const host = new FakeHost();
    expect(await addSpns(host, "AllowFreshCredentialsWhenNTLMOnly", ["wsman/10.0.0.5"])).toEqual(["1"]);
    expect(host.value(policyListKey("AllowFreshCredentialsWhenNTLMOnly"), "1")?.value).toBe("wsman/10.0.0.5");
  });

  test("addSpns verifies: a host that drops the write gives VerifyError", async () => {
    const host = seeded();
    host.dropWrites = true;
    await expect(addSpns(host, "AllowFreshCredentials", ["wsman/srv01.corp.test"])).rejects.toBeInstanceOf(VerifyError);
    await expect(addSpns(host, "AllowFreshCredentials", ["wsman/srv01.corp.test"])).rejects.toMatchObject({ code: "WINDOWS_VERIFY" });
  });

  test("removeEntries deletes only the named values and renames nothing", async () => {
    const host = seeded();
    await addSpns(host, "AllowFreshCredentials", ["wsman/srv01.corp.test"]);
    expect(await removeEntries(host, "AllowFreshCredentials", ["1", "99"])).toEqual(["1"]);
    expect(host.valueNames(FRESH).sort()).toEqual(["3", "4"]);
    expect(host.value(FRESH, "4")?.value).toBe("wsman/srv01.corp.test");
  });

  test("removeEntries leaves the emptied list key in place (which keys go is the resources' call)", async () => {
    const host = seeded();
    await removeEntries(host, "AllowFreshCredentials", ["1", "3"]);
    expect(host.hasKey(FRESH)).toBe(true);
    expect(await readPolicy(host, "AllowFreshCredentials")).toEqual({ enabled: 1, entries: [], registryOrder: [], listKeyExists: true });
  });

  test("removeEntries verifies: a host that drops the delete gives VerifyError naming the value", async () => {
    const host = seeded();
    host.dropWrites = true;
    await expect(removeEntries(host, "AllowFreshCredentials", ["3"])).rejects.toMatchObject({
      code: "WINDOWS_VERIFY",
      setting: `HKLM\\${FRESH}\\3`,
    });
  });

  test("the CredentialsDelegation key exists once a list is written under it, and not after it is emptied and deleted", async () => {
    const host = new FakeHost();
    expect(await credentialsDelegationKeyExists(host)).toBe(false);
    await addSpns(host, "AllowSavedCredentials", ["wsman/a"]);
    expect(await credentialsDelegationKeyExists(host)).toBe(true);
    const reg = new Registry(host);
    expect(await reg.deleteKeyIfEmpty(CREDENTIALS_DELEGATION_KEY)).toBe(false); // the list subkey is still there
    await removeEntries(host, "AllowSavedCredentials", ["1"]);
    expect(await reg.deleteKeyIfEmpty(policyListKey("AllowSavedCredentials"))).toBe(true);
    expect(await reg.deleteKeyIfEmpty(CREDENTIALS_DELEGATION_KEY)).toBe(true);
    expect(await credentialsDelegationKeyExists(host)).toBe(false);
  });

  test("setSwitches sets, leaves alone (undefined) and deletes (null), returning previous values", async () => {
    const host = seeded();
    const r1 = await setSwitches(host, "AllowFreshCredentials", { concatenateDefaults: 1 });
    expect(r1).toEqual({ previous: { enabled: 1 }, changed: true });
    expect(host.value(CREDENTIALS_DELEGATION_KEY, "ConcatenateDefaults_AllowFresh")?.value).toBe(1);
    const r2 = await setSwitches(host, "AllowFreshCredentials", { enabled: null });
    expect(r2).toEqual({ previous: { enabled: 1, concatenateDefaults: 1 }, changed: true });
    expect(host.value(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials")).toBeUndefined();
    expect(host.value(CREDENTIALS_DELEGATION_KEY, "ConcatenateDefaults_AllowFresh")?.value).toBe(1);
    const r3 = await setSwitches(host, "AllowFreshCredentials", { enabled: null, concatenateDefaults: 1 });
    expect(r3.changed).toBe(false);
  });

  // The switch and ConcatenateDefaults value names of CredSsp.admx (../shared/reference/windows-state.md).
  test.each([
    ["AllowFreshCredentials", "ConcatenateDefaults_AllowFresh"],
    ["AllowFreshCredentialsWhenNTLMOnly", "ConcatenateDefaults_AllowFreshNTLMOnly"],
    ["AllowSavedCredentials", "ConcatenateDefaults_AllowSaved"],
    ["AllowSavedCredentialsWhenNTLMOnly", "ConcatenateDefaults_AllowSavedNTLMOnly"],
    ["AllowDefaultCredentials", "ConcatenateDefaults_AllowDefault"],
    ["AllowDefCredentialsWhenNTLMOnly", "ConcatenateDefaults_AllowDefNTLMOnly"],
  ] as const)("%s: setSwitches writes its switch and %s, and readPolicy reads them back", async (policy, concatenateName) => {
    const host = new FakeHost();
    await setSwitches(host, policy, { enabled: 1, concatenateDefaults: 0 });
    expect(host.valueNames(CREDENTIALS_DELEGATION_KEY).sort()).toEqual([policy, concatenateName].sort());
    expect(host.value(CREDENTIALS_DELEGATION_KEY, concatenateName)).toMatchObject({ type: 4, value: 0 });
    host.setValue(CREDENTIALS_DELEGATION_KEY, concatenateName, 4, 1);
    expect(await readPolicy(host, policy)).toMatchObject({ enabled: 1, concatenateDefaults: 1 });
  });

  test("setSwitches creates the CredentialsDelegation key on a clean host", async () => {
    const host = new FakeHost();
    await setSwitches(host, "AllowSavedCredentials", { enabled: 1, concatenateDefaults: 1 });
    expect(host.value(CREDENTIALS_DELEGATION_KEY, "AllowSavedCredentials")?.value).toBe(1);
    expect(host.value(CREDENTIALS_DELEGATION_KEY, "ConcatenateDefaults_AllowSaved")?.value).toBe(1);
  });

  test("an unknown policy name is rejected before any request", async () => {
    const host = new FakeHost();
    await expect(readPolicy(host, "AllowEverything" as never)).rejects.toThrow(/unknown delegation policy/);
    expect(host.calls).toHaveLength(0);
  });
});
