// A parser for the small PowerShell subset the simulated hosts run (simulator/README.md,
// "PowerShell subset"): statements separated by ";" or newlines, `$x = …` assignments,
// commands with -Parameters and arguments in argument mode, pipelines, string literals
// (single-quoted, and double-quoted with $var expansion), numbers, $true/$false/$null,
// script blocks, comma lists, ( … ) groups and [Type]::new(…). Not a PowerShell: anything
// outside the subset is a ParseError with PowerShell's own text.

export interface Extent {
  start: number;
  end: number;
}

export type Expr =
  | { type: "string"; value: string; extent: Extent }
  | { type: "expandable"; parts: Array<string | { variable: string }>; extent: Extent }
  | { type: "number"; value: number; extent: Extent }
  | { type: "variable"; name: string; extent: Extent }
  | { type: "scriptblock"; text: string; body: Statement[]; extent: Extent }
  | { type: "array"; items: Expr[]; extent: Extent }
  | { type: "paren"; pipeline: Pipeline; extent: Extent }
  | { type: "static-new"; typeName: string; args: Expr[]; extent: Extent }
  | { type: "type"; typeName: string; extent: Extent }
  /** A bareword in argument mode (a path, a name). */
  | { type: "bareword"; value: string; extent: Extent };

export interface CommandElement {
  kind: "parameter" | "argument";
  /** Parameter name without the dash. */
  name?: string;
  value?: Expr;
  extent: Extent;
}

export interface Command {
  type: "command";
  name: string;
  nameExtent: Extent;
  elements: CommandElement[];
  extent: Extent;
}

export type PipelineElement = Command | { type: "expression"; expr: Expr; extent: Extent };

export interface Pipeline {
  type: "pipeline";
  elements: PipelineElement[];
  extent: Extent;
}

export type Statement =
  | { type: "assignment"; variable: string; value: Pipeline; extent: Extent }
  | { type: "exit"; code?: Expr; extent: Extent }
  | Pipeline;

export class ParseError extends Error {
  override readonly name = "ParseError";
  constructor(
    message: string,
    /** PowerShell's ParserError id, e.g. "UnexpectedToken", "TerminatorExpectedAtEndOfString". */
    readonly errorId: string,
    readonly extent: Extent,
  ) {
    super(message);
  }
}

const isSpace = (c: string) => c === " " || c === "\t" || c === "\f" || c === "\u00a0";
const BAREWORD_STOP = new Set([" ", "\t", "\r", "\n", ";", "|", "(", ")", "{", "}", ",", "&", "\u00a0", "'", '"']);

export class Parser {
  private i = 0;

  constructor(private readonly src: string) {}

  static parse(src: string): Statement[] {
    const p = new Parser(src);
    const out = p.statements(undefined);
    return out;
  }

  private peek(o = 0): string {
    return this.src[this.i + o] ?? "";
  }

  private error(message: string, id: string, start = this.i, end = this.i + 1): never {
    throw new ParseError(message, id, { start, end: Math.min(end, Math.max(start + 1, this.src.length)) });
  }

  /** Whitespace, comments and line continuations (backtick-newline), not newlines. */
  private skipInline(): void {
    for (;;) {
      const c = this.peek();
      if (isSpace(c)) this.i++;
      else if (c === "`" && (this.peek(1) === "\n" || (this.peek(1) === "\r" && this.peek(2) === "\n"))) this.i += this.peek(1) === "\r" ? 3 : 2;
      else if (c === "#") {
        while (this.i < this.src.length && this.peek() !== "\n") this.i++;
      } else if (c === "<" && this.peek(1) === "#") {
        const close = this.src.indexOf("#>", this.i + 2);
        if (close < 0) this.error("Missing the terminator: #>.", "MissingEndOfComment");
        this.i = close + 2;
      } else return;
    }
  }

  private skipAll(): void {
    for (;;) {
      this.skipInline();
      const c = this.peek();
      if (c === "\n" || c === "\r") this.i++;
      else return;
    }
  }

