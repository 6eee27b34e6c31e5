// SOAP request parsing and response/fault building for the simulated host.
//
// Deliberately independent of the client's SOAP code (provider/src/winrm): the simulator
// must answer the way Windows answers, so every envelope here is modelled on the real
// captures in shared/reference/windows-captures (prefixes s/a/x/w/p/rsp, xml:lang on the
// Envelope, Action "...Response" URIs, RelatesTo = request MessageID, MessageID as an
// upper-case uuid). Only the NTLM/crypto primitives and the encryption framing are shared.

import { randomUUID } from "node:crypto";
import { DOMParser } from "@xmldom/xmldom";
import type { Element as XmlElement } from "@xmldom/xmldom";

export const NS = {
  s: "http://www.w3.org/2003/05/soap-envelope",
  a: "http://schemas.xmlsoap.org/ws/2004/08/addressing",
  x: "http://schemas.xmlsoap.org/ws/2004/09/transfer",
  e: "http://schemas.xmlsoap.org/ws/2004/08/eventing",
  n: "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
  w: "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
  p: "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
  rsp: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
  f: "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
  xsi: "http://www.w3.org/2001/XMLSchema-instance",
} as const;

export const ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";

export const ACTIONS = {
  get: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get",
  put: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Put",
  create: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
  delete: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete",
  enumerate: "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate",
  pull: "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull",
  command: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command",
  receive: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive",
  send: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send",
  signal: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal",
  wsmanFault: "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault",
  addressingFault: "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault",
} as const;

/** The parts of a WS-Management request the dispatcher needs. */
export interface WsmanRequest {
  action: string;
  messageId: string;
  resourceUri: string;
  to: string;
  /** Seconds from wsman:OperationTimeout (xs:duration), undefined when absent. */
  operationTimeoutSec?: number;
  /** The header's text, to report it when it does not parse. */
  operationTimeoutRaw?: string;
  selectors: Record<string, string>;
  options: Record<string, string>;
  /** First element child of s:Body, if any. */
  body?: XmlElement;
}

/** A request that is not a WS-Management envelope at all. */
export class SoapParseError extends Error {
  readonly code = "SIM_SOAP_PARSE";
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

export function elementChildren(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) out.push(n as unknown as XmlElement);
  }
  return out;
}

export function childByLocalName(el: XmlElement, localName: string, ns?: string): XmlElement | undefined {
  return elementChildren(el).find((c) => c.localName === localName && (ns === undefined || c.namespaceURI === ns));
}

export function textOf(el: XmlElement | undefined): string {
  return el?.textContent ?? "";
}

/** xs:duration → seconds (only the forms WS-Management clients send: PnDTnHnMn.nS). */
export function parseDuration(value: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value.trim());
  if (!m) return undefined;
  const [, d, h, mi, s] = m;
  return Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(mi ?? 0) * 60 + Number(s ?? 0);
}

/**
 * The most elements plus attributes a request may have. A WS-Management request is a few
 * dozen; the limit keeps what one request can cost to parse (a DOM node is about a
 * kilobyte) far below what MaxEnvelopeSizekb alone would allow, e.g. 500 KB of "<a/>".
 */
export const MAX_REQUEST_NODES = 10_000;

/** Counts element starts and attribute assignments (a cheap upper bound; comments may add a few). */
function tooManyNodes(xml: string): boolean {
  let nodes = 0;
  for (let i = 0; i < xml.length; i++) {
    const c = xml.charCodeAt(i);
    if (c === 0x3d /* = */) nodes++;
    else if (c === 0x3c /* < */) {
      const n = xml.charCodeAt(i + 1);
      if ((n >= 0x41 && n <= 0x5a) || (n >= 0x61 && n <= 0x7a) || n === 0x5f) nodes++;
    }
    if (nodes > MAX_REQUEST_NODES) return true;
  }
  return false;
}

