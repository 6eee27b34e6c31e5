import {
  addToTrustedHostsRaw,
  formatTrustedHosts,
  hasTrustedHost,
  missingTrustedHosts,
  parseTrustedHosts,
  removeFromTrustedHostsRaw,
} from "../../provider/src/windows";

describe("TrustedHosts string helpers", () => {
  test("parse splits on commas, trims, drops empties, keeps order and case", () => {
    expect(parseTrustedHosts("")).toEqual([]);
    expect(parseTrustedHosts(" legacy01 , LEGACY02,,*.corp.test, ")).toEqual(["legacy01", "LEGACY02", "*.corp.test"]);
  });

  test("format joins with a bare comma like Set-Item -Concatenate", () => {
    expect(formatTrustedHosts(["a", "B", "*"])).toBe("a,B,*");
    expect(formatTrustedHosts([])).toBe("");
  });

  test("missing names only the hosts absent case-insensitively, each once, in the order given", () => {
    const list = ["legacy01", "LEGACY02"];
    expect(missingTrustedHosts(list, ["Legacy02", "srv01.corp.test", "SRV01.corp.test", "legacy01"])).toEqual(["srv01.corp.test"]);
    expect(missingTrustedHosts(list, ["LEGACY01"])).toEqual([]);
    expect(hasTrustedHost(list, "legacy02")).toBe(true);
    expect(hasTrustedHost(list, "legacy03")).toBe(false);
  });

  test("raw add keeps foreign entries' text and order; raw remove drops every case-insensitive match only", () => {
    expect(addToTrustedHostsRaw("legacy01,LEGACY02", ["Legacy02", "srv01.corp.test", "SRV01.corp.test"])).toBe(
      "legacy01,LEGACY02,srv01.corp.test",
    );
    expect(removeFromTrustedHostsRaw("legacy01,SRV01,LEGACY02,srv01", ["srv01"])).toBe("legacy01,LEGACY02");
    expect(removeFromTrustedHostsRaw("legacy01", ["other"])).toBe("legacy01");
  });

  test("raw add/remove round trip restores the exact original string, spacing included", () => {
    const original = "legacy01, LEGACY02";
    const added = addToTrustedHostsRaw(original, ["srv01.corp.test", "legacy01"]);
    expect(added).toBe("legacy01, LEGACY02,srv01.corp.test");
    expect(removeFromTrustedHostsRaw(added, ["SRV01.CORP.TEST"])).toBe(original);
  });

  test("raw add returns the same string when nothing is missing; raw remove when nothing matches", () => {
    expect(addToTrustedHostsRaw("a, b", ["B"])).toBe("a, b");
    expect(removeFromTrustedHostsRaw("a, b", ["c"])).toBe("a, b");
  });

  test("raw add to an empty list and remove of the last entry", () => {
    expect(addToTrustedHostsRaw("", ["srv01", "srv02"])).toBe("srv01,srv02");
    expect(removeFromTrustedHostsRaw("srv01,srv02", ["srv02", "SRV01"])).toBe("");
  });
});
