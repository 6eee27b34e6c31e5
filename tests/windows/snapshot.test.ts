import {
  CREDENTIALS_DELEGATION_KEY,
  ENCRYPTION_ORACLE_KEY,
  encryptionOracleLevelName,
  InvalidArgumentError,
  formatCredSSPStatus,
  getEncryptionOracle,
  policyListKey,
  readHostState,
  setEncryptionOracle,
} from "../../provider/src/windows";
import { FakeHost } from "./support/fake-host";

describe("readHostState", () => {
  test("a host with Windows defaults", async () => {
    const state = await readHostState(new FakeHost());
    expect(state.wsman).toEqual({ clientCredSSP: false, serviceCredSSP: false, trustedHosts: "" });
    expect(Object.keys(state.delegation)).toHaveLength(6);
    expect(state.delegation.AllowFreshCredentials).toEqual({ enabled: null, concatenateDefaults: null, listKeyExists: false, entries: [], registryOrder: [] });
    expect(state.encryptionOracle).toBeNull();
    expect(state.winrmPolicy).toEqual({ clientAllowCredSSP: null, serviceAllowCredSSP: null });
    expect(state.keys).toEqual({ credentialsDelegation: false, encryptionOracleParameters: false });
    // JSON-able: survives a round trip unchanged
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  test("a configured host", async () => {
    const host = new FakeHost();
    host.clientCredSSP = "true";
    host.trustedHosts = "legacy01,LEGACY02";
    host.setValue(CREDENTIALS_DELEGATION_KEY, "AllowFreshCredentials", 4, 1);
    host.setValue(CREDENTIALS_DELEGATION_KEY, "ConcatenateDefaults_AllowFresh", 4, 1);
    host.setValue(policyListKey("AllowFreshCredentials"), "3", 1, "wsman/old.corp.test");
    host.setValue(policyListKey("AllowFreshCredentials"), "1", 1, "TERMSRV/*");
    host.setValue(ENCRYPTION_ORACLE_KEY, "AllowEncryptionOracle", 4, 2);
    host.setValue("SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Client", "AllowCredSSP", 4, 1);
    const state = await readHostState(host);
    expect(state.wsman.clientCredSSP).toBe(true);
    expect(state.wsman.trustedHosts).toBe("legacy01,LEGACY02");
    expect(state.delegation.AllowFreshCredentials).toEqual({
      enabled: 1,
      concatenateDefaults: 1,
      listKeyExists: true,
      entries: [
        { name: "1", spn: "TERMSRV/*" },
        { name: "3", spn: "wsman/old.corp.test" },
      ],
      registryOrder: ["3", "1"],
    });
    expect(state.encryptionOracle).toBe(2);
    expect(state.winrmPolicy).toEqual({ clientAllowCredSSP: 1, serviceAllowCredSSP: null });
    expect(state.keys).toEqual({ credentialsDelegation: true, encryptionOracleParameters: true });
  });
});

describe("formatCredSSPStatus (Get-WSManCredSSP wording)", () => {
  test("unconfigured host", async () => {
    expect(formatCredSSPStatus(await readHostState(new FakeHost()))).toEqual([
      "The machine is not configured to allow delegating fresh credentials.",
      "This computer is not configured to receive credentials from a remote client computer.",
    ]);
  });

  test("item 14: lists only wsman* entries with no space after \"target(s):\", each prepended in registry (enumeration) order", async () => {
    const host = new FakeHost();
    host.serviceCredSSP = "true";
    const key = policyListKey("AllowFreshCredentials");
    // Created in this order; the registry enumerates values in creation order, not by name.
    host.setValue(key, "3", 1, "WSMAN/*.corp.test");
    host.setValue(key, "1", 1, "wsman/srv01.corp.test");
    host.setValue(key, "2", 1, "TERMSRV/*");
    host.setValue(key, "4", 1, "wsman/srv04.corp.test");
    expect(formatCredSSPStatus(await readHostState(host))).toEqual([
      "The machine is configured to allow delegating fresh credentials to the following target(s):wsman/srv04.corp.test,wsman/srv01.corp.test,WSMAN/*.corp.test",
      "This computer is configured to receive credentials from a remote client computer.",
    ]);
  });
});

describe("AllowEncryptionOracle", () => {
  test("absent, set (creating the key), delete with null", async () => {
    const host = new FakeHost();
    expect(await getEncryptionOracle(host)).toBeUndefined();
    expect(await setEncryptionOracle(host, 1)).toEqual({ previous: undefined, changed: true });
    expect(host.value(ENCRYPTION_ORACLE_KEY, "AllowEncryptionOracle")?.value).toBe(1);
    expect(await setEncryptionOracle(host, 1)).toEqual({ previous: 1, changed: false });
    expect(await setEncryptionOracle(host, null)).toEqual({ previous: 1, changed: true });
    expect(await getEncryptionOracle(host)).toBeUndefined();
    // deleting the value leaves its key (which keys go is the resources' call: key-ownership.ts)
    expect(host.hasKey(ENCRYPTION_ORACLE_KEY)).toBe(true);
  });

  test("rejects values outside 0..2 before any request, and names levels", async () => {
    const host = new FakeHost();
    await expect(setEncryptionOracle(host, 3)).rejects.toThrow(InvalidArgumentError);
    expect(host.calls).toHaveLength(0);
    expect(encryptionOracleLevelName(0)).toBe("forceUpdatedClients");
    expect(encryptionOracleLevelName(2)).toBe("vulnerable");
    expect(encryptionOracleLevelName(7)).toBeUndefined();
  });
});
