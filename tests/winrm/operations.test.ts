// Request shapes and reply conversion for invoke/enumerate/put, against a scripted
// loopback responder that answers by Action the way Windows' WMI plugin does.
import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import { TimeoutError, WinRMClient } from "../../provider/src/winrm";
import { actionOf, messageIdOf } from "./support/captures";
import { HKLM, STDREGPROV_URI as STDREG } from "../../provider/src/windows";
import { SOAP_CONTENT_TYPE } from "../../provider/src/winrm/soap";

const CIM = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/*";
const SVC_AUTH = "http://schemas.microsoft.com/wbem/wsman/1/config/service/auth";

type Answer = (request: string) => string;
const envelope = (request: string, action: string, body: string) =>
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ` +
  `xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" ` +
  `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><s:Header><a:Action>${action}</a:Action>` +
  `<a:MessageID>uuid:AAAAAAAA-0000-0000-0000-000000000000</a:MessageID><a:RelatesTo>${messageIdOf(request)}</a:RelatesTo></s:Header>` +
  `<s:Body>${body}</s:Body></s:Envelope>`;

let server: http.Server;
let port: number;
let answers: Record<string, Answer | undefined> = {};
const requests: string[] = [];
let client: WinRMClient;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push(body);
      const answer = answers[actionOf(body)];
      const out = Buffer.from(answer ? answer(body) : "", "utf8");
      res.writeHead(answer ? 200 : 500, { "Content-Type": SOAP_CONTENT_TYPE, "Content-Length": String(out.length) });
      res.end(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});

beforeEach(() => {
  requests.length = 0;
  answers = {};
  client = new WinRMClient({ host: "127.0.0.1", port, auth: "basic", username: "u", password: "p", allowUnencrypted: true, timeoutMs: 5000 });
});

afterEach(() => client.close());
afterAll(() => new Promise<void>((r) => server.close(() => r())));

test("invoke: METHOD_INPUT with typed and repeated parameters, METHOD_OUTPUT as object", async () => {
  answers[`${STDREG}/SetMultiStringValue`] = (req) =>
    envelope(req, `${STDREG}/SetMultiStringValueResponse`,
      `<p:SetMultiStringValue_OUTPUT xmlns:p="${STDREG}"><p:ReturnValue>0</p:ReturnValue></p:SetMultiStringValue_OUTPUT>`);
  const out = await client.invoke(STDREG, "SetMultiStringValue", {
    hDefKey: HKLM, sSubKeyName: "SOFTWARE\\A&B", sValueName: "x", sValue: ["wsman/<a>", "wsman/b"], bFlag: true,
  });
  expect(out).toEqual({ ReturnValue: "0" });
  const req = requests[0];
  expect(actionOf(req)).toBe(`${STDREG}/SetMultiStringValue`);
  expect(req).toContain(
    `<p:SetMultiStringValue_INPUT xmlns:p="${STDREG}"><p:hDefKey>2147483650</p:hDefKey><p:sSubKeyName>SOFTWARE\\A&amp;B</p:sSubKeyName>` +
      `<p:sValueName>x</p:sValueName><p:sValue>wsman/&lt;a&gt;</p:sValue><p:sValue>wsman/b</p:sValue><p:bFlag>true</p:bFlag></p:SetMultiStringValue_INPUT>`,
  );
  expect(req).toContain(`<wsman:ResourceURI s:mustUnderstand="true">${STDREG}</wsman:ResourceURI>`);
});

test("invoke: nil, empty and repeated output values follow the WsmanObject rules", async () => {
  answers[`${STDREG}/EnumValues`] = (req) =>
    envelope(req, `${STDREG}/EnumValuesResponse`,
      `<p:EnumValues_OUTPUT xmlns:p="${STDREG}"><p:ReturnValue>0</p:ReturnValue><p:sNames>1</p:sNames><p:sNames>2</p:sNames>` +
        `<p:Types xsi:nil="true"/><p:Empty></p:Empty><p:One>only</p:One></p:EnumValues_OUTPUT>`);
  const out = await client.invoke(STDREG, "EnumValues", { hDefKey: HKLM, sSubKeyName: "k" });
  expect(out).toEqual({ ReturnValue: "0", sNames: ["1", "2"], Types: null, Empty: "", One: "only" });
});

test("enumerate: WQL filter, then Pull until EndOfSequence", async () => {
  answers["http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate"] = (req) =>
    envelope(req, "http://schemas.xmlsoap.org/ws/2004/09/enumeration/EnumerateResponse",
      `<n:EnumerateResponse><n:EnumerationContext>ctx-1</n:EnumerationContext><w:Items><p:Win32_Service xmlns:p="x"><p:Name>WinRM</p:Name></p:Win32_Service></w:Items></n:EnumerateResponse>`);
  let pulls = 0;
  answers["http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull"] = (req) => {
    pulls++;
    const last = pulls === 2;
    return envelope(req, "http://schemas.xmlsoap.org/ws/2004/09/enumeration/PullResponse",
      `<n:PullResponse>${last ? "" : `<n:EnumerationContext>ctx-${pulls + 1}</n:EnumerationContext>`}<n:Items>` +
        `<p:Win32_Service xmlns:p="x"><p:Name>svc${pulls}</p:Name></p:Win32_Service></n:Items>${last ? "<n:EndOfSequence/>" : ""}</n:PullResponse>`);
  };
  const items = await client.enumerate(CIM, "SELECT Name FROM Win32_Service WHERE Name < 'X'");
  expect(items.map((i) => i.Name)).toEqual(["WinRM", "svc1", "svc2"]);
  expect(requests[0]).toContain(
    `<wsman:Filter Dialect="http://schemas.microsoft.com/wbem/wsman/1/WQL">SELECT Name FROM Win32_Service WHERE Name &lt; &apos;X&apos;</wsman:Filter>`,
  );
  expect(requests[1]).toContain("<wsen:EnumerationContext>ctx-1</wsen:EnumerationContext>");
  expect(requests[2]).toContain("<wsen:EnumerationContext>ctx-2</wsen:EnumerationContext>");
});

test("enumerate: an enumeration that never ends is stopped at 50,000 items", async () => {
  const items = `<p:Win32_Process xmlns:p="x"><p:Name>p</p:Name></p:Win32_Process>`.repeat(2000);
  answers["http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate"] = (req) =>
    envelope(req, "http://schemas.xmlsoap.org/ws/2004/09/enumeration/EnumerateResponse",
      `<n:EnumerateResponse><n:EnumerationContext>ctx</n:EnumerationContext><w:Items>${items}</w:Items></n:EnumerateResponse>`);
  answers["http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull"] = (req) =>
    envelope(req, "http://schemas.xmlsoap.org/ws/2004/09/enumeration/PullResponse",
      `<n:PullResponse><n:EnumerationContext>ctx</n:EnumerationContext><n:Items>${items}</n:Items></n:PullResponse>`);
  await expect(client.enumerate(CIM)).rejects.toMatchObject({ code: "WINRM_PROTOCOL", message: expect.stringMatching(/more than 50000 items/) });
  expect(requests.length).toBe(26);
});

test("put: the partial body is sent as-is with selectors and the reply is returned", async () => {
  answers["http://schemas.xmlsoap.org/ws/2004/09/transfer/Put"] = (req) =>
    envelope(req, "http://schemas.xmlsoap.org/ws/2004/09/transfer/PutResponse",
      `<cfg:Auth xmlns:cfg="${SVC_AUTH}"><cfg:Basic>false</cfg:Basic><cfg:CredSSP>true</cfg:CredSSP></cfg:Auth>`);
  const body = `<cfg:Auth xmlns:cfg="${SVC_AUTH}"><cfg:CredSSP>true</cfg:CredSSP></cfg:Auth>`;
  const out = await client.put(SVC_AUTH, body, { Name: "a&b" });
  expect(out).toEqual({ Basic: "false", CredSSP: "true" });
  expect(requests[0]).toContain(`<s:Body>${body}</s:Body>`);
  expect(requests[0]).toContain(`<wsman:SelectorSet><wsman:Selector Name="Name">a&amp;b</wsman:Selector></wsman:SelectorSet>`);
});

test("connect timeout: a listener that never completes the TLS handshake", async () => {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  const c = new WinRMClient({
    host: "127.0.0.1", port: (silent.address() as AddressInfo).port, https: true, auth: "ntlm", username: "u", password: "p",
    connectTimeoutMs: 300, retries: 0,
  });
  const err = await c.get(SVC_AUTH).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TimeoutError);
  expect((err as TimeoutError).phase).toBe("connect");
  await c.close();
  sockets.forEach((s) => s.destroy());
  await new Promise<void>((r) => silent.close(() => r()));
});

test("a UTF-16 reply (declared in Content-Type) is decoded", async () => {
  const utf16 = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const xml = envelope(Buffer.concat(chunks).toString("utf8"), "GetResponse", `<cfg:Auth xmlns:cfg="${SVC_AUTH}"><cfg:Basic>ü</cfg:Basic></cfg:Auth>`);
      const out = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, "utf16le")]);
      res.writeHead(200, { "Content-Type": "application/soap+xml;charset=UTF-16", "Content-Length": String(out.length) }).end(out);
    });
  });
  await new Promise<void>((r) => utf16.listen(0, "127.0.0.1", r));
  const c = new WinRMClient({ host: "127.0.0.1", port: (utf16.address() as AddressInfo).port, auth: "basic", username: "u", password: "p", allowUnencrypted: true });
  expect(await c.get(SVC_AUTH)).toEqual({ Basic: "ü" });
  await c.close();
  await new Promise<void>((r) => utf16.close(() => r()));
});
