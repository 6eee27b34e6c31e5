// Parses a WS-Management response envelope: checks it answers our request
// (wsa:RelatesTo === our MessageID) and turns s:Fault into WSManFaultError.
import { ProtocolError, WSManFaultError } from "./errors";
import { NS, childElement, descendants, elementChildren, parseXml, textOf } from "./xml";
import type { XmlElement } from "./xml";

export interface ParsedResponse {
  envelope: XmlElement;
  header: XmlElement | undefined;
  body: XmlElement;
  /** wsa:Action of the response. */
  action: string | undefined;
  /** First element child of s:Body (the payload root), if any. */
  payload: XmlElement | undefined;
}

export function parseEnvelope(text: string): ParsedResponse {
  let envelope: XmlElement;
  try {
    envelope = parseXml(text);
  } catch (err) {
    throw new ProtocolError(`response is not usable XML: ${(err as Error).message}`, { cause: err });
  }
  if (envelope.localName !== "Envelope" || envelope.namespaceURI !== NS.s) {
    throw new ProtocolError(`response is not a SOAP 1.2 envelope (root element <${envelope.nodeName}>)`);
  }
  const header = childElement(envelope, NS.s, "Header");
  const body = childElement(envelope, NS.s, "Body");
  if (!body) throw new ProtocolError("response envelope has no s:Body");
  const actionEl = header ? childElement(header, NS.wsa, "Action") : undefined;
  const payload = elementChildren(body)[0];
  return { envelope, header, body, action: actionEl ? textOf(actionEl).trim() : undefined, payload };
}

/** Extracts the WSManFault details from an s:Fault element. */
export function faultFromElement(fault: XmlElement, requestAction?: string): WSManFaultError {
  const code = childElement(fault, NS.s, "Code");
  const subcodeEl = code ? childElement(code, NS.s, "Subcode") : undefined;
  const subValue = subcodeEl ? childElement(subcodeEl, NS.s, "Value") : undefined;
  const wsmanFault = descendants(fault, NS.wsmanfault, "WSManFault")[0];
  const rawCode = wsmanFault?.getAttribute("Code");
  const machine = wsmanFault?.getAttribute("Machine") || undefined;
  // f:Message may wrap a ProviderFault that itself nests another WSManFault; the text
  // content of the outermost f:Message is the provider's message either way.
  const messageEl = wsmanFault ? childElement(wsmanFault, NS.wsmanfault, "Message") : undefined;
  let faultMessage = messageEl ? normaliseSpace(textOf(messageEl)) : "";
  if (!faultMessage) {
    const reason = code ? childElement(fault, NS.s, "Reason") : undefined;
    const reasonText = reason ? childElement(reason, NS.s, "Text") : undefined;
    faultMessage = reasonText ? normaliseSpace(textOf(reasonText)) : "(no fault text)";
  }
  const parsedCode = rawCode !== null && rawCode !== undefined && /^\d+$/.test(rawCode.trim()) ? Number(rawCode.trim()) : undefined;
  return new WSManFaultError({
    wsmanCode: parsedCode,
    subcode: subValue ? textOf(subValue).trim() : undefined,
    machine,
    faultMessage,
    action: requestAction,
  });
}

function normaliseSpace(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/**
 * Parses and validates a response to the request with `messageId`. Throws
 * WSManFaultError for s:Fault, ProtocolError for anything malformed or unrelated
 * (including a reply, fault or not, without a RelatesTo naming our MessageID).
 */
export function parseResponse(text: string, messageId: string, requestAction: string): ParsedResponse {
  const parsed = parseEnvelope(text);
  const relatesEl = parsed.header ? childElement(parsed.header, NS.wsa, "RelatesTo") : undefined;
  const relatesTo = relatesEl ? textOf(relatesEl).trim() : undefined;
  const fault = childElement(parsed.body, NS.s, "Fault");
  // Every reply must name our request, faults included: a fault that names none could
  // answer anything (or have been injected), so its text is not reported either.
  if (relatesTo === undefined || relatesTo.toUpperCase() !== messageId.toUpperCase()) {
    throw new ProtocolError(
      `response does not belong to our request: RelatesTo is ${relatesTo ?? "missing"}, expected ${messageId}` +
        (fault ? " (the reply is a SOAP fault; its text is not shown)" : ""),
    );
  }
  if (fault) throw faultFromElement(fault, requestAction);
  return parsed;
}
