// Shape conformance: the simulator's responses have the same element tree (namespaces,
// prefixes, local names, attribute names, order) and the same Envelope namespace
// declarations as the real Windows responses recorded in shared/reference/windows-captures.
// Text (IDs, addresses, data) is ignored.

import * as fs from "node:fs";
import * as path from "node:path";
import { startHost, SimHost } from "../../simulator/src/index";
import { ACTION, parse, RawSession, ROOT, text, URI } from "./support/raw";
import type { Document, Element } from "./support/raw";

const CAPTURES = path.resolve(ROOT, "..", "shared", "reference", "windows-captures");

/** The response XML strings of one capture file, in order. */
function recordedResponses(file: string): string[] {
  const yml = fs.readFileSync(path.join(CAPTURES, file), "utf8");
  const out: string[] = [];
  for (const line of yml.split("\n")) {
    const m = /^\s+response: (.*)$/.exec(line);
    if (!m) continue;
    let v = m[1].trim();
    if (v.startsWith("'") && v.endsWith("'")) v = v.slice(1, -1).replace(/''/g, "'");
    out.push(v);
  }
  return out;
}

interface Shape {
  name: string;
  attrs: string[];
  children: Shape[];
}

const XMLNS = "http://www.w3.org/2000/xmlns/";

function shapeOf(el: Element): Shape {
  const attrs: string[] = [];
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i)!;
    if (a.namespaceURI === XMLNS || a.name === "xmlns") continue;
    attrs.push(`${a.prefix ? `${a.prefix}:` : ""}{${a.namespaceURI ?? ""}}${a.localName}`);
  }
  const children: Shape[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) children.push(shapeOf(n as Element));
  return { name: `${el.prefix ?? ""}:{${el.namespaceURI ?? ""}}${el.localName}`, attrs: attrs.sort(), children };
}

/** Envelope-level namespace declarations, in document order. */
function envelopeDecls(xml: string): string[] {
  const root = parse(xml).documentElement!;
  const out: string[] = [];
  for (let i = 0; i < root.attributes.length; i++) {
    const a = root.attributes.item(i)!;
    if (a.namespaceURI === XMLNS) out.push(`${a.localName}=${a.value}`);
  }
  return out;
}

/** Drop header elements Windows adds only sometimes (p:ActivityId) before comparing. */
function normalised(xml: string): Shape {
  const s = shapeOf(parse(xml).documentElement!);
  const header = s.children.find((c) => c.name.endsWith("}Header"));
  if (header) header.children = header.children.filter((c) => !c.name.endsWith("}ActivityId"));
  return s;
}

function expectSameShape(ours: string, recorded: string) {
  expect(envelopeDecls(ours)).toEqual(envelopeDecls(recorded));
  expect(normalised(ours)).toEqual(normalised(recorded));
}

let host: SimHost;
let s: RawSession;

beforeAll(async () => {
  host = await startHost({
    hostname: "srv01.corp.test",
    users: [{ name: "vagrant", password: "Shape-pw-1", admin: true }],
    set: { "Service/Auth/Basic": "true", "Service/AllowUnencrypted": "true" },
  });
  s = new RawSession(host.httpUrl!, "vagrant", "Shape-pw-1");
});
afterAll(async () => host.stop());

test("the captures are available", () => {
  expect(fs.existsSync(path.join(CAPTURES, "test_winrs_standard.yml"))).toBe(true);
});

test("shell Create, Command, Receive, Signal and Delete match test_winrs_standard.yml", async () => {
  const [create, command, receive, signal, del] = recordedResponses("test_winrs_standard.yml");
  const c = await s.send({ action: ACTION.create, resourceUri: URI.shell, body: `<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>` });
  expectSameShape(c.body, create);
  const shellId = text(c.doc, "ShellId")!;
  const cmd = await s.send({ action: ACTION.command, resourceUri: URI.shell, selectors: { ShellId: shellId }, options: { WINRS_SKIP_CMD_SHELL: "False" }, body: `<rsp:CommandLine><rsp:Command>cmd.exe</rsp:Command><rsp:Arguments>/c</rsp:Arguments><rsp:Arguments>echo</rsp:Arguments><rsp:Arguments>hi</rsp:Arguments></rsp:CommandLine>` });
  expectSameShape(cmd.body, command);
  const commandId = text(cmd.doc, "CommandId")!;
  const r = await s.send({ action: ACTION.receive, resourceUri: URI.shell, selectors: { ShellId: shellId }, body: `<rsp:Receive><rsp:DesiredStream CommandId="${commandId}">stdout stderr</rsp:DesiredStream></rsp:Receive>` });
  expectSameShape(r.body, receive);
  // same data, byte for byte: "hi\r\n"
  expect(r.body).toContain(">aGkNCg==<");
  const sig = await s.send({ action: ACTION.signal, resourceUri: URI.shell, selectors: { ShellId: shellId }, body: `<rsp:Signal CommandId="${commandId}"><rsp:Code>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c</rsp:Code></rsp:Signal>` });
  expectSameShape(sig.body, signal);
  const d = await s.send({ action: ACTION.delete, resourceUri: URI.shell, selectors: { ShellId: shellId } });
  expectSameShape(d.body, del);
});

