// Test-only raw WS-Management requests against the simulator: hand-written envelopes in
// the shape pywinrm/pypsrp send, over Basic auth, so the simulator can be probed without
// going through any client library of this project.

import * as http from "node:http";
import * as https from "node:https";
import { randomUUID } from "node:crypto";
import * as path from "node:path";
import { DOMParser } from "@xmldom/xmldom";
import type { Document, Element } from "@xmldom/xmldom";
import { collect, peerEnv } from "../../peers/peers";
import { STDREGPROV_URI, WSMAN_CONFIG_URI } from "../../../provider/src/windows";
import { SOAP_CONTENT_TYPE } from "../../../provider/src/winrm/soap";

export type { Document, Element };

export const ROOT = path.resolve(__dirname, "../../..");

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Raw header pairs, to see repeated WWW-Authenticate lines one by one. */
  rawHeaders: string[];
  body: string;
}

export function post(
  url: string,
  body: string,
  headers: Record<string, string> = {},
  agent?: http.Agent,
): Promise<RawResponse> {
  const u = new URL(url);
  const lib = u.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      {
        method: "POST",
        hostname: u.hostname,
        port: u.port,
        path: u.pathname,
        headers: { "Content-Type": SOAP_CONTENT_TYPE, ...headers },
        rejectUnauthorized: false,
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Each WWW-Authenticate header line, in order. */
export function wwwAuthenticate(r: RawResponse): string[] {
  const out: string[] = [];
  for (let i = 0; i < r.rawHeaders.length; i += 2) {
    if (r.rawHeaders[i].toLowerCase() === "www-authenticate") out.push(r.rawHeaders[i + 1]);
  }
  return out;
}

export function basic(user: string, password: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };
}

export interface EnvelopeOpts {
  action: string;
  resourceUri: string;
  to?: string;
  selectors?: Record<string, string>;
  options?: Record<string, string>;
  timeout?: string;
  body?: string;
  messageId?: string;
}

export function envelope(o: EnvelopeOpts): { xml: string; messageId: string } {
  const messageId = o.messageId ?? `uuid:${randomUUID().toUpperCase()}`;
  const sel = o.selectors
    ? `<wsman:SelectorSet>${Object.entries(o.selectors).map(([k, v]) => `<wsman:Selector Name="${k}">${v}</wsman:Selector>`).join("")}</wsman:SelectorSet>`
    : "";
  const opt = o.options
    ? `<wsman:OptionSet s:mustUnderstand="true">${Object.entries(o.options).map(([k, v]) => `<wsman:Option Name="${k}">${v}</wsman:Option>`).join("")}</wsman:OptionSet>`
    : "";
  const xml =
    `<s:Envelope xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsman="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:wsmv="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd">` +
    `<s:Header><wsa:Action s:mustUnderstand="true">${o.action}</wsa:Action>` +
    `<wsman:MaxEnvelopeSize s:mustUnderstand="true">153600</wsman:MaxEnvelopeSize>` +
    `<wsa:MessageID>${messageId}</wsa:MessageID><wsman:OperationTimeout>${o.timeout ?? "PT20S"}</wsman:OperationTimeout>` +
    `<wsa:ReplyTo><wsa:Address s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:Address></wsa:ReplyTo>` +
    `<wsman:ResourceURI s:mustUnderstand="true">${o.resourceUri}</wsman:ResourceURI>` +
    `<wsa:To>${o.to ?? "http://localhost/wsman"}</wsa:To>${opt}${sel}</s:Header>` +
    `<s:Body>${o.body ?? ""}</s:Body></s:Envelope>`;
  return { xml, messageId };
}

export const URI = {
  config: WSMAN_CONFIG_URI,
  shell: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd",
  reg: STDREGPROV_URI,
};

export const ACTION = {
  get: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get",
  put: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Put",
  create: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
  delete: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete",
  command: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command",
  receive: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive",
  send: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send",
  signal: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal",
};

export function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, "text/xml");
}

