// XML helpers: namespace constants, escaping, DOM navigation and the DOM → plain
// object conversion defined by contract C (WsmanObject).
import { DOMParser } from "@xmldom/xmldom";
import type { Element as XmlElement, Document as XmlDocument } from "@xmldom/xmldom";

export type { XmlElement, XmlDocument };

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
 * advertise is a few hundred elements nested a dozen deep; a DOM node costs about a
 * kilobyte, so these bounds keep a parse to tens of megabytes and the recursive walks
 * (elementValue) far from the stack limit, whatever a server sends.
 */
export const XML_LIMITS = { maxDepth: 64, maxNodes: 20_000 } as const;

/**
 * One linear pass over the markup before the DOM is built: refuses a document type
 * declaration (SOAP 1.2 forbids it; it is how entity expansion attacks start), nesting
 * deeper than maxDepth and more than maxNodes elements plus attributes. Malformed markup
 * is left for the parser to report.
 */
function checkShape(text: string): void {
  let depth = 0;
  let nodes = 0;
  for (let i = text.indexOf("<"); i >= 0 && i < text.length; i = text.indexOf("<", i + 1)) {
    const next = text[i + 1];
    if (next === "/") {
      depth--;
      i = text.indexOf(">", i);
    } else if (next === "?") {
      i = text.indexOf("?>", i);
    } else if (text.startsWith("<!--", i)) {
      i = text.indexOf("-->", i);
    } else if (text.startsWith("<![CDATA[", i)) {
      i = text.indexOf("]]>", i);
    } else if (next === "!") {
      throw new Error("it contains a document type declaration, which SOAP 1.2 forbids");
    } else {
      // A start tag: the element, and one node per attribute (an "=" outside quotes).
      nodes++;
      let quote = "";
      let j = i + 1;
      for (; j < text.length; j++) {
        const c = text[j];
        if (quote) {
          if (c === quote) quote = "";
        } else if (c === '"' || c === "'") quote = c;
        else if (c === "=") nodes++;
        else if (c === ">") break;
      }
      if (nodes > XML_LIMITS.maxNodes) {
        throw new Error(`it has more than ${XML_LIMITS.maxNodes} elements and attributes`);
      }
      if (j >= text.length) return; // unterminated tag: the parser says so
      if (text[j - 1] !== "/" && ++depth > XML_LIMITS.maxDepth) {
        throw new Error(`it is nested more than ${XML_LIMITS.maxDepth} levels deep`);
      }
      i = j;
    }
    if (i < 0) return;
  }
}

/** Parses XML, throwing the parser's complaint or the limit it broke (the caller wraps it as ProtocolError). */
export function parseXml(text: string): XmlDocument {
  checkShape(text);
  const problems: string[] = [];
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== "warning") problems.push(message);
    },
  }).parseFromString(text, "text/xml");
  if (problems.length > 0 || !doc.documentElement) {
    throw new Error(`malformed XML: ${problems[0] ?? "no root element"}`);
  }
  return doc;
}

export function elementChildren(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) out.push(n as unknown as XmlElement);
  }
  return out;
}

export function childElement(el: XmlElement, ns: string, localName: string): XmlElement | undefined {
  return elementChildren(el).find((c) => c.localName === localName && c.namespaceURI === ns);
}

/** All descendants (document order) with the given namespace and local name. */
export function descendants(el: XmlElement, ns: string, localName: string): XmlElement[] {
  return Array.from(el.getElementsByTagNameNS(ns, localName)) as XmlElement[];
}

export function textOf(el: XmlElement): string {
  return el.textContent ?? "";
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
    const key = kid.localName ?? kid.nodeName;
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
  return { [el.localName ?? el.nodeName]: v };
}

/** An attribute's value, undefined when absent. */
export function attr(el: XmlElement, name: string): string | undefined {
  const v = el.getAttribute(name);
  return v === null ? undefined : v;
}
