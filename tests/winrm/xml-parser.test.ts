// The client's XML parser (provider/src/winrm/xml-parser.ts): every reply recorded from
// real Windows hosts reads the same as through a general DOM parser (@xmldom/xmldom,
// the referee), namespaces and references resolve as XML 1.0 says, and what is not
// well-formed or over the limits is refused with a reason.
import { DOMParser } from "@xmldom/xmldom";
import type { Element as DomElement } from "@xmldom/xmldom";
import { XmlElement, XmlSyntaxError, parseXmlDocument } from "../../provider/src/winrm/xml-parser";
import { XML_LIMITS, elementToObject, parseXml } from "../../provider/src/winrm/xml";
import { captureNames, loadCapture } from "./support/captures";

/** A neutral view of an element tree: resolved names, attributes and text, in order. */
type Shape = { ns: string | null; name: string; attrs: string[]; children: Array<Shape | string> };

function ours(el: XmlElement): Shape {
  return {
    ns: el.namespaceURI,
    name: el.localName,
    attrs: el.attributes.map((a) => `{${a.namespaceURI ?? ""}}${a.localName}=${a.value}`).sort(),
    children: el.children.map((k) => (typeof k === "string" ? k : ours(k))),
  };
}

function referee(el: DomElement): Shape {
  const attrs: string[] = [];
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i)!;
    attrs.push(`{${a.namespaceURI ?? ""}}${a.localName ?? a.name}=${a.value}`);
  }
  const children: Array<Shape | string> = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) children.push(referee(n as unknown as DomElement));
    else if (n.nodeType === 3 || n.nodeType === 4) {
      const last = children.length - 1;
      if (last >= 0 && typeof children[last] === "string") children[last] = (children[last] as string) + n.nodeValue;
      else children.push(n.nodeValue ?? "");
    }
  }
  return { ns: el.namespaceURI ?? null, name: el.localName ?? el.nodeName, attrs: attrs.sort(), children };
}

const limits = XML_LIMITS;
const refuse = (text: string): string => {
  try {
    parseXmlDocument(text, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(XmlSyntaxError);
    return (err as Error).message;
  }
  throw new Error(`accepted: ${text}`);
};

describe("against a DOM parser, on real Windows replies", () => {
  const replies: Array<[string, string]> = captureNames().flatMap((name) =>
    loadCapture(name).flatMap((m, i): Array<[string, string]> =>
      typeof m.response === "string" && m.response.includes("Envelope") ? [[`${name} #${i}`, m.response]] : [],
    ),
  );

  test("the captures hold replies to compare", () => {
    expect(replies.length).toBeGreaterThan(50);
  });

  test.each(replies)("%s reads the same", (_label, text) => {
    const dom = new DOMParser().parseFromString(text, "text/xml").documentElement as unknown as DomElement;
    expect(ours(parseXml(text))).toEqual(referee(dom));
  });
});

describe("namespaces, references, text", () => {
  test("prefixes resolve in scope; redeclaring one inside shadows it only there; the default namespace applies to elements, not attributes", () => {
    const root = parseXml(
      '<a:r xmlns:a="urn:a" xmlns="urn:d" x="1" a:y="2"><a:k xmlns:a="urn:b"/><k/><a:k/><n xmlns=""/></a:r>',
    );
    expect([root.localName, root.namespaceURI]).toEqual(["r", "urn:a"]);
    expect(root.getAttributeNS(null, "x")).toBe("1");
    expect(root.getAttributeNS("urn:a", "y")).toBe("2");
    expect(root.getAttribute("a:y")).toBe("2");
    const kids = root.children as XmlElement[];
    expect(kids.map((k) => [k.localName, k.namespaceURI])).toEqual([
      ["k", "urn:b"],
      ["k", "urn:d"],
      ["k", "urn:a"],
      ["n", null],
    ]);
  });

  test("the five entities and character references decode; line ends become \\n, attribute white space spaces", () => {
    const root = parseXml('<r a="x&#10;y\tz\r\nw">&lt;&gt;&amp;&quot;&apos; &#233;&#x1F600;\r\nline<![CDATA[<raw & "x">]]>&#13;</r>');
    expect(root.textContent).toBe('<>&"\' é😀\nline<raw & "x">\r');
    expect(root.getAttribute("a")).toBe("x\ny z w");
  });

  test("comments, processing instructions and the XML declaration are skipped; xsi:nil reads as null", () => {
    const root = parseXml(
      '\uFEFF<?xml version="1.0" encoding="utf-8"?><!-- c --><r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><?pi x?><a>1<!-- no -->2</a><b xsi:nil="true"/><c/><c>3</c></r>',
    );
    expect(elementToObject(root)).toEqual({ a: "12", b: null, c: ["", "3"] });
  });
});

describe("refused, with a reason", () => {
  test.each([
    ["<a><b></a></b>", /end tag <\/a> does not match <b>/],
    ["<a>", /ends inside <a>/],
    ["", /no root element/],
    ["<a/><b/>", /second root element/],
    ["<a/>text", /text outside the root element/],
    ['<a x="1" x="2"/>', /attribute x appears twice/],
    ['<a xmlns:p="urn:x" xmlns:q="urn:x" p:x="1" q:x="2"/>', /are the same attribute/],
    ["<p:a/>", /undeclared namespace prefix p/],
    ['<a b="<"/>', /"<" in the value of attribute b/],
    ["<a b=1/>", /not quoted/],
    ["<a>&nbsp;</a>", /undefined entity &nbsp;/],
    ["<a>&#0;</a>", /not an XML character/],
    ["<a>AT&T</a>", /"&" that starts no entity/],
    ["<1a/>", /not a valid element name/],
    ['<a x="1"y="2"/>', /separated by white space/],
    ["<a>]]></a>", /"]]>" in text/],
    ['<a><?xml version="1.0"?></a>', /only allowed at the start/],
    ['<a xmlns:xml="urn:other"/>', /reserved namespace/],
  ])("%s", (text, why) => {
    expect(refuse(text)).toMatch(why);
  });

  test("the message says where: line and column", () => {
    expect(refuse("<a>\n  <b>\n</a>")).toMatch(/line 3, column 1/);
  });

  test("a document type declaration, whatever follows", () => {
    expect(refuse('<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>')).toMatch(/document type declaration, which SOAP 1.2 forbids/);
  });

  test("nesting deeper than the limit; as deep as the limit is fine", () => {
    const nest = (n: number) => "<a>".repeat(n) + "</a>".repeat(n);
    expect(() => parseXml(nest(limits.maxDepth))).not.toThrow();
    expect(refuse(nest(limits.maxDepth + 1))).toMatch(`nested more than ${limits.maxDepth} levels`);
  });

  test("more elements and attributes than the limit", () => {
    expect(refuse(`<r>${'<a x="1"/>'.repeat(limits.maxNodes / 2)}</r>`)).toMatch(`more than ${limits.maxNodes} elements and attributes`);
  });
});
