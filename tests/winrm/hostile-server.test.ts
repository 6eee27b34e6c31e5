// What a hostile (or broken) server can make the client do, issue 10 items 1, 3, 4 and
// 5: every attack ends in a typed error, quickly, with the socket closed, and nothing
// the server says is believed where the protocol does not vouch for it.
import { ProtocolError, TransportError, WinRMClient, WSManFaultError } from "../../provider/src/winrm";
import type { WinRMClientOptions } from "../../provider/src/winrm";
import { describeFault } from "../../provider/src/windows";
import { caught } from "../support/caught";
import {
  httpResponse, replyEnvelope, startHostileServer, streamEndlessChunks, streamRepeated,
} from "../../testkit/hostile-server";
import type { HostileAnswer, HostileServer } from "../../testkit/hostile-server";
import { SOAP_CONTENT_TYPE } from "../../provider/src/winrm/soap";

const AUTH_URI = "http://schemas.microsoft.com/wbem/wsman/1/config/service/auth";
const servers: HostileServer[] = [];
const clients: WinRMClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function hostile(answer: HostileAnswer): Promise<HostileServer> {
  const s = await startHostileServer(answer);
  servers.push(s);
  return s;
}

function client(port: number, extra: Partial<WinRMClientOptions> = {}): WinRMClient {
  const c = new WinRMClient({
    host: "127.0.0.1", port, auth: "basic", allowUnencrypted: true, username: "u", password: "p", timeoutMs: 20_000, retries: 0, ...extra,
  });
  clients.push(c);
  return c;
}

/** The typed error an operation ends in (its fields read without casts). */
const failure = (p: Promise<unknown>): Promise<any> => caught(p);

describe("item 1: reply size", () => {
  test("a 50 MB reply of small XML elements ends in WINRM_PROTOCOL naming the limit; the client stops reading", async () => {
    const total = 50 * 1024 * 1024;
    const s = await hostile((req, socket) => {
      const head = replyEnvelope("<r>", req.messageId).replace("</s:Body></s:Envelope>", "");
      void streamRepeated(socket, `HTTP/1.1 200 OK\r\nContent-Type: ${SOAP_CONTENT_TYPE}\r\nContent-Length: ${total}\r\n\r\n${head}`, "<a/>", total - head.length);
    });
    const started = Date.now();
    const err = await failure(client(s.port).get(AUTH_URI));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.code).toBe("WINRM_PROTOCOL");
    expect(err.message).toMatch(/614400 bytes/);
    expect(Date.now() - started).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.bytesSent).toBeLessThan(8 * 1024 * 1024);
  });

  test("an endless chunked body is cut off at the limit with WINRM_PROTOCOL, and the connection is closed", async () => {
    let served: Promise<number> | undefined;
    const s = await hostile((_req, socket) => {
      served = streamEndlessChunks(socket, `HTTP/1.1 200 OK\r\nContent-Type: ${SOAP_CONTENT_TYPE}\r\nTransfer-Encoding: chunked\r\n\r\n`, "<a/>");
    });
    const started = Date.now();
    const err = await failure(client(s.port).get(AUTH_URI));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/larger than 614400 bytes/);
    expect(Date.now() - started).toBeLessThan(5000);
    // The server sees its connection closed: it stops writing.
    const written = await served!;
    expect(written).toBeLessThan(8 * 1024 * 1024);
  });

  test("a reply under the byte limit made of 30,000 empty elements is refused before it is parsed", async () => {
    const s = await hostile((req, socket) => {
      socket.end(httpResponse(200, replyEnvelope(`<r>${"<a/>".repeat(30_000)}</r>`, req.messageId), { "Content-Type": SOAP_CONTENT_TYPE }));
    });
    const err = await failure(client(s.port).get(AUTH_URI));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/more than 20000 elements and attributes/);
  });
});

describe("item 4: deep XML", () => {
  test("a reply nested 5,000 levels deep is a typed WINRM_PROTOCOL error, not a RangeError", async () => {
    const s = await hostile((req, socket) => {
      const deep = "<a>".repeat(5000) + "</a>".repeat(5000);
      socket.end(httpResponse(200, replyEnvelope(deep, req.messageId), { "Content-Type": SOAP_CONTENT_TYPE }));
    });
    const err = await failure(client(s.port).get(AUTH_URI));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/nested more than 64 levels/);
  });

  test("a document type declaration (forbidden in SOAP_CONTENT_TYPE 1.2) is refused", async () => {
    const s = await hostile((req, socket) => {
      const xml = `<!DOCTYPE s:Envelope [<!ENTITY x "x">]>${replyEnvelope("<r>&x;</r>", req.messageId)}`;
      socket.end(httpResponse(200, xml, { "Content-Type": SOAP_CONTENT_TYPE }));
    });
    const err = await failure(client(s.port).get(AUTH_URI));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/document type declaration/);
  });
});

describe("item 3: replies must name our request", () => {
  const fault =
    `<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text xml:lang="en-US">Access is denied.</s:Text></s:Reason>` +
    `<s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="5" Machine="x"><f:Message>forged text</f:Message></f:WSManFault></s:Detail></s:Fault>`;

  test.each([200, 500])("a fault without RelatesTo (HTTP %i) is a ProtocolError, not a fault to believe", async (status) => {
    const s = await hostile((_req, socket) => {
      socket.end(httpResponse(status, replyEnvelope(fault), { "Content-Type": SOAP_CONTENT_TYPE }));
    });
    const err = await failure(client(s.port).get(AUTH_URI));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).not.toBeInstanceOf(WSManFaultError);
    expect(err.message).toMatch(/RelatesTo is missing/);
    expect(err.message).not.toContain("forged text");
  });
});