  /** Statements until `close` ("}" for a script block) or the end. */
  private statements(close: string | undefined): Statement[] {
    const out: Statement[] = [];
    for (;;) {
      this.skipAll();
      while (this.peek() === ";") {
        this.i++;
        this.skipAll();
      }
      if (this.i >= this.src.length) {
        if (close) this.error(`Missing closing '${close}' in statement block or type definition.`, "MissingEndCurlyBrace", this.src.length - 1);
        return out;
      }
      if (close && this.peek() === close) return out;
      out.push(this.statement());
      this.skipInline();
      const c = this.peek();
      if (c === ";" || c === "\n" || c === "\r") continue;
      if (close && c === close) continue;
      if (this.i >= this.src.length) continue;
      this.error(`Unexpected token '${this.tokenText()}' in expression or statement.`, "UnexpectedToken");
    }
  }

  private tokenText(): string {
    const m = /^[^\s;|]+/.exec(this.src.slice(this.i));
    return m ? m[0] : this.peek();
  }

  private statement(): Statement {
    const start = this.i;
    // $x = …
    const assign = /^\$([A-Za-z_][A-Za-z0-9_]*)[ \t]*=(?!=)/.exec(this.src.slice(this.i));
    if (assign) {
      this.i += assign[0].length;
      this.skipInline();
      if (this.i >= this.src.length || this.peek() === "\n" || this.peek() === ";") {
        this.error("You must provide a value expression following the '=' operator.", "ExpectedValueExpression");
      }
      const value = this.pipeline();
      return { type: "assignment", variable: assign[1], value, extent: { start, end: value.extent.end } };
    }
    const exit = /^exit(?=$|[\s;])/i.exec(this.src.slice(this.i));
    if (exit) {
      this.i += 4;
      this.skipInline();
      let code: Expr | undefined;
      if (this.i < this.src.length && !/[;\r\n}]/.test(this.peek())) code = this.primary(false);
      return { type: "exit", code, extent: { start, end: this.i } };
    }
    return this.pipeline();
  }

  private pipeline(): Pipeline {
    const start = this.i;
    const elements: PipelineElement[] = [];
    for (;;) {
      this.skipInline();
      elements.push(this.pipelineElement());
      this.skipInline();
      if (this.peek() === "|") {
        this.i++;
        this.skipAll();
        if (this.i >= this.src.length) this.error("An empty pipe element is not allowed.", "EmptyPipeElement", this.i - 1);
        continue;
      }
      return { type: "pipeline", elements, extent: { start, end: elements[elements.length - 1].extent.end } };
    }
  }

  private pipelineElement(): PipelineElement {
    const c = this.peek();
    const start = this.i;
    if (c === "&") {
      this.i++;
      this.skipInline();
    }
    const expressionStart = c === "$" || c === "'" || c === '"' || c === "(" || c === "{" || c === "[" || /[0-9]/.test(c) || c === "@";
    if (expressionStart && c !== "&") {
      const expr = this.expression();
      return { type: "expression", expr, extent: { start, end: this.i } };
    }
    if (!c || c === "|" || c === ";" || c === ")" || c === "}") this.error("An empty pipe element is not allowed.", "EmptyPipeElement");
    return this.command(start);
  }

  private command(start: number): Command {
    const nameStart = this.i;
    let name: string;
    if (this.peek() === "'" || this.peek() === '"') {
      const e = this.stringLiteral();
      name = e.type === "string" ? e.value : e.type === "expandable" ? e.parts.map((p) => (typeof p === "string" ? p : `$${p.variable}`)).join("") : "";
    } else {
      name = this.bareword();
    }
    const nameExtent = { start: nameStart, end: this.i };
    const elements: CommandElement[] = [];
    for (;;) {
      this.skipInline();
      const c = this.peek();
      if (!c || c === ";" || c === "|" || c === "\n" || c === "\r" || c === ")" || c === "}") break;
      const elStart = this.i;
      if (c === "-" && /[A-Za-z_?]/.test(this.peek(1))) {
        const m = /^-([A-Za-z_?][A-Za-z0-9_?-]*)(:?)/.exec(this.src.slice(this.i))!;
        this.i += m[0].length;
        if (m[2] === ":") {
          const value = this.argumentValue();
          elements.push({ kind: "parameter", name: m[1], value, extent: { start: elStart, end: this.i } });
        } else {
          elements.push({ kind: "parameter", name: m[1], extent: { start: elStart, end: this.i } });
        }
        continue;
      }
      const value = this.argumentList();
      elements.push({ kind: "argument", value, extent: { start: elStart, end: this.i } });
    }
    return { type: "command", name, nameExtent, elements, extent: { start, end: elements.length ? elements[elements.length - 1].extent.end : this.i } };
  }

  /** An argument, with "a, b" comma lists folded into one array argument. */
  private argumentList(): Expr {
    return this.commaList(() => this.argumentValue());
  }

  /** One `item`, or several separated by commas folded into an array (PowerShell's comma operator). */
  private commaList(item: () => Expr): Expr {
    const start = this.i;
    const first = item();
    const items = [first];
    for (;;) {
      const save = this.i;
      this.skipInline();
      if (this.peek() !== ",") {
        this.i = save;
        break;
      }
      this.i++;
      this.skipAll();
      items.push(item());
    }
    return items.length === 1 ? first : { type: "array", items, extent: { start, end: this.i } };
  }

  private argumentValue(): Expr {
    this.skipInline();
    const c = this.peek();
    if (c === "$" || c === "'" || c === '"' || c === "(" || c === "{" || c === "@") return this.primary(true);
    if (c === "[" && /^\[[A-Za-z_.]+\]::/.test(this.src.slice(this.i))) return this.primary(true);
    const start = this.i;
    const word = this.bareword();
    if (/^-?[0-9]+$/.test(word)) return { type: "number", value: Number(word), extent: { start, end: this.i } };
    return { type: "bareword", value: word, extent: { start, end: this.i } };
  }

  private bareword(): string {
    const start = this.i;
    while (this.i < this.src.length && !BAREWORD_STOP.has(this.peek())) {
      if (this.peek() === "`" && this.i + 1 < this.src.length) this.i++;
      this.i++;
    }
    if (this.i === start) this.error(`Unexpected token '${this.peek()}' in expression or statement.`, "UnexpectedToken");
    return this.src.slice(start, this.i).replace(/`(.)/g, "$1");
  }

  /** Expression mode: a primary, then optional ", more" making an array. */
  private expression(): Expr {
    return this.commaList(() => this.primary(false));
  }

  private primary(argumentMode: boolean): Expr {
    this.skipInline();
    const start = this.i;
    const c = this.peek();
    if (c === "'" || c === '"') return this.stringLiteral();
    if (c === "$") {
      const m = /^\$(?:\{([^}]+)\}|((?:(?:env|global|script|local|private):)?[A-Za-z_][A-Za-z0-9_]*)|(\?|\$|\^))/i.exec(this.src.slice(this.i));
      if (!m) this.error("Variable reference is not valid. '$' was not followed by a valid variable name character. Consider using ${} to delimit the name.", "InvalidVariableReference");
      this.i += m[0].length;
      const v: Expr = { type: "variable", name: m[1] ?? m[2] ?? m[3], extent: { start, end: this.i } };
      if (this.peek() === "." || (this.peek() === "[" && !argumentMode)) {
        this.error(`Unexpected token '${this.tokenText()}' in expression or statement.`, "UnexpectedToken");
      }
      return v;
    }
    if (c === "(") {
      this.i++;
      this.skipAll();
      if (this.peek() === ")") {
        this.error("An expression was expected after '('.", "ExpectedExpression");
      }
      const inner = this.pipeline();
      this.skipAll();
      if (this.peek() !== ")") this.error("Missing closing ')' in expression.", "MissingEndParenthesisInExpression");
      this.i++;
      return { type: "paren", pipeline: inner, extent: { start, end: this.i } };
    }
    if (c === "@" && this.peek(1) === "(") {
      this.i++;
      const p = this.primary(argumentMode);
      return p.type === "paren" ? { ...p, extent: { start, end: this.i } } : p;
    }
    if (c === "{") {
      this.i++;
      const body = this.statements("}");
      const text = this.src.slice(start + 1, this.i);
      this.i++;
      return { type: "scriptblock", text, body, extent: { start, end: this.i } };
    }
    if (c === "[") {
      const m = /^\[([A-Za-z_][A-Za-z0-9_.]*)\]/.exec(this.src.slice(this.i));
      if (!m) this.error("Missing type name after '['.", "MissingTypename");
      this.i += m[0].length;
      if (this.src.startsWith("::", this.i)) {
        this.i += 2;
        const member = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.i));
        if (!member || member[0].toLowerCase() !== "new" || this.src[this.i + 3] !== "(") {
          this.error(`Unexpected token '${this.tokenText()}' in expression or statement.`, "UnexpectedToken");
        }
        this.i += 4;
        const args = this.methodArguments();
        return { type: "static-new", typeName: m[1], args, extent: { start, end: this.i } };
      }
      return { type: "type", typeName: m[1], extent: { start, end: this.i } };
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(this.src.slice(this.i))!;
      this.i += m[0].length;
      return { type: "number", value: Number(m[0]), extent: { start, end: this.i } };
    }
    this.error(`Unexpected token '${this.tokenText()}' in expression or statement.`, "UnexpectedToken");
  }

  /** After "(": comma-separated expressions up to ")". */
  private methodArguments(): Expr[] {
    const args: Expr[] = [];
    this.skipAll();
    if (this.peek() === ")") {
      this.i++;
      return args;
    }
    for (;;) {
      this.skipAll();
      args.push(this.primary(false));
      this.skipAll();
      if (this.peek() === ",") {
        this.i++;
        continue;
      }
      if (this.peek() === ")") {
        this.i++;
        return args;
      }
      this.error("Missing ')' in method call.", "MissingEndParenthesisInMethodCall");
    }
  }

  /** At a quote inside a string: a doubled quote stands for one (false), a single one ends the string (true). Consumes it. */
  private closingQuote(q: string): boolean {
    if (this.peek(1) === q) {
      this.i += 2;
      return false;
    }
    this.i++;
    return true;
  }

  private stringLiteral(): Expr {
    const start = this.i;
    const q = this.peek();
    this.i++;
    if (q === "'") {
      let out = "";
      for (;;) {
        if (this.i >= this.src.length) this.error("The string is missing the terminator: '.", "TerminatorExpectedAtEndOfString", start);
        const c = this.peek();
        if (c === "'") {
          if (this.closingQuote(c)) return { type: "string", value: out, extent: { start, end: this.i } };
          out += c;
          continue;
        }
        out += c;
        this.i++;
      }
    }
    const parts: Array<string | { variable: string }> = [];
    let buf = "";
    for (;;) {
      if (this.i >= this.src.length) this.error('The string is missing the terminator: ".', "TerminatorExpectedAtEndOfString", start);
      const c = this.peek();
      if (c === '"') {
        if (this.closingQuote(c)) break;
        buf += c;
        continue;
      }
      if (c === "`") {
        const n = this.peek(1);
        buf += n === "n" ? "\n" : n === "r" ? "\r" : n === "t" ? "\t" : n === "0" ? "\0" : n;
        this.i += 2;
        continue;
      }
      if (c === "$") {
        const m = /^\$(?:\{([^}]+)\}|((?:(?:env|global|script|local|private):)?[A-Za-z_][A-Za-z0-9_]*))/i.exec(this.src.slice(this.i));
        if (m) {
          if (buf) parts.push(buf);
          buf = "";
          parts.push({ variable: m[1] ?? m[2] });
          this.i += m[0].length;
          continue;
        }
        if (this.peek(1) === "(") this.error("Subexpressions $( ) are not part of the simulated PowerShell subset.", "UnexpectedToken");
      }
      buf += c;
      this.i++;
    }
    if (buf) parts.push(buf);
    if (parts.every((p) => typeof p === "string")) return { type: "string", value: parts.join(""), extent: { start, end: this.i } };
    return { type: "expandable", parts, extent: { start, end: this.i } };
  }
}
