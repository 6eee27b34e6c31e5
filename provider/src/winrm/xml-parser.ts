// A small, strict, namespace-aware XML parser for WS-Management replies. It builds
// only what the client reads — elements with their resolved names, attributes and
// text — in one pass over the string, where a general DOM parser spent most of the
// client's CPU per request (see README, "Client CPU"). What a reply may cost is
// bounded while parsing: no document type declaration (SOAP 1.2 forbids one; it is
// how entity-expansion attacks start), nesting at most `maxDepth`, at most
// `maxNodes` elements plus attributes.
//
// Well-formedness is checked as XML 1.0 defines it for what a SOAP reply can hold:
// one root, matching end tags, declared prefixes, unique attributes, only the five
// predefined entities and character references, no "<" in attribute values. Line
// ends are normalised to "\n" and attribute whitespace to spaces, as the
// specification requires of every conforming parser.

export const XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace";
export const XMLNS_NAMESPACE = "http://www.w3.org/2000/xmlns/";

export interface XmlAttribute {
  /** As written, e.g. "xsi:nil". */
  readonly name: string;
  readonly localName: string;
  readonly namespaceURI: string | null;
  readonly value: string;
}

/** A parsed element. Children are elements and text runs, in document order. */
export class XmlElement {
  readonly children: Array<XmlElement | string> = [];

  constructor(
    /** The qualified name as written, e.g. "s:Envelope". */
    readonly nodeName: string,
    readonly localName: string,
    readonly namespaceURI: string | null,
    readonly attributes: readonly XmlAttribute[],
  ) {}

  /** The value of the attribute with this qualified name, or null. */
  getAttribute(name: string): string | null {
    for (const a of this.attributes) if (a.name === name) return a.value;
    return null;
  }

  /** The value of the attribute with this namespace and local name, or null. */
  getAttributeNS(namespaceURI: string | null, localName: string): string | null {
    for (const a of this.attributes) if (a.localName === localName && a.namespaceURI === namespaceURI) return a.value;
    return null;
  }

  /** The text of the element and all its descendants, concatenated. */
  get textContent(): string {
    const kids = this.children;
    if (kids.length === 1 && typeof kids[0] === "string") return kids[0];
    let out = "";
    for (const k of kids) out += typeof k === "string" ? k : k.textContent;
    return out;
  }
}

export interface XmlLimits {
  maxDepth: number;
  maxNodes: number;
}

/** Why a document was refused; the message says what is wrong and where. */
export class XmlSyntaxError extends Error {
  override readonly name = "XmlSyntaxError";
}

const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

// Name characters, simplified from XML 1.0 (5th ed.) productions 4/4a: what matters
// here is that names end where markup says they do and do not start with a digit,
// "-" or ".".
const NAME = /^[A-Za-z_\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD][\w.\-\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C-\u200D\u203F-\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]*$/;

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x9 || c === 0xa || c === 0xd;
}

type Scope = Record<string, string>;

/** Parses `text` into its root element; throws XmlSyntaxError for anything not well-formed or over the limits. */
export function parseXmlDocument(text: string, limits: XmlLimits): XmlElement {
  return new Parser(text, limits).document();
}

class Parser {
  private pos = 0;
  private nodes = 0;
  private readonly stack: Array<{ el: XmlElement; scope: Scope }> = [];
  private root: XmlElement | undefined;

  constructor(
    private readonly src: string,
    private readonly limits: XmlLimits,
  ) {}

  private fail(why: string, at = this.pos): never {
    // Line and column, as an editor would show them, for the message.
    let line = 1;
    let lineStart = 0;
    for (let i = this.src.indexOf("\n"); i >= 0 && i < at; i = this.src.indexOf("\n", i + 1)) {
      line++;
      lineStart = i + 1;
    }
    throw new XmlSyntaxError(`${why} (line ${line}, column ${at - lineStart + 1})`);
  }

