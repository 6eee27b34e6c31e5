// Behaviour of the simulated host's resources, probed with raw envelopes over Basic auth:
// config Get/Put, StdRegProv, the cmd shell, access control, the 401 challenge and
// fault injection.

import { HostIdentity, SimState, startHost, SimHost } from "../../simulator/src/index";
import { ACTION, basic, byLocal, envelope, post, RawSession, text, URI, wwwAuthenticate } from "./support/raw";
import type { Document, Element } from "./support/raw";
import { CREDENTIALS_DELEGATION_KEY, HKLM } from "../../provider/src/windows";

const ADMIN = { name: "Administrator", password: "S3cret!pw", admin: true };
const USER = { name: "bob", password: "B0b-pass", admin: false };

let host: SimHost;
let s: RawSession;

beforeEach(async () => {
  host = await startHost({
    hostname: "srv01.corp.test",
    users: [ADMIN, USER],
    set: { "Service/Auth/Basic": "true", "Service/AllowUnencrypted": "true" },
  });
  s = new RawSession(host.httpUrl!, ADMIN.name, ADMIN.password);
});
afterEach(async () => {
  await host.stop();
});

function faultOf(doc: Document): { code: number; subcode: string; message: string; machine: string | null } {
  const f = byLocal(doc, "WSManFault")[0];
  const sub = byLocal(byLocal(doc, "Subcode")[0], "Value")[0];
  return {
    code: Number(f.getAttribute("Code")),
    subcode: sub.textContent ?? "",
    message: text(f, "Message") ?? "",
    machine: f.getAttribute("Machine"),
  };
}

