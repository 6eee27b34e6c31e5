// The import ID formats the issue fixes, parsed into the inputs they name; malformed IDs
// fail with the expected format and an example.
import { IMPORT_ID_FORMATS, parseImportId } from "../../provider/src/plugin/import-ids";

describe("import IDs", () => {
  it.each([
    ["CredSSPServer", "srv01.corp.test", { connection: { host: "srv01.corp.test" } }],
    ["CredSSPServer", "srv01.corp.test:5986", { connection: { host: "srv01.corp.test", port: 5986 } }],
    ["CredSSPServer", "[fd00::5]:5985", { connection: { host: "fd00::5", port: 5985 } }],
    ["CredSSPClient", "ws01:5985/srv01.corp.test,*.lab.test", { connection: { host: "ws01", port: 5985 }, delegateComputers: ["srv01.corp.test", "*.lab.test"] }],
    ["TrustedHosts", "ws01/srv01.corp.test, 10.0.0.5", { connection: { host: "ws01" }, hosts: ["srv01.corp.test", "10.0.0.5"] }],
    [
      "DelegationPolicy",
      "ws01/allowFreshCredentials=WSMAN/srv01.corp.test,WSMAN/srv02:5985;allowFreshCredentialsWhenNTLMOnly=WSMAN/srv01.corp.test",
      {
        connection: { host: "ws01" },
        allowFreshCredentials: ["WSMAN/srv01.corp.test", "WSMAN/srv02:5985"],
        allowFreshCredentialsWhenNTLMOnly: ["WSMAN/srv01.corp.test"],
      },
    ],
  ])("%s %s", (kind, id, inputs) => {
    expect(parseImportId(kind, id)).toEqual(inputs);
  });

  it.each([
    ["CredSSPServer", "srv01/extra", /nothing may follow the host/],
    ["CredSSPServer", "srv01:99999", /port 99999 is out of range/],
    ["CredSSPServer", "a b", /"a b" is not a host or host:port/],
    ["CredSSPClient", "ws01", /no computer after "\/"/],
    ["TrustedHosts", "ws01/a,,b", /an empty entry/],
    ["DelegationPolicy", "ws01/allowFresh=WSMAN/x", /"allowFresh" is not a list; the lists are allowFreshCredentials, /],
    ["DelegationPolicy", "ws01/allowFreshCredentials", /no "=" after allowFreshCredentials/],
    ["DelegationPolicy", "ws01/allowFreshCredentials=a;allowFreshCredentials=b", /allowFreshCredentials is given twice/],
  ])("%s %s is refused", (kind, id, problem) => {
    expect(() => parseImportId(kind, id)).toThrow(problem);
    expect(() => parseImportId(kind, id)).toThrow(`expected ${IMPORT_ID_FORMATS[kind].format}, e.g. ${IMPORT_ID_FORMATS[kind].example}`);
  });

  it("every example parses", () => {
    for (const [kind, f] of Object.entries(IMPORT_ID_FORMATS)) expect(() => parseImportId(kind, f.example)).not.toThrow();
  });
});
