// A loopback HTTP server that answers WinRM requests with recorded Windows replies,
// in order, rewriting RelatesTo to the incoming MessageID the way the real host would.
// It accepts Basic credentials only (the client under test runs with allowUnencrypted).
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { actionOf, messageIdOf } from "./captures";
import type { CapturedMessage } from "./captures";
import { SOAP_CONTENT_TYPE } from "../../../provider/src/winrm/soap";

export interface ReplayStep {
  reply: CapturedMessage;
  /** When set, the incoming request must carry this Action (else the step fails loudly). */
  expectAction?: string;
}

export interface ReplayServer {
  url: string;
  port: number;
  /** Raw request envelopes received, in order. */
  requests: string[];
  /** Problems seen (unexpected action, script exhausted); tests assert it stays empty. */
  problems: string[];
  /** Steps not yet consumed. */
  remaining(): number;
  close(): Promise<void>;
}

export const REPLAY_USER = "vagrant";
export const REPLAY_PASSWORD = "S3cret-Replay!pw";

export async function startReplayServer(steps: ReplayStep[]): Promise<ReplayServer> {
  const queue = [...steps];
  const requests: string[] = [];
  const problems: string[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${REPLAY_USER}:${REPLAY_PASSWORD}`).toString("base64")}`;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.headers.authorization !== expectedAuth) {
        res.writeHead(401, { "WWW-Authenticate": 'Basic realm="WSMAN"', "Content-Length": "0" });
        res.end();
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push(body);
      const step = queue.shift();
      if (!step) {
        problems.push(`unexpected extra request ${actionOf(body)}`);
        res.writeHead(500, { "Content-Length": "0" }).end();
        return;
      }
      if (step.expectAction && actionOf(body) !== step.expectAction) {
        problems.push(`expected ${step.expectAction}, got ${actionOf(body)}`);
        res.writeHead(500, { "Content-Length": "0" }).end();
        return;
      }
      if (step.reply.httpError || step.reply.response === null) {
        res.writeHead(500, { "Content-Length": "0" }).end();
        return;
      }
      const id = messageIdOf(body);
      const text = step.reply.response.replace(/(<(?:\w+:)?RelatesTo>)[^<]*(<\/(?:\w+:)?RelatesTo>)/, `$1${id}$2`);
      const payload = Buffer.from(text, "utf8");
      res.writeHead(step.reply.status, {
        "Content-Type": SOAP_CONTENT_TYPE,
        "Content-Length": String(payload.length),
      });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/wsman`,
    port,
    requests,
    problems,
    remaining: () => queue.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Steps for the given message indexes of a capture, each expecting the recorded Action. */
export function stepsFrom(messages: CapturedMessage[], indexes?: number[]): ReplayStep[] {
  const picked = indexes ? indexes.map((i) => messages[i]) : messages;
  return picked.map((m) => ({ reply: m, expectAction: actionOf(m.request) }));
}