test("Send matches test_winrs_send.yml", async () => {
  const send = recordedResponses("test_winrs_send.yml")[2];
  const c = await s.send({ action: ACTION.create, resourceUri: URI.shell, body: `<rsp:Shell/>` });
  const shellId = text(c.doc, "ShellId")!;
  const cmd = await s.send({ action: ACTION.command, resourceUri: URI.shell, selectors: { ShellId: shellId }, body: `<rsp:CommandLine><rsp:Command>echo</rsp:Command></rsp:CommandLine>` });
  const commandId = text(cmd.doc, "CommandId")!;
  const r = await s.send({ action: ACTION.send, resourceUri: URI.shell, selectors: { ShellId: shellId }, body: `<rsp:Send><rsp:Stream CommandId="${commandId}" End="True" Name="stdin">aGk=</rsp:Stream></rsp:Send>` });
  expectSameShape(r.body, send);
});

test("config Get matches test_wsman_update_envelope_size_500.yml element for element", async () => {
  const [get] = recordedResponses("test_wsman_update_envelope_size_500.yml");
  const r = await s.send({ action: ACTION.get, resourceUri: URI.config });
  expectSameShape(r.body, get);
});

test("the OperationTimeout fault matches test_winrs_operation_timeout.yml, including HTTP 500", async () => {
  const fault = recordedResponses("test_winrs_operation_timeout.yml")[3];
  const c = await s.send({ action: ACTION.create, resourceUri: URI.shell, body: `<rsp:Shell/>` });
  const shellId = text(c.doc, "ShellId")!;
  const cmd = await s.send({ action: ACTION.command, resourceUri: URI.shell, selectors: { ShellId: shellId }, body: `<rsp:CommandLine><rsp:Command>timeout</rsp:Command><rsp:Arguments>/t 5</rsp:Arguments></rsp:CommandLine>` });
  const commandId = text(cmd.doc, "CommandId")!;
  const r = await s.send({ action: ACTION.receive, resourceUri: URI.shell, timeout: "PT0.5S", selectors: { ShellId: shellId }, body: `<rsp:Receive><rsp:DesiredStream CommandId="${commandId}">stdout stderr</rsp:DesiredStream></rsp:Receive>` });
  expect(r.status).toBe(500);
  expectSameShape(r.body, fault);
  expect(text(r.doc, "Text")).toBe(text(parse(fault), "Text"));
  expect(text(r.doc, "RelatesTo")).toBe(r.messageId);
  await s.send({ action: ACTION.delete, resourceUri: URI.shell, selectors: { ShellId: shellId } });
});

test("the unknown-command-id fault matches test_winrs_bad_cmd_id.yml", async () => {
  const fault = recordedResponses("test_winrs_bad_cmd_id.yml")[2];
  const c = await s.send({ action: ACTION.create, resourceUri: URI.shell, body: `<rsp:Shell/>` });
  const shellId = text(c.doc, "ShellId")!;
  const r = await s.send({ action: ACTION.receive, resourceUri: URI.shell, selectors: { ShellId: shellId }, body: `<rsp:Receive><rsp:DesiredStream CommandId="AAAAAAAA-0000-0000-0000-000000000000">stdout stderr</rsp:DesiredStream></rsp:Receive>` });
  expect(r.status).toBe(500);
  expectSameShape(r.body, fault);
});

test("an invalid OperationTimeout gets the addressing fault of test_psrp_is_alive_other_wsman_error.yml", async () => {
  const fault = recordedResponses("test_psrp_is_alive_other_wsman_error.yml")[3];
  const r = await s.send({ action: ACTION.get, resourceUri: URI.config, timeout: "PT-1S" });
  expect(r.status).toBe(500);
  expectSameShape(r.body, fault);
  expect(text(r.doc, "Message")).toBe(text(parse(fault), "Message"));
  expect(text(r.doc, "Action")).toBe("http://schemas.xmlsoap.org/ws/2004/08/addressing/fault");
});

test("MessageIDs are upper-case uuids and RelatesTo echoes the request", async () => {
  const r = await s.send({ action: ACTION.get, resourceUri: URI.config });
  expect(text(r.doc, "MessageID")).toMatch(/^uuid:[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  expect(text(r.doc, "RelatesTo")).toBe(r.messageId);
  expect(r.doc.documentElement!.getAttribute("xml:lang")).toBe("en-US");
});

test("item 14: Put responses carry xml:lang on the envelope, as MS-WSMV's Put response examples (4.1.3, 4.2.4) show", async () => {
  const ns = `${URI.config}/client`;
  const r = await s.send({ action: ACTION.put, resourceUri: ns, body: `<cfg:Client xmlns:cfg="${ns}"><cfg:TrustedHosts>x</cfg:TrustedHosts></cfg:Client>` });
  expect(r.status).toBe(200);
  expect(r.doc.documentElement!.getAttribute("xml:lang")).toBe("en-US");
  expect(text(r.doc, "Action")).toBe("http://schemas.xmlsoap.org/ws/2004/09/transfer/PutResponse");
  expect(text(r.doc, "RelatesTo")).toBe(r.messageId);
});
