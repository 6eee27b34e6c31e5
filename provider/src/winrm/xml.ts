// XML helpers: namespace constants, escaping, element navigation and the element →
// plain object conversion defined by contract C (WsmanObject). Replies are parsed by
// xml-parser.ts.
import { XmlElement, parseXmlDocument } from "./xml-parser";

export { XmlElement };

/** Namespaces, with the prefixes Windows clients use on the wire. */
export const NS = {
  s: "http://www.w3.org/2003/05/soap-envelope",
  wsa: "http://schemas.xmlsoap.org/ws/2004/08/addressing",
  wsman: "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
  wsmv: "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
  wst: "http://schemas.xmlsoap.org/ws/2004/09/transfer",
  wsen: "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
  rsp: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
  wsmanfault: "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
  xsi: "http://www.w3.org/2001/XMLSchema-instance",
} as const;

/** A value in a WsmanObject: text, nil, nested object, or repeated children. */
export type WsmanValue = string | null | WsmanObject | WsmanValue[];
/** An element converted to a plain object, keyed by child local names (contract C). */
export interface WsmanObject {
  [localName: string]: WsmanValue;
}

/** Escapes text for element content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/**
 * What a reply may cost to parse. A WS-Management reply within the MaxEnvelopeSize we
 * advertise is a few hundred elements nested a dozen deep, so these bounds keep a parse
 * small and the recursive walks (elementValue) far from the stack limit, whatever a
 * server sends.
 */
export const XML_LIMITS = { maxDepth: 64, maxNodes: 20_000 } as const;

/**
 * Parses a reply into its root element, throwing what is malformed or the limit it
 * broke (a document type declaration, nesting, size; the caller wraps it as ProtocolError).
 */
export function parseXml(text: string): XmlElement {
  return parseXmlDocument(text, XML_LIMITS);
}

export function elementChildren(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const k of el.children) if (typeof k !== "string") out.push(k);
  return out;
}

export function childElement(el: XmlElement, ns: string, localName: string): XmlElement | undefined {
  for (const k of el.children) if (typeof k !== "string" && k.localName === localName && k.namespaceURI === ns) return k;
  return undefined;
}

/** All descendants (document order) with the given namespace and local name. */
export function descendants(el: XmlElement, ns: string, localName: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    for (const k of e.children) {
      if (typeof k === "string") continue;
      if (k.localName === localName && k.namespaceURI === ns) out.push(k);
      walk(k);
    }
  };
  walk(el);
  return out;
}

export function textOf(el: XmlElement): string {
  return el.textContent;
}

function isNil(el: XmlElement): boolean {
  const v = el.getAttributeNS(NS.xsi, "nil");
  return v === "true" || v === "1";
}

/**
 * Converts one element's *content*: nil → null; no element children → its text
 * ("" when empty); otherwise an object of children, repeated names as arrays.
 */
export function elementValue(el: XmlElement): WsmanValue {
  if (isNil(el)) return null;
  const kids = elementChildren(el);
  if (kids.length === 0) return textOf(el);
  const obj: WsmanObject = {};
  for (const kid of kids) {
    const key = kid.localName;
    const value = elementValue(kid);
    if (!Object.prototype.hasOwnProperty.call(obj, key)) {
      obj[key] = value;
    } else {
      const prev = obj[key];
      // A repeated name becomes an array. Values that are themselves arrays can only
      // come from repetition (elementValue never returns an array), so appending is safe.
      if (Array.isArray(prev) && repeated.has(prev)) prev.push(value);
      else {
        const arr: WsmanValue[] = [prev, value];
        repeated.add(arr);
        obj[key] = arr;
      }
    }
  }
  return obj;
}
const repeated = new WeakSet<WsmanValue[]>();

/**
 * The root-element form the public API returns: always an object. A text-only root
 * (rare) is returned as `{ [localName]: text }` so no information is lost; an empty
 * root (e.g. a bare acknowledgement) is `{}`.
 */
export function elementToObject(el: XmlElement): WsmanObject {
  const v = elementValue(el);
  if (v !== null && typeof v === "object" && !Array.isArray(v)) return v;
  if (v === "") return {};
  return { [el.localName]: v };
}

/** An attribute's value, undefined when absent. */
export function attr(el: XmlElement, name: string): string | undefined {
  const v = el.getAttribute(name);
  return v === null ? undefined : v;
}