describe("item 5: diagnostics say what happened", () => {
  test("an unreadable NTLM challenge is a protocol error, not 'wrong credentials'", async () => {
    const s = await hostile((_req, socket) => {
      socket.end(httpResponse(401, "", { "WWW-Authenticate": "Negotiate @@not-base64@@" }));
    });
    const err = await failure(client(s.port, { auth: "ntlm", allowUnencrypted: undefined }).get(AUTH_URI));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/NTLM challenge/);
    expect(err.message).not.toMatch(/credentials/);
  });

  test("an HTTP header overflow is a protocol error and is not retried", async () => {
    const s = await hostile((_req, socket) => {
      socket.end(`HTTP/1.1 200 OK\r\nX-Junk: ${"j".repeat(64 * 1024)}\r\nContent-Length: 0\r\n\r\n`);
    });
    const err = await failure(client(s.port, { retries: 2 }).get(AUTH_URI));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).not.toBeInstanceOf(TransportError);
    expect(err.message).toMatch(/header/i);
    expect(s.requests).toHaveLength(1);
  });

  test("a fault without a code reads as 'no code', not 'fault 0 (0x00000000)'", async () => {
    const noCode =
      `<s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text xml:lang="en-US">Something broke.</s:Text></s:Reason></s:Fault>`;
    const s = await hostile((req, socket) => {
      socket.end(httpResponse(500, replyEnvelope(noCode, req.messageId), { "Content-Type": SOAP_CONTENT_TYPE }));
    });
    const err = await failure(client(s.port).get(AUTH_URI));
    expect(err).toBeInstanceOf(WSManFaultError);
    expect(err.wsmanCode).toBeUndefined();
    expect(err.message).not.toMatch(/fault 0\b/);
    const described = describeFault(err, { host: "srv01", setting: "Service/Auth/CredSSP" });
    expect(described).toContain("with no code");
    expect(described).not.toContain("0x00000000");
  });
});

describe("item 6: a command has a deadline", () => {
  const SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell";
  const timeoutFault =
    `<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:TimedOut</s:Value></s:Subcode></s:Code>` +
    `<s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot complete the operation within the time specified in OperationTimeout.</s:Text></s:Reason>` +
    `<s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858793" Machine="x"><f:Message>timed out</f:Message></f:WSManFault></s:Detail></s:Fault>`;

  /** A host whose command never finishes: every Receive ends in the OperationTimeout fault, or in more output. */
  function neverDone(receive: (messageId: string) => Buffer) {
    const actions: string[] = [];
    const answer: HostileAnswer = (req, socket) => {
      const action = /<(?:\w+:)?Action[^>]*>([^<]+)</.exec(req.body.toString("utf8"))?.[1] ?? "";
      actions.push(action.slice(action.lastIndexOf("/") + 1));
      const ok = (body: string) => httpResponse(200, replyEnvelope(body, req.messageId, `${action}Response`), { "Content-Type": SOAP_CONTENT_TYPE });
      if (action.endsWith("/Create")) socket.write(ok(`<rsp:Shell xmlns:rsp="${SHELL}"><rsp:ShellId>S-1</rsp:ShellId></rsp:Shell>`));
      else if (action.endsWith("/Command")) socket.write(ok(`<rsp:CommandResponse xmlns:rsp="${SHELL}"><rsp:CommandId>C-1</rsp:CommandId></rsp:CommandResponse>`));
      else if (action.endsWith("/Receive")) socket.write(receive(req.messageId));
      else socket.write(ok(""));
    };
    return { actions, answer };
  }

  test("a host that answers every Receive with the OperationTimeout fault ends in WINRM_TIMEOUT at the deadline; the shell is deleted", async () => {
    const host = neverDone((id) => httpResponse(500, replyEnvelope(timeoutFault, id), { "Content-Type": SOAP_CONTENT_TYPE }));
    const s = await hostile(host.answer);
    const started = Date.now();
    const err = await failure(client(s.port, { commandTimeoutMs: 800 }).runCommand("timeout", ["/t", "99999"]));
    const took = Date.now() - started;
    expect(err.code).toBe("WINRM_TIMEOUT");
    expect(err.phase).toBe("command");
    expect(err.message).toMatch(/800 ms/);
    expect(took).toBeLessThan(5000);
    expect(host.actions.filter((a) => a === "Receive").length).toBeGreaterThan(1);
    expect(host.actions.slice(-2)).toEqual(["Signal", "Delete"]);
  }, 15_000);

  test("endless output is cut off at 16 MiB with WINRM_PROTOCOL; the shell is deleted", async () => {
    const chunk = Buffer.alloc(96 * 1024, 0x41).toString("base64");
    const host = neverDone((id) =>
      httpResponse(
        200,
        replyEnvelope(`<rsp:ReceiveResponse xmlns:rsp="${SHELL}"><rsp:Stream Name="stdout" CommandId="C-1">${chunk}</rsp:Stream></rsp:ReceiveResponse>`, id),
        { "Content-Type": SOAP_CONTENT_TYPE },
      ),
    );
    const s = await hostile(host.answer);
    const err = await failure(client(s.port).runCommand("type", ["endless.txt"]));
    expect(err.code).toBe("WINRM_PROTOCOL");
    expect(err.message).toMatch(/16777216 bytes/);
    expect(host.actions.slice(-2)).toEqual(["Signal", "Delete"]);
  }, 30_000);
});