describe("listener and challenge", () => {
  test("401 lists one WWW-Authenticate header per usable scheme", async () => {
    const r = await post(host.httpUrl!, envelope({ action: ACTION.get, resourceUri: URI.config }).xml);
    expect(r.status).toBe(401);
    expect(wwwAuthenticate(r)).toEqual(["Negotiate", "Kerberos", 'Basic realm="WSMAN"']);
  });

  test("CredSSP is offered only once Service/Auth/CredSSP is true", async () => {
    host.state.setConfig("Service/Auth/CredSSP", "true");
    const r = await post(host.httpUrl!, envelope({ action: ACTION.get, resourceUri: URI.config }).xml);
    expect(wwwAuthenticate(r)).toEqual(["Negotiate", "Kerberos", 'Basic realm="WSMAN"', "CredSSP"]);
  });

  test("Basic is neither offered nor accepted over HTTP when AllowUnencrypted=false", async () => {
    host.state.setConfig("Service/AllowUnencrypted", "false");
    const { xml } = envelope({ action: ACTION.get, resourceUri: URI.config });
    const r = await post(host.httpUrl!, xml, basic(ADMIN.name, ADMIN.password));
    expect(r.status).toBe(401);
    expect(wwwAuthenticate(r)).toEqual(["Negotiate", "Kerberos"]);
  });

  test("wrong password and unknown user get 401; the password never appears in the answer", async () => {
    const { xml } = envelope({ action: ACTION.get, resourceUri: URI.config });
    const bad = await post(host.httpUrl!, xml, basic(ADMIN.name, "wrong-pw-123"));
    expect(bad.status).toBe(401);
    expect(bad.body).not.toContain("wrong-pw-123");
    const unknown = await post(host.httpUrl!, xml, basic("nobody", ADMIN.password));
    expect(unknown.status).toBe(401);
  });

  test("accounts match as user, .\\user and COMPUTER\\user, case-insensitively", async () => {
    for (const name of ["administrator", ".\\Administrator", "SRV01\\ADMINISTRATOR", "srv01\\administrator"]) {
      const r = await new RawSession(host.httpUrl!, name, ADMIN.password).send({ action: ACTION.get, resourceUri: URI.config });
      expect(r.status).toBe(200);
    }
    const other = await new RawSession(host.httpUrl!, "OTHERPC\\Administrator", ADMIN.password).send({ action: ACTION.get, resourceUri: URI.config });
    expect(other.status).toBe(401);
  });

  test("non-administrators get Windows' access-denied fault", async () => {
    const r = await new RawSession(host.httpUrl!, USER.name, USER.password).send({ action: ACTION.get, resourceUri: URI.config });
    expect(r.status).toBe(500);
    const f = faultOf(r.doc);
    expect(f.code).toBe(5);
    expect(f.subcode).toBe("w:AccessDenied");
    expect(f.message).toMatch(/^Access is denied\./);
    expect(f.machine).toBe("127.0.0.1"); // the name the client addressed, as Windows reports it
    expect(text(r.doc, "RelatesTo")).toBe(r.messageId);
  });

  test("requestCount counts every HTTP request including 401s", async () => {
    const before = host.requestCount;
    await post(host.httpUrl!, "x");
    await s.send({ action: ACTION.get, resourceUri: URI.config });
    expect(host.requestCount).toBe(before + 2);
  });

  test("requestChain counts requests that followed one another, not requests in flight together", async () => {
    host.requestChain.reset();
    await s.send({ action: ACTION.get, resourceUri: URI.config });
    await s.send({ action: ACTION.get, resourceUri: URI.config });
    expect(host.requestChain.longest).toBe(2);
    host.requestChain.reset();
    host.faults.latencyMs = 50; // all three are in flight together
    await Promise.all([1, 2, 3].map(() => post(host.httpUrl!, "x")));
    expect(host.requestChain.longest).toBe(1);
    await post(host.httpUrl!, "x"); // after them: depends on one of them
    expect(host.requestChain.longest).toBe(2);
    host.faults.latencyMs = 0;
  });

  test("observe reports each operation that reaches the service, with the registry key and value a StdRegProv call names", async () => {
    const seen: unknown[] = [];
    const stop = host.observe((op) => seen.push(op));
    await post(host.httpUrl!, "x"); // the 401 challenge: no operation
    await s.send({ action: ACTION.get, resourceUri: `${URI.config}/client` });
    await s.invoke("GetDWORDValue", [["hDefKey", HKLM], ["sSubKeyName", CREDENTIALS_DELEGATION_KEY], ["sValueName", "AllowFreshCredentials"]]);
    await s.invoke("EnumKey", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE"]]);
    stop();
    await s.send({ action: ACTION.get, resourceUri: URI.config }); // after stop: not reported
    expect(seen).toEqual([
      { action: "Get", resourceUri: `${URI.config}/client` },
      {
        action: "GetDWORDValue",
        resourceUri: URI.reg,
        registry: { hive: "HKLM", key: CREDENTIALS_DELEGATION_KEY, value: "AllowFreshCredentials" },
      },
      { action: "EnumKey", resourceUri: URI.reg, registry: { hive: "HKLM", key: "SOFTWARE", value: undefined } },
    ]);
  });
});

describe("config resources", () => {
  test("Get on each resource returns the root element named after the last segment, in the URI's namespace", async () => {
    const cases: Array<[string, string]> = [
      ["", "Config"],
      ["/client", "Client"],
      ["/client/auth", "Auth"],
      ["/client/defaultports", "DefaultPorts"],
      ["/service", "Service"],
      ["/service/auth", "Auth"],
      ["/service/defaultports", "DefaultPorts"],
      ["/winrs", "Winrs"],
    ];
    for (const [suffix, root] of cases) {
      const r = await s.send({ action: ACTION.get, resourceUri: URI.config + suffix });
      expect(r.status).toBe(200);
      const el = byLocal(r.doc, "Body")[0].firstChild as Element;
      expect(el.localName).toBe(root);
      expect(el.namespaceURI).toBe(URI.config + suffix);
      expect(el.prefix).toBe("cfg");
    }
  });

  test("defaults are Windows' defaults", async () => {
    const r = await s.send({ action: ACTION.get, resourceUri: `${URI.config}/service/auth` });
    const body = byLocal(r.doc, "Body")[0];
    expect(text(body, "Basic")).toBe("true"); // set by this suite
    expect(text(body, "Kerberos")).toBe("true");
    expect(text(body, "CredSSP")).toBe("false");
    expect(text(body, "CbtHardeningLevel")).toBe("Relaxed");
    const c = await s.send({ action: ACTION.get, resourceUri: `${URI.config}/client` });
    expect(text(c.doc, "TrustedHosts")).toBe("");
    expect(text(byLocal(c.doc, "Auth")[0], "CredSSP")).toBe("false");
  });

  test("Put with a partial body changes only what it names and returns the whole resource", async () => {
    const ns = `${URI.config}/service/auth`;
    const r = await s.send({
      action: ACTION.put,
      resourceUri: ns,
      body: `<cfg:Auth xmlns:cfg="${ns}"><cfg:CredSSP>true</cfg:CredSSP></cfg:Auth>`,
    });
    expect(r.status).toBe(200);
    expect(text(r.doc, "Action")).toBe(`${ACTION.put}Response`);
    expect(text(r.doc, "CredSSP")).toBe("true");
    expect(text(r.doc, "Kerberos")).toBe("true");
    expect(host.state.getConfig("Service/Auth/CredSSP")).toBe("true");
    expect(host.state.getConfig("Client/Auth/CredSSP")).toBe("false");
  });

  test("Put of TrustedHosts on config/client", async () => {
    const ns = `${URI.config}/client`;
    const r = await s.send({ action: ACTION.put, resourceUri: ns, body: `<cfg:Client xmlns:cfg="${ns}"><cfg:TrustedHosts>a.corp.test,*.lab</cfg:TrustedHosts></cfg:Client>` });
    expect(r.status).toBe(200);
    expect(host.state.getConfig("Client/TrustedHosts")).toBe("a.corp.test,*.lab");
  });

  test("invalid values are refused with a fault and change nothing", async () => {
    const ns = `${URI.config}/service/auth`;
    const before = host.state.snapshot();
    const r = await s.send({
      action: ACTION.put,
      resourceUri: ns,
      body: `<cfg:Auth xmlns:cfg="${ns}"><cfg:Kerberos>false</cfg:Kerberos><cfg:CredSSP>yes</cfg:CredSSP></cfg:Auth>`,
    });
    expect(r.status).toBe(500);
    const f = faultOf(r.doc);
    expect(f.code).toBe(2150858819);
    expect(f.message).toContain("CredSSP");
    expect(host.state.snapshot()).toEqual(before);
  });

  test("a CredSSP Put is refused while a GPO controls it, and Get shows the policy value", async () => {
    host.state.registry.set("HKLM", "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Client", "AllowCredSSP", "REG_DWORD", 1);
    const ns = `${URI.config}/client/auth`;
    const r = await s.send({ action: ACTION.put, resourceUri: ns, body: `<cfg:Auth xmlns:cfg="${ns}"><cfg:CredSSP>false</cfg:CredSSP></cfg:Auth>` });
    expect(r.status).toBe(500);
    const f = faultOf(r.doc);
    expect(f.code).toBe(2150858890);
    expect(f.message).toBe(
      'The config setting CredSSP cannot be changed because is controlled by policies. The policy would need to be set to "Not Configured" in order to change the config setting.',
    );
    const g = await s.send({ action: ACTION.get, resourceUri: ns });
    const cred = byLocal(g.doc, "CredSSP")[0];
    expect(cred.textContent).toBe("true");
    expect(cred.getAttribute("Source")).toBe("GPO");
    // the service role is not controlled
    const sns = `${URI.config}/service/auth`;
    const ok = await s.send({ action: ACTION.put, resourceUri: sns, body: `<cfg:Auth xmlns:cfg="${sns}"><cfg:CredSSP>true</cfg:CredSSP></cfg:Auth>` });
    expect(ok.status).toBe(200);
  });

  test("item 13: a whole-Client Put (what Set-Item TrustedHosts sends, Source=\"GPO\" echoed) works while a GPO controls Client/Auth/CredSSP", async () => {
    host.state.registry.set("HKLM", "SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Client", "AllowCredSSP", "REG_DWORD", 1);
    const ns = `${URI.config}/client`;
    const got = await s.send({ action: ACTION.get, resourceUri: ns });
    const client = byLocal(got.doc, "Client")[0];
    byLocal(client, "TrustedHosts")[0].textContent = "srv02.corp.test";
    const body = client.toString();
    expect(body).toContain('<cfg:CredSSP Source="GPO">true</cfg:CredSSP>');
    const put = await s.send({ action: ACTION.put, resourceUri: ns, body });
    expect(put.status).toBe(200);
    expect(host.state.getConfig("Client/TrustedHosts")).toBe("srv02.corp.test");
    // the stored (non-policy) CredSSP value is untouched by the policy's value being echoed
    expect(host.state.getConfig("Client/Auth/CredSSP")).toBe("false");
    // ...but naming the controlled setting without the service's annotation is refused, and nothing is written
    const changing = body.replace('<cfg:CredSSP Source="GPO">true</cfg:CredSSP>', "<cfg:CredSSP>true</cfg:CredSSP>").replace("srv02.corp.test", "srv03.corp.test");
    const refused = await s.send({ action: ACTION.put, resourceUri: ns, body: changing });
    expect(faultOf(refused.doc).code).toBe(2150858890);
    expect(host.state.getConfig("Client/TrustedHosts")).toBe("srv02.corp.test");
  });

  test("wrong namespace and unknown elements are refused", async () => {
    const ns = `${URI.config}/service/auth`;
    const wrongNs = await s.send({ action: ACTION.put, resourceUri: ns, body: `<cfg:Auth xmlns:cfg="urn:other"><cfg:CredSSP>true</cfg:CredSSP></cfg:Auth>` });
    expect(wrongNs.status).toBe(500);
    const unknown = await s.send({ action: ACTION.put, resourceUri: ns, body: `<cfg:Auth xmlns:cfg="${ns}"><cfg:Nope>true</cfg:Nope></cfg:Auth>` });
    expect(unknown.status).toBe(500);
    expect(host.state.getConfig("Service/Auth/CredSSP")).toBe("false");
  });

  test("unknown resource URI gets a fault with RelatesTo", async () => {
    const r = await s.send({ action: ACTION.get, resourceUri: "http://schemas.microsoft.com/wbem/wsman/1/nothing" });
    expect(r.status).toBe(500);
    expect(text(r.doc, "RelatesTo")).toBe(r.messageId);
  });
});

describe("StdRegProv", () => {
  const key = CREDENTIALS_DELEGATION_KEY;

  test("CreateKey, Set/Get String, DWORD, MultiString; EnumKey and EnumValues", async () => {
    let d = await s.invoke("CreateKey", [["hDefKey", HKLM], ["sSubKeyName", `${key}\\AllowFreshCredentials`]]);
    expect(text(d, "ReturnValue")).toBe("0");
    expect(byLocal(d, "CreateKey_OUTPUT")[0].namespaceURI).toBe(URI.reg);

    d = await s.invoke("SetDWORDValue", [["hDefKey", HKLM], ["sSubKeyName", key], ["sValueName", "AllowFreshCredentials"], ["uValue", 1]]);
    expect(text(d, "ReturnValue")).toBe("0");
    d = await s.invoke("SetStringValue", [["hDefKey", HKLM], ["sSubKeyName", `${key}\\AllowFreshCredentials`], ["sValueName", "1"], ["sValue", "wsman/srv02.corp.test"]]);
    expect(text(d, "ReturnValue")).toBe("0");
    const multi = `<p:SetMultiStringValue_INPUT xmlns:p="${URI.reg}"><p:hDefKey>${HKLM}</p:hDefKey><p:sSubKeyName>${key}</p:sSubKeyName><p:sValueName>M</p:sValueName><p:sValue>a</p:sValue><p:sValue>b</p:sValue></p:SetMultiStringValue_INPUT>`;
    const mr = await s.send({ action: `${URI.reg}/SetMultiStringValue`, resourceUri: URI.reg, body: multi });
    expect(text(mr.doc, "ReturnValue")).toBe("0");

    d = await s.invoke("GetDWORDValue", [["hDefKey", HKLM], ["sSubKeyName", key], ["sValueName", "AllowFreshCredentials"]]);
    expect(text(d, "uValue")).toBe("1");
    d = await s.invoke("GetStringValue", [["hDefKey", HKLM], ["sSubKeyName", `${key}\\allowfreshcredentials`], ["sValueName", "1"]]);
    expect(text(d, "sValue")).toBe("wsman/srv02.corp.test");
    d = await s.invoke("GetMultiStringValue", [["hDefKey", HKLM], ["sSubKeyName", key], ["sValueName", "M"]]);
    expect(byLocal(d, "sValue").map((e) => e.textContent)).toEqual(["a", "b"]);

    d = await s.invoke("EnumKey", [["hDefKey", HKLM], ["sSubKeyName", key]]);
    expect(byLocal(d, "sNames").map((e) => e.textContent)).toEqual(["AllowFreshCredentials"]);
    d = await s.invoke("EnumValues", [["hDefKey", HKLM], ["sSubKeyName", key]]);
    expect(byLocal(d, "sNames").map((e) => e.textContent)).toEqual(["AllowFreshCredentials", "M"]);
    expect(byLocal(d, "Types").map((e) => e.textContent)).toEqual(["4", "7"]);

    expect(host.state.registry.get("HKLM", `${key}\\AllowFreshCredentials`, "1")).toEqual({ type: "REG_SZ", value: "wsman/srv02.corp.test" });
  });

  test("item 10: Get*Value of a value missing from an existing key returns 1; of a missing key, 2", async () => {
    for (const method of ["GetStringValue", "GetExpandedStringValue", "GetDWORDValue", "GetMultiStringValue"]) {
      let d = await s.invoke(method, [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\Microsoft"], ["sValueName", "NoSuchValue"]]);
      expect([method, text(d, "ReturnValue")]).toEqual([method, "1"]);
      d = await s.invoke(method, [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\NoSuchKey"], ["sValueName", "x"]]);
      expect([method, text(d, "ReturnValue")]).toEqual([method, "2"]);
    }
  });

  test("item 11: a REG_EXPAND_SZ value: GetStringValue is a type mismatch, GetExpandedStringValue expands defined variables", async () => {
    host.state.registry.set("HKLM", "SOFTWARE\\T", "E", "REG_EXPAND_SZ", "wsman/%COMPUTERNAME%.corp.test %SystemRoot% %NotDefined%");
    let d = await s.invoke("GetStringValue", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\T"], ["sValueName", "E"]]);
    expect(text(d, "ReturnValue")).toBe("2147749893");
    d = await s.invoke("GetExpandedStringValue", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\T"], ["sValueName", "E"]]);
    expect(text(d, "ReturnValue")).toBe("0");
    expect(text(d, "sValue")).toBe("wsman/SRV01.corp.test C:\\Windows %NotDefined%");
    d = await s.invoke("EnumValues", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\T"]]);
    expect(byLocal(d, "Types").map((e) => e.textContent)).toEqual(["2"]);
    d = await s.invoke("SetExpandedStringValue", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\T"], ["sValueName", "F"], ["sValue", "%windir%\\x"]]);
    expect(text(d, "ReturnValue")).toBe("0");
    expect(host.state.registry.get("HKLM", "SOFTWARE\\T", "F")).toEqual({ type: "REG_EXPAND_SZ", value: "%windir%\\x" });
  });

  test("missing keys return 2; wrong type is a type mismatch; DeleteKey refuses a key with subkeys", async () => {
    let d = await s.invoke("GetStringValue", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\Nope"], ["sValueName", "x"]]);
    expect(text(d, "ReturnValue")).toBe("2");
    expect(text(d, "sValue")).toBeUndefined();
    d = await s.invoke("EnumKey", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\Nope"]]);
    expect(text(d, "ReturnValue")).toBe("2");
    d = await s.invoke("SetStringValue", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\Nope"], ["sValueName", "x"], ["sValue", "y"]]);
    expect(text(d, "ReturnValue")).toBe("2");
    expect(host.state.registry.hasKey("HKLM", "SOFTWARE\\Nope")).toBe(false);
    d = await s.invoke("DeleteValue", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE"], ["sValueName", "nothing"]]);
    expect(text(d, "ReturnValue")).toBe("2");

    await s.invoke("CreateKey", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\T\\Child"]]);
    await s.invoke("SetDWORDValue", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\T"], ["sValueName", "D"], ["uValue", 7]]);
    d = await s.invoke("GetStringValue", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\T"], ["sValueName", "D"]]);
    expect(text(d, "ReturnValue")).toBe("2147749893");
    d = await s.invoke("DeleteKey", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\T"]]);
    expect(text(d, "ReturnValue")).toBe("5");
    d = await s.invoke("DeleteKey", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\T\\Child"]]);
    expect(text(d, "ReturnValue")).toBe("0");
    d = await s.invoke("DeleteKey", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\T\\Child"]]);
    expect(text(d, "ReturnValue")).toBe("2");
    d = await s.invoke("DeleteValue", [["hDefKey", HKLM], ["sSubKeyName", "SOFTWARE\\T"], ["sValueName", "d"]]);
    expect(text(d, "ReturnValue")).toBe("0");
    expect(host.state.registry.get("HKLM", "SOFTWARE\\T", "D")).toBeUndefined();
  });

  test("hives are separate (HKCU vs HKLM)", async () => {
    await s.invoke("CreateKey", [["hDefKey", 2147483649], ["sSubKeyName", "Software\\Only"]]);
    expect(host.state.registry.hasKey("HKCU", "Software\\Only")).toBe(true);
    expect(host.state.registry.hasKey("HKLM", "Software\\Only")).toBe(false);
  });

  test("response Action is the method action + Response and RelatesTo matches", async () => {
    const r = await s.send({ action: `${URI.reg}/EnumKey`, resourceUri: URI.reg, body: `<p:EnumKey_INPUT xmlns:p="${URI.reg}"><p:hDefKey>${HKLM}</p:hDefKey><p:sSubKeyName>SOFTWARE</p:sSubKeyName></p:EnumKey_INPUT>` });
    expect(text(r.doc, "Action")).toBe(`${URI.reg}/EnumKeyResponse`);
    expect(text(r.doc, "RelatesTo")).toBe(r.messageId);
  });
});

describe("cmd shell", () => {
  test("built-ins behave like cmd.exe", async () => {
    expect(await s.run("hostname")).toEqual({ stdout: "srv01\r\n", stderr: "", exitCode: 0 });
    expect(await s.run("whoami")).toEqual({ stdout: "srv01\\administrator\r\n", stderr: "", exitCode: 0 });
    expect(await s.run("cmd", ["/c", "echo", "hi"])).toEqual({ stdout: "hi\r\n", stderr: "", exitCode: 0 });
    expect(await s.run("exit 3")).toEqual({ stdout: "", stderr: "", exitCode: 3 });
    expect(await s.run("cmd.exe", ["/C", "exit", "/b", "7"])).toEqual({ stdout: "", stderr: "", exitCode: 7 });
    expect(await s.run("frobnicate", ["x"])).toEqual({
      stdout: "",
      stderr: "'frobnicate' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n",
      exitCode: 1,
    });
  });

  test("Receive past OperationTimeout gets the TimedOut fault, then the result", async () => {
    const c = await s.send({ action: ACTION.create, resourceUri: URI.shell, body: `<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>` });
    const shellId = text(c.doc, "ShellId")!;
    const cmd = await s.send({ action: ACTION.command, resourceUri: URI.shell, selectors: { ShellId: shellId }, body: `<rsp:CommandLine><rsp:Command>timeout</rsp:Command><rsp:Arguments>/t 2</rsp:Arguments></rsp:CommandLine>` });
    const commandId = text(cmd.doc, "CommandId")!;
    const recv = () =>
      s.send({ action: ACTION.receive, resourceUri: URI.shell, timeout: "PT1S", selectors: { ShellId: shellId }, body: `<rsp:Receive><rsp:DesiredStream CommandId="${commandId}">stdout stderr</rsp:DesiredStream></rsp:Receive>` });
    const first = await recv();
    expect(first.status).toBe(500);
    expect(faultOf(first.doc).code).toBe(2150858793);
    expect(faultOf(first.doc).subcode).toBe("w:TimedOut");
    expect(text(first.doc, "Action")).toBe("http://schemas.dmtf.org/wbem/wsman/1/wsman/fault");
    let second = await recv();
    if (second.status === 500) second = await recv();
    expect(second.status).toBe(200);
    expect(byLocal(second.doc, "ExitCode")[0].textContent).toBe("0");
  });

  test("Send is accepted; unknown shell and command ids fault", async () => {
    const c = await s.send({ action: ACTION.create, resourceUri: URI.shell, body: `<rsp:Shell/>` });
    const shellId = text(c.doc, "ShellId")!;
    const cmd = await s.send({ action: ACTION.command, resourceUri: URI.shell, selectors: { ShellId: shellId }, body: `<rsp:CommandLine><rsp:Command>echo</rsp:Command></rsp:CommandLine>` });
    const commandId = text(cmd.doc, "CommandId")!;
    const send = await s.send({ action: ACTION.send, resourceUri: URI.shell, selectors: { ShellId: shellId }, body: `<rsp:Send><rsp:Stream Name="stdin" CommandId="${commandId}" End="true">aGk=</rsp:Stream></rsp:Send>` });
    expect(send.status).toBe(200);
    expect(byLocal(send.doc, "SendResponse")).toHaveLength(1);
    const badCmd = await s.send({ action: ACTION.receive, resourceUri: URI.shell, selectors: { ShellId: shellId }, body: `<rsp:Receive><rsp:DesiredStream CommandId="00000000-0000-0000-0000-000000000000">stdout</rsp:DesiredStream></rsp:Receive>` });
    expect(badCmd.status).toBe(500);
    expect(faultOf(badCmd.doc).code).toBe(2150858843);
    await s.send({ action: ACTION.delete, resourceUri: URI.shell, selectors: { ShellId: shellId } });
    const gone = await s.send({ action: ACTION.delete, resourceUri: URI.shell, selectors: { ShellId: shellId } });
    expect(gone.status).toBe(500);
  });
});

describe("fault injection", () => {
  test("failNext answers the next K requests with the given status", async () => {
    host.faults.failNext = { status: 503, count: 2 };
    expect((await s.send({ action: ACTION.get, resourceUri: URI.config })).status).toBe(503);
    expect((await s.send({ action: ACTION.get, resourceUri: URI.config })).status).toBe(503);
    expect((await s.send({ action: ACTION.get, resourceUri: URI.config })).status).toBe(200);
    host.faults.failNext = { status: 500, count: 1 };
    const r = await s.send({ action: ACTION.get, resourceUri: URI.config });
    expect(r.status).toBe(500);
    expect(r.body).toBe("");
  });

  test("latency delays answers", async () => {
    host.faults.latencyMs = 300;
    const t0 = Date.now();
    await s.send({ action: ACTION.get, resourceUri: URI.config });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  test("dropAfter serves N requests then drops the connection once", async () => {
    host.faults.dropAfter = 1;
    expect((await s.send({ action: ACTION.get, resourceUri: URI.config })).status).toBe(200);
    await expect(s.send({ action: ACTION.get, resourceUri: URI.config })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await s.send({ action: ACTION.get, resourceUri: URI.config })).status).toBe(200);
  });

  test("restart drops every shell", async () => {
    const c = await s.send({ action: ACTION.create, resourceUri: URI.shell, body: `<rsp:Shell/>` });
    const shellId = text(c.doc, "ShellId")!;
    host.faults.restart();
    // The restart closed our kept-alive connection; let the agent notice before reusing it.
    await new Promise((r) => setTimeout(r, 50));
    const cmd = await s.send({ action: ACTION.command, resourceUri: URI.shell, selectors: { ShellId: shellId }, body: `<rsp:CommandLine><rsp:Command>hostname</rsp:Command></rsp:CommandLine>` });
    expect(cmd.status).toBe(500);
    expect(faultOf(cmd.doc).code).toBe(2150858843);
  });
});

describe("identity and state helpers", () => {
  test("NetBIOS name is the first label, upper-cased, at most 15 characters", () => {
    const id = new HostIdentity("averyveryverylongname01.corp.test", [{ name: "Ops", password: "x" }]);
    expect(id.netbiosName).toBe("AVERYVERYVERYLO");
    expect(id.shortName).toBe("averyveryverylongname01");
    expect(id.findAccount("AVERYVERYVERYLO\\ops")?.name).toBe("Ops");
    expect(id.findAccount("ops@averyveryverylongname01.corp.test")?.name).toBe("Ops");
    expect(id.findAccount("CORP\\ops")).toBeUndefined();
    expect(id.whoami(id.findAccount("ops")!)).toBe("averyveryverylo\\ops");
  });

  test("setConfig validates like Windows and names the setting, not the value", () => {
    const state = new SimState();
    expect(() => state.setConfig("Service/Auth/Basic", "yes")).toThrow(expect.objectContaining({ code: "SIM_STATE_VALUE", setting: "Service/Auth/Basic" }));
    expect(() => state.setConfig("Service/Nope", "true")).toThrow(expect.objectContaining({ code: "SIM_STATE_PATH" }));
    state.setConfig("service/auth/basic", "TRUE");
    expect(state.getConfig("Service/Auth/Basic")).toBe("true");
    state.setConfig("Service/Auth/CbtHardeningLevel", "strict");
    expect(state.getConfig("Service/Auth/CbtHardeningLevel")).toBe("Strict");
    expect(() => state.setConfig("MaxTimeoutms", "-1")).toThrow(expect.objectContaining({ code: "SIM_STATE_VALUE" }));
  });
});

describe("enumeration", () => {
  const ENUM = "http://schemas.xmlsoap.org/ws/2004/09/enumeration";
  const LISTENER = "http://schemas.microsoft.com/wbem/wsman/1/config/listener";

  test("Enumerate without optimisation hands out a context; Pull drains it; a spent context faults", async () => {
    const e = await s.send({ action: `${ENUM}/Enumerate`, resourceUri: LISTENER, body: `<wsen:Enumerate xmlns:wsen="${ENUM}"/>` });
    expect(e.status).toBe(200);
    const ctx = text(e.doc, "EnumerationContext")!;
    expect(ctx).toMatch(/^uuid:/);
    const pull = () => s.send({ action: `${ENUM}/Pull`, resourceUri: LISTENER, body: `<wsen:Pull xmlns:wsen="${ENUM}"><wsen:EnumerationContext>${ctx}</wsen:EnumerationContext><wsen:MaxElements>10</wsen:MaxElements></wsen:Pull>` });
    const p = await pull();
    expect(p.status).toBe(200);
    expect(text(p.doc, "Action")).toBe(`${ENUM}/PullResponse`);
    expect(byLocal(p.doc, "Listener").map((l) => text(l, "Transport"))).toEqual(["HTTP"]);
    expect(byLocal(p.doc, "EndOfSequence")).toHaveLength(1);
    const again = await pull();
    expect(again.status).toBe(500);
    expect(faultOf(again.doc).code).toBe(2150858779);
  });
});

describe("registry order", () => {
  test("item 14: EnumValues lists values in creation order, as Windows does, also for names like 1, 2, 3", async () => {
    const key = `${CREDENTIALS_DELEGATION_KEY}\\AllowFreshCredentials`;
    host.state.registry.set("HKLM", key, "3", "REG_SZ", "wsman/c");
    host.state.registry.set("HKLM", key, "1", "REG_SZ", "wsman/a");
    host.state.registry.set("HKLM", key, "2", "REG_SZ", "wsman/b");
    host.state.registry.deleteValue("HKLM", key, "1");
    host.state.registry.set("HKLM", key, "1", "REG_SZ", "wsman/a2");
    const d = await s.invoke("EnumValues", [["hDefKey", HKLM], ["sSubKeyName", key]]);
    expect(byLocal(d, "sNames").map((e) => e.textContent)).toEqual(["3", "2", "1"]);
  });
});