  document(): XmlElement {
    const src = this.src;
    if (src.charCodeAt(0) === 0xfeff) this.pos = 1;
    if (src.startsWith("<?xml", this.pos) && isSpace(src.charCodeAt(this.pos + 5))) this.skipPast("?>", "XML declaration");
    while (this.pos < src.length) {
      const lt = src.indexOf("<", this.pos);
      const end = lt < 0 ? src.length : lt;
      if (end > this.pos) this.text(this.pos, end);
      if (lt < 0) break;
      this.pos = lt;
      this.markup();
    }
    if (this.stack.length > 0) this.fail(`the document ends inside <${this.stack[this.stack.length - 1].el.nodeName}>`);
    if (!this.root) this.fail("no root element");
    return this.root;
  }

  private skipPast(terminator: string, what: string): void {
    const end = this.src.indexOf(terminator, this.pos);
    if (end < 0) this.fail(`unterminated ${what}`);
    this.pos = end + terminator.length;
  }

  private markup(): void {
    const src = this.src;
    const next = src.charCodeAt(this.pos + 1);
    if (next === 0x2f /* / */) return this.endTag();
    if (next === 0x3f /* ? */) {
      if (/^<\?xml[\s?]/i.test(src.slice(this.pos, this.pos + 6))) this.fail("an XML declaration is only allowed at the start");
      return this.skipPast("?>", "processing instruction");
    }
    if (next === 0x21 /* ! */) {
      if (src.startsWith("<!--", this.pos)) {
        const end = src.indexOf("-->", this.pos + 4);
        if (end < 0) this.fail("unterminated comment");
        this.pos = end + 3;
        return;
      }
      if (src.startsWith("<![CDATA[", this.pos)) {
        if (this.stack.length === 0) this.fail("character data outside the root element");
        const start = this.pos + 9;
        const end = src.indexOf("]]>", start);
        if (end < 0) this.fail("unterminated CDATA section");
        this.append(normaliseLineEnds(src.slice(start, end)));
        this.pos = end + 3;
        return;
      }
      this.fail("it contains a document type declaration, which SOAP 1.2 forbids");
    }
    this.startTag();
  }

  private text(start: number, end: number): void {
    const src = this.src;
    if (this.stack.length === 0) {
      for (let i = start; i < end; i++) if (!isSpace(src.charCodeAt(i))) this.fail("text outside the root element", i);
      return;
    }
    const raw = src.slice(start, end);
    const gt = raw.indexOf("]]>");
    if (gt >= 0) this.fail('"]]>" in text', start + gt);
    // Line ends are normalised before references are replaced: "&#13;" stays a carriage return.
    const text = normaliseLineEnds(raw);
    this.append(text.indexOf("&") >= 0 ? this.decode(text, start) : text);
  }

  private append(text: string): void {
    if (text === "") return;
    const kids = this.stack[this.stack.length - 1].el.children;
    const last = kids.length - 1;
    if (last >= 0 && typeof kids[last] === "string") kids[last] = (kids[last] as string) + text;
    else kids.push(text);
  }

  /** Replaces entity and character references; `offset` is where `raw` starts in the source. */
  private decode(raw: string, offset: number): string {
    let out = "";
    let from = 0;
    for (let amp = raw.indexOf("&"); amp >= 0; amp = raw.indexOf("&", from)) {
      const semi = raw.indexOf(";", amp);
      if (semi < 0 || semi - amp > 12) this.fail('"&" that starts no entity or character reference', offset + amp);
      const ref = raw.slice(amp + 1, semi);
      let rep: string | undefined;
      if (ref.charCodeAt(0) === 0x23 /* # */) {
        const hex = ref[1] === "x";
        const digits = hex ? ref.slice(2) : ref.slice(1);
        const cp = (hex ? /^[0-9A-Fa-f]+$/ : /^[0-9]+$/).test(digits) ? parseInt(digits, hex ? 16 : 10) : NaN;
        if (!isXmlChar(cp)) this.fail(`character reference &${ref}; is not an XML character`, offset + amp);
        rep = String.fromCodePoint(cp);
      } else {
        rep = PREDEFINED[ref];
        if (rep === undefined) this.fail(`undefined entity &${ref};`, offset + amp);
      }
      out += raw.slice(from, amp) + rep;
      from = semi + 1;
    }
    return out + raw.slice(from);
  }