export function parseRequest(xml: string): WsmanRequest {
  if (tooManyNodes(xml)) throw new SoapParseError(`request has more than ${MAX_REQUEST_NODES} elements and attributes`);
  let doc;
  try {
    doc = new DOMParser({ onError: () => undefined }).parseFromString(xml, "text/xml");
  } catch (err) {
    throw new SoapParseError(`request is not XML: ${(err as Error).message}`);
  }
  const env = doc.documentElement;
  if (!env || env.localName !== "Envelope" || env.namespaceURI !== NS.s) {
    throw new SoapParseError("request is not a SOAP 1.2 envelope");
  }
  const header = childByLocalName(env, "Header", NS.s);
  const bodyEl = childByLocalName(env, "Body", NS.s);
  const h = (name: string, ns: string) => (header ? childByLocalName(header, name, ns) : undefined);

  const selectors: Record<string, string> = {};
  const selSet = h("SelectorSet", NS.w);
  if (selSet) {
    for (const s of elementChildren(selSet)) {
      if (s.localName === "Selector") selectors[s.getAttribute("Name") ?? ""] = textOf(s);
    }
  }
  const options: Record<string, string> = {};
  const optSet = h("OptionSet", NS.w);
  if (optSet) {
    for (const o of elementChildren(optSet)) {
      if (o.localName === "Option") options[o.getAttribute("Name") ?? ""] = textOf(o);
    }
  }
  const timeoutText = textOf(h("OperationTimeout", NS.w));
  return {
    action: textOf(h("Action", NS.a)).trim(),
    messageId: textOf(h("MessageID", NS.a)).trim(),
    resourceUri: textOf(h("ResourceURI", NS.w)).trim(),
    to: textOf(h("To", NS.a)).trim(),
    operationTimeoutSec: timeoutText ? parseDuration(timeoutText) : undefined,
    operationTimeoutRaw: timeoutText ? timeoutText.trim() : undefined,
    selectors,
    options,
    body: bodyEl ? elementChildren(bodyEl)[0] : undefined,
  };
}

/** Windows writes MessageIDs as upper-case uuids. */
export function newMessageId(): string {
  return `uuid:${randomUUID().toUpperCase()}`;
}

/** Envelope prefixes a response declares, in Windows' order (they differ per response kind). */
export type Prefix = "s" | "a" | "x" | "e" | "n" | "w" | "rsp" | "p";

export function envelope(opts: {
  prefixes: Prefix[];
  action: string;
  relatesTo: string;
  body: string;
}): string {
  const decls = opts.prefixes.map((p) => ` xmlns:${p}="${NS[p]}"`).join("");
  const relates = opts.relatesTo ? `<a:RelatesTo>${escapeXml(opts.relatesTo)}</a:RelatesTo>` : "";
  return (
    `<s:Envelope xml:lang="en-US"${decls}><s:Header>` +
    `<a:Action>${escapeXml(opts.action)}</a:Action>` +
    `<a:MessageID>${newMessageId()}</a:MessageID>` +
    `<a:To>${ANONYMOUS}</a:To>` +
    relates +
    `</s:Header><s:Body>${opts.body}</s:Body></s:Envelope>`
  );
}

/** A WS-Management fault as Windows reports it (always with HTTP 500). */
export interface WsmanFault {
  code: "s:Sender" | "s:Receiver";
  /** e.g. "w:TimedOut", "w:AccessDenied", "a:InvalidMessageInformationHeader" */
  subcode: string;
  reason: string;
  wsmanCode: number;
  message: string;
  /** Optional w:FaultDetail URI placed before f:WSManFault. */
  faultDetail?: string;
  /** addressing faults use the WS-Addressing fault action, the rest the WS-Man one. */
  action?: string;
}

export class FaultError extends Error {
  readonly code = "SIM_FAULT";
  constructor(readonly fault: WsmanFault) {
    super(fault.message);
  }
}

export function faultEnvelope(fault: WsmanFault, relatesTo: string, machine: string): string {
  const detail = fault.faultDetail ? `<w:FaultDetail>${escapeXml(fault.faultDetail)}</w:FaultDetail>` : "";
  const body =
    `<s:Fault><s:Code><s:Value>${fault.code}</s:Value><s:Subcode><s:Value>${fault.subcode}</s:Value></s:Subcode></s:Code>` +
    `<s:Reason><s:Text xml:lang="en-US">${escapeXml(fault.reason)}</s:Text></s:Reason>` +
    `<s:Detail>${detail}<f:WSManFault xmlns:f="${NS.f}" Code="${fault.wsmanCode}" Machine="${escapeXml(machine)}">` +
    `<f:Message>${escapeXml(fault.message)}</f:Message></f:WSManFault></s:Detail></s:Fault>`;
  return envelope({
    prefixes: ["s", "a", "x", "e", "n", "w", "p"],
    action: fault.action ?? ACTIONS.wsmanFault,
    relatesTo,
    body,
  });
}