/** All elements with this local name, anywhere. */
export function byLocal(doc: Document | Element, local: string): Element[] {
  return Array.from(doc.getElementsByTagNameNS("*", local));
}

export function text(doc: Document | Element, local: string): string | undefined {
  const el = byLocal(doc, local)[0];
  return el ? (el.textContent ?? "") : undefined;
}

/** A connection bound to one host/credential pair, sending envelopes over Basic. */
export class RawSession {
  constructor(
    readonly url: string,
    readonly user: string,
    readonly password: string,
  ) {}

  async send(o: EnvelopeOpts): Promise<RawResponse & { doc: Document; messageId: string }> {
    const { xml, messageId } = envelope(o);
    const res = await post(this.url, xml, basic(this.user, this.password));
    return { ...res, doc: parse(res.body || "<empty/>"), messageId };
  }

  async invoke(method: string, params: Array<[string, string | number]>): Promise<Document> {
    const inner = params.map(([k, v]) => `<p:${k}>${v}</p:${k}>`).join("");
    const r = await this.send({
      action: `${URI.reg}/${method}`,
      resourceUri: URI.reg,
      body: `<p:${method}_INPUT xmlns:p="${URI.reg}">${inner}</p:${method}_INPUT>`,
    });
    if (r.status !== 200) throw new Error(`invoke ${method}: HTTP ${r.status}: ${r.body}`);
    return r.doc;
  }

  /** Create shell, run, receive until Done, signal, delete. */
  async run(command: string, args: string[] = []): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const c = await this.send({ action: ACTION.create, resourceUri: URI.shell, body: `<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>` });
    if (c.status !== 200) throw new Error(`create: ${c.status} ${c.body}`);
    const shellId = text(c.doc, "ShellId")!;
    const argXml = args.map((a) => `<rsp:Arguments>${a}</rsp:Arguments>`).join("");
    const cmd = await this.send({ action: ACTION.command, resourceUri: URI.shell, selectors: { ShellId: shellId }, body: `<rsp:CommandLine><rsp:Command>${command}</rsp:Command>${argXml}</rsp:CommandLine>` });
    const commandId = text(cmd.doc, "CommandId")!;
    let stdout = "";
    let stderr = "";
    let exitCode = -1;
    for (;;) {
      const r = await this.send({ action: ACTION.receive, resourceUri: URI.shell, selectors: { ShellId: shellId }, body: `<rsp:Receive><rsp:DesiredStream CommandId="${commandId}">stdout stderr</rsp:DesiredStream></rsp:Receive>` });
      if (r.status !== 200) throw new Error(`receive: ${r.status} ${r.body}`);
      for (const s of byLocal(r.doc, "Stream")) {
        const data = Buffer.from(s.textContent ?? "", "base64").toString("utf8");
        if (s.getAttribute("Name") === "stdout") stdout += data;
        else stderr += data;
      }
      const state = byLocal(r.doc, "CommandState")[0];
      if (state?.getAttribute("State")?.endsWith("/Done")) {
        exitCode = Number(text(state, "ExitCode"));
        break;
      }
    }
    await this.send({ action: ACTION.signal, resourceUri: URI.shell, selectors: { ShellId: shellId }, body: `<rsp:Signal CommandId="${commandId}"><rsp:Code>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate</rsp:Code></rsp:Signal>` });
    await this.send({ action: ACTION.delete, resourceUri: URI.shell, selectors: { ShellId: shellId } });
    return { stdout, stderr, exitCode };
  }
}

export const PYTHON = "/usr/bin/python3";

/** Run a Python script with Debian's pywinrm (the peers' environment: MD4 on, no CA override). */
export function runPython(script: string, args: string[], timeoutMs = 30_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return collect(PYTHON, [script, ...args], peerEnv(), timeoutMs);
}