  private name(what: string): string {
    const src = this.src;
    const start = this.pos;
    // The common case, ASCII letters, digits, "_", "-", "." and one ":", is checked on
    // the way; anything else goes to the full rule.
    let simple = true;
    let colons = 0;
    let i = start;
    for (; i < src.length; i++) {
      const c = src.charCodeAt(i);
      if (isSpace(c) || c === 0x3e /* > */ || c === 0x2f /* / */ || c === 0x3d /* = */ || c === 0x3c /* < */) break;
      if (c === 0x3a /* : */) colons++;
      else if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d || c === 0x2e)) simple = false;
    }
    const name = src.slice(start, i);
    const valid = simple && colons <= 1 ? isSimpleQName(name) : isQName(name);
    if (!valid) this.fail(name ? `"${name.slice(0, 40)}" is not a valid ${what} name` : `a ${what} name is missing`, start);
    this.pos = i;
    return name;
  }

  private skipSpace(): boolean {
    const src = this.src;
    const start = this.pos;
    while (this.pos < src.length && isSpace(src.charCodeAt(this.pos))) this.pos++;
    return this.pos > start;
  }

  private startTag(): void {
    const src = this.src;
    if (this.root && this.stack.length === 0) this.fail("a second root element");
    this.pos++;
    const tagStart = this.pos;
    const qname = this.name("element");
    const raw: Array<{ name: string; value: string; at: number }> = [];
    let selfClosing = false;
    for (;;) {
      const spaced = this.skipSpace();
      if (this.pos >= src.length) this.fail(`unterminated start tag <${qname}>`, tagStart);
      const c = src.charCodeAt(this.pos);
      if (c === 0x3e /* > */) {
        this.pos++;
        break;
      }
      if (c === 0x2f /* / */) {
        if (src.charCodeAt(this.pos + 1) !== 0x3e) this.fail(`"/" not followed by ">" in <${qname}>`);
        this.pos += 2;
        selfClosing = true;
        break;
      }
      if (!spaced) this.fail(`attributes of <${qname}> must be separated by white space`);
      const at = this.pos;
      const name = this.name("attribute");
      this.skipSpace();
      if (src.charCodeAt(this.pos) !== 0x3d /* = */) this.fail(`attribute ${name} of <${qname}> has no value`);
      this.pos++;
      this.skipSpace();
      const quote = src[this.pos];
      if (quote !== '"' && quote !== "'") this.fail(`the value of attribute ${name} is not quoted`);
      const end = src.indexOf(quote, this.pos + 1);
      if (end < 0) this.fail(`unterminated value of attribute ${name}`, at);
      // White space is normalised before references are replaced: "&#10;" stays a line feed.
      let value = normaliseAttributeSpace(src.slice(this.pos + 1, end));
      const lt = value.indexOf("<");
      if (lt >= 0) this.fail(`"<" in the value of attribute ${name}`, this.pos + 1 + lt);
      if (value.indexOf("&") >= 0) value = this.decode(value, this.pos + 1);
      for (const r of raw) if (r.name === name) this.fail(`attribute ${name} appears twice in <${qname}>`, at);
      raw.push({ name, value, at });
      this.pos = end + 1;
    }

    this.nodes += 1 + raw.length;
    if (this.nodes > this.limits.maxNodes) this.fail(`it has more than ${this.limits.maxNodes} elements and attributes`, tagStart);
    if (!selfClosing && this.stack.length + 1 > this.limits.maxDepth) {
      this.fail(`it is nested more than ${this.limits.maxDepth} levels deep`, tagStart);
    }

    // Namespace declarations first: they apply to the element's own name and attributes.
    const parentScope = this.stack.length > 0 ? this.stack[this.stack.length - 1].scope : ROOT_SCOPE;
    const { scope, attributes } = raw.length === 0 ? { scope: parentScope, attributes: NO_ATTRIBUTES } : this.attributes(qname, raw, parentScope);
    const colon = qname.indexOf(":");
    const prefix = colon < 0 ? "" : qname.slice(0, colon);
    const ns = scope[prefix];
    if (ns === undefined) this.fail(`undeclared namespace prefix ${prefix} on <${qname}>`, tagStart);
    const el = new XmlElement(qname, colon < 0 ? qname : qname.slice(colon + 1), ns === "" ? null : ns, attributes);

    if (this.stack.length > 0) this.stack[this.stack.length - 1].el.children.push(el);
    else this.root = el;
    if (!selfClosing) this.stack.push({ el, scope });
  }

  /** Resolves a start tag's attributes, and the namespace scope its declarations open. */
  private attributes(
    qname: string,
    raw: Array<{ name: string; value: string; at: number }>,
    parentScope: Scope,
  ): { scope: Scope; attributes: XmlAttribute[] } {
    let scope = parentScope;
    for (const r of raw) {
      if (r.name === "xmlns" || r.name.startsWith("xmlns:")) {
        if (scope === parentScope) scope = Object.create(parentScope) as Scope;
        const prefix = r.name === "xmlns" ? "" : r.name.slice(6);
        if (prefix === "xmlns" || (prefix === "xml") !== (r.value === XML_NAMESPACE)) this.fail(`reserved namespace misused by ${r.name}`, r.at);
        if (prefix !== "" && r.value === "") this.fail(`the prefix ${prefix} cannot be undeclared`, r.at);
        scope[prefix] = r.value;
      }
    }
    const attributes: XmlAttribute[] = raw.map((r) => {
      const colon = r.name.indexOf(":");
      if (r.name === "xmlns") return { name: r.name, localName: r.name, namespaceURI: XMLNS_NAMESPACE, value: r.value };
      if (colon < 0) return { name: r.name, localName: r.name, namespaceURI: null, value: r.value };
      const prefix = r.name.slice(0, colon);
      const ns = prefix === "xmlns" ? XMLNS_NAMESPACE : scope[prefix];
      if (ns === undefined) this.fail(`undeclared namespace prefix ${prefix} on attribute ${r.name}`, r.at);
      return { name: r.name, localName: r.name.slice(colon + 1), namespaceURI: ns, value: r.value };
    });
    for (let i = 0; i < attributes.length; i++) {
      for (let j = 0; j < i; j++) {
        const a = attributes[i];
        const b = attributes[j];
        if (a.namespaceURI !== null && a.namespaceURI === b.namespaceURI && a.localName === b.localName) {
          this.fail(`attributes ${b.name} and ${a.name} of <${qname}> are the same attribute`, raw[i].at);
        }
      }
    }
    return { scope, attributes };
  }

  private endTag(): void {
    const src = this.src;
    const at = this.pos;
    const open = this.stack.pop();
    const gt = src.indexOf(">", at);
    const written = src.slice(at + 2, gt < 0 ? src.length : gt);
    if (gt < 0) this.fail(`unterminated end tag </${written.slice(0, 40)}>`, at);
    if (!open) this.fail(`end tag </${written.trim()}> without a start tag`, at);
    const name = open.el.nodeName;
    // The end tag must repeat the start tag's name, optionally followed by white space.
    let ok = written.startsWith(name);
    for (let i = name.length; ok && i < written.length; i++) ok = isSpace(written.charCodeAt(i));
    if (!ok) this.fail(`end tag </${written.trim().slice(0, 40)}> does not match <${name}>`, at);
    this.pos = gt + 1;
  }
}