// Windows' own texts end with a space; kept so clients see the same strings.
export const FAULTS = {
  accessDenied: (): WsmanFault => ({
    code: "s:Sender",
    subcode: "w:AccessDenied",
    reason: "Access is denied. ",
    wsmanCode: 5,
    message: "Access is denied. ",
  }),
  operationTimeout: (): WsmanFault => ({
    code: "s:Receiver",
    subcode: "w:TimedOut",
    reason: "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  ",
    wsmanCode: 2150858793,
    message: "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  ",
  }),
  invalidShellOrCommand: (): WsmanFault => ({
    code: "s:Sender",
    subcode: "w:InvalidSelectors",
    reason: "The WS-Management service cannot process the request because the request contained invalid selectors for the resource. ",
    wsmanCode: 2150858843,
    faultDetail: "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors",
    message:
      "The Windows Remote Shell received a request to perform an operation on a command identifier that does not exist. Either the command has completed execution or the client specified an invalid command identifier. ",
  }),
  unknownResource: (): WsmanFault => ({
    // ERROR_WSMAN_RESOURCE_NOT_FOUND (0x80338000)
    code: "s:Sender",
    subcode: "w:DestinationUnreachable",
    reason: "The WS-Management service cannot process the request. The resource URI is not valid or not found. ",
    wsmanCode: 2150858752,
    message: "The WS-Management service cannot process the request. The resource URI is not valid or not found. ",
  }),
  actionNotSupported: (action: string): WsmanFault => ({
    // ERROR_WSMAN_ACTION_NOT_SUPPORTED (0x80338013); exact text unverified
    code: "s:Sender",
    subcode: "a:ActionNotSupported",
    reason: "The action is not supported by the service. ",
    wsmanCode: 2150858771,
    message: `The WS-Management service cannot process the request. The action ${action} is not supported. `,
    action: ACTIONS.addressingFault,
  }),
  invalidXmlValue: (setting: string): WsmanFault => ({
    // ERROR_WSMAN_INVALID_XML (0x80338043 = -2144108477). Unverified wording detail for config values.
    code: "s:Sender",
    subcode: "w:SchemaValidationError",
    reason: "The WS-Management service cannot process the request because the XML is invalid. ",
    wsmanCode: 2150858819,
    message: `The WS-Management service cannot process the request because the XML is invalid. The value of the ${setting} setting is not valid. `,
  }),
  gpoControlled: (): WsmanFault => ({
    // ERROR_WSMAN_CONFIG_CANNOT_CHANGE_GPO_CONTROLLED_SETTING (0x8033808A); code and wording as
    // real hosts report them (docs/windows-facts.md); the subcode is unverified.
    code: "s:Sender",
    subcode: "w:AccessDenied",
    reason:
      'The config setting CredSSP cannot be changed because is controlled by policies. The policy would need to be set to "Not Configured" in order to change the config setting.',
    wsmanCode: 2150858890,
    message:
      'The config setting CredSSP cannot be changed because is controlled by policies. The policy would need to be set to "Not Configured" in order to change the config setting.',
  }),
  invalidParameter: (): WsmanFault => ({
    code: "s:Sender",
    subcode: "w:InvalidParameter",
    reason: "The parameter is incorrect. ",
    wsmanCode: 87,
    faultDetail: "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidValue",
    message: "The parameter is incorrect. ",
  }),
  invalidTimeout: (value: string): WsmanFault => ({
    code: "s:Sender",
    subcode: "a:InvalidMessageInformationHeader",
    reason: "The WS-Management service cannot process the request. The request contains one or more invalid SOAP headers. ",
    wsmanCode: 2150858767,
    message: `The WS-Management service cannot process the request. The XML contains an invalid timeout field in the SOAP header: ${value}. `,
    action: ACTIONS.addressingFault,
  }),
};
