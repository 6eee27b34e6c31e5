// Builds SOAP 1.2 / WS-Addressing / WS-Management request envelopes with the header
// set and order Windows clients send (see shared/reference/windows-captures): Action,
// DataLocale, Locale, MaxEnvelopeSize, MessageID, OperationTimeout, ReplyTo,
// ResourceURI, SessionId, To, then OptionSet and SelectorSet.
import { randomUUID } from "node:crypto";
import { NS, escapeXml } from "./xml";

/** The media type of a SOAP 1.2 envelope as WinRM sends it (MS-WSMV 2.2.1), and of the plaintext inside a sealed one. */
export const SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8";

export const ACTION = {
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
} as const;

export const ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";
/** The MaxEnvelopeSize Windows' own client sends (150 KiB). */
export const MAX_ENVELOPE_SIZE = 153600;
/**
 * The largest reply body the client reads: Windows keeps a reply within the
 * MaxEnvelopeSize we advertise, and 4× leaves room for a UTF-16 reply and the
 * multipart/encrypted framing. Anything larger is hostile or broken.
 */
export const MAX_REPLY_BYTES = 4 * MAX_ENVELOPE_SIZE;

/** "uuid:" + upper-case UUID, the form Windows uses for MessageID and SessionId. */
export function newMessageId(): string {
  return `uuid:${randomUUID().toUpperCase()}`;
}

export interface EnvelopeSpec {
  action: string;
  resourceUri: string;
  /** Endpoint URL, e.g. http://host:5985/wsman. */
  to: string;
  messageId: string;
  sessionId?: string;
  /** Seconds for wsman:OperationTimeout. */
  operationTimeoutSec: number;
  locale?: string;
  selectors?: Record<string, string>;
  options?: Record<string, string>;
  /** Extra namespace declarations for the body, as prefix → URI. */
  bodyNamespaces?: Record<string, string>;
  /** Inner XML of s:Body ("" for an empty body). */
  body: string;
}

function selectorSet(selectors: Record<string, string> | undefined): string {
  if (!selectors || Object.keys(selectors).length === 0) return "";
  const items = Object.entries(selectors)
    .map(([name, value]) => `<wsman:Selector Name="${escapeXml(name)}">${escapeXml(value)}</wsman:Selector>`)
    .join("");
  return `<wsman:SelectorSet>${items}</wsman:SelectorSet>`;
}

function optionSet(options: Record<string, string> | undefined): string {
  if (!options || Object.keys(options).length === 0) return "";
  const items = Object.entries(options)
    .map(([name, value]) => `<wsman:Option Name="${escapeXml(name)}">${escapeXml(value)}</wsman:Option>`)
    .join("");
  return `<wsman:OptionSet s:mustUnderstand="true">${items}</wsman:OptionSet>`;
}

export function buildEnvelope(spec: EnvelopeSpec): string {
  const locale = escapeXml(spec.locale ?? "en-US");
  const extraNs = Object.entries(spec.bodyNamespaces ?? {})
    .map(([prefix, uri]) => ` xmlns:${prefix}="${escapeXml(uri)}"`)
    .join("");
  const session = spec.sessionId
    ? `<wsmv:SessionId s:mustUnderstand="false">${escapeXml(spec.sessionId)}</wsmv:SessionId>`
    : "";
  const header =
    `<wsa:Action s:mustUnderstand="true">${escapeXml(spec.action)}</wsa:Action>` +
    `<wsmv:DataLocale s:mustUnderstand="false" xml:lang="${locale}" />` +
    `<wsman:Locale s:mustUnderstand="false" xml:lang="${locale}" />` +
    `<wsman:MaxEnvelopeSize s:mustUnderstand="true">${MAX_ENVELOPE_SIZE}</wsman:MaxEnvelopeSize>` +
    `<wsa:MessageID>${escapeXml(spec.messageId)}</wsa:MessageID>` +
    `<wsman:OperationTimeout>PT${spec.operationTimeoutSec}S</wsman:OperationTimeout>` +
    `<wsa:ReplyTo><wsa:Address s:mustUnderstand="true">${ANONYMOUS}</wsa:Address></wsa:ReplyTo>` +
    `<wsman:ResourceURI s:mustUnderstand="true">${escapeXml(spec.resourceUri)}</wsman:ResourceURI>` +
    session +
    `<wsa:To>${escapeXml(spec.to)}</wsa:To>` +
    optionSet(spec.options) +
    selectorSet(spec.selectors);
  const body = spec.body === "" ? "<s:Body />" : `<s:Body>${spec.body}</s:Body>`;
  return (
    `<s:Envelope xmlns:s="${NS.s}" xmlns:wsa="${NS.wsa}" xmlns:wsman="${NS.wsman}" xmlns:wsmv="${NS.wsmv}"${extraNs}>` +
    `<s:Header>${header}</s:Header>${body}</s:Envelope>`
  );
}