const NO_ATTRIBUTES: readonly XmlAttribute[] = Object.freeze([]);

/** The scope every document starts in: "xml" is bound, the default namespace is none. */
// Not frozen: a frozen prototype would make its properties read-only in every child scope.
const ROOT_SCOPE: Scope = Object.assign(Object.create(null) as Scope, { xml: XML_NAMESPACE, "": "" });

/** A name of ASCII letters, digits, "_", "-", "." and at most one ":" (already known): is each part a name? */
function isSimpleQName(name: string): boolean {
  const colon = name.indexOf(":");
  return startsName(name, 0) && (colon < 0 || (colon < name.length - 1 && startsName(name, colon + 1)));
}

function startsName(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

function isQName(name: string): boolean {
  const colon = name.indexOf(":");
  if (colon < 0) return NAME.test(name);
  return colon === name.lastIndexOf(":") && NAME.test(name.slice(0, colon)) && NAME.test(name.slice(colon + 1));
}

function normaliseLineEnds(s: string): string {
  return s.indexOf("\r") < 0 ? s : s.replace(/\r\n?/g, "\n");
}

function normaliseAttributeSpace(s: string): string {
  return /[\t\n\r]/.test(s) ? s.replace(/\r\n|[\t\n\r]/g, " ") : s;
}
