// One WS-Management request/response exchange, shared by every operation: builds the
// envelope, serialises exchanges (one connection, one NTLM context), applies the retry
// policy, maps HTTP statuses, and validates the reply (RelatesTo, faults).
import type { Authenticator, PlainReply } from "./auth/authenticator";
import { wasPayloadNotSent } from "./auth/authenticator";
import type { Endpoint } from "./endpoint";
import { TimeoutError, TransportError } from "./errors";
import { parseResponse } from "./response";
import type { ParsedResponse } from "./response";
import { buildEnvelope, newMessageId } from "./soap";
import { failureOf } from "./transport";

export interface WsmanRequestSpec {
  action: string;
  resourceUri: string;
  selectors?: Record<string, string>;
  options?: Record<string, string>;
  /** Inner XML of s:Body. */
  body?: string;
  /** Safe to send twice (Get, Enumerate, Pull, Receive): may be retried after a connection failure. */
  idempotent: boolean;
}

export interface RetryPolicy {
  /** Extra attempts after the first. */
  retries: number;
  /** First backoff delay; doubles per attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export class WsmanSession {
  private queue: Promise<unknown> = Promise.resolve();
  readonly sessionId = newMessageId();
  /** WS-Management requests sent (not counting retries' failed attempts or handshakes). */
  requestCount = 0;

  constructor(
    readonly endpoint: Endpoint,
    private readonly auth: Authenticator,
    private readonly retry: RetryPolicy,
    /** wsman:OperationTimeout in seconds; kept below the HTTP timeout so Windows answers first. */
    private readonly operationTimeoutSec: number,
  ) {}

  /** Sends one request and returns the validated reply; throws typed errors. */
  request(spec: WsmanRequestSpec): Promise<ParsedResponse> {
    const run = this.queue.then(() => this.requestWithRetry(spec));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async requestWithRetry(spec: WsmanRequestSpec): Promise<ParsedResponse> {
    for (let attempt = 0; ; attempt++) {
      // A fresh MessageID per attempt: a retried request is a new message.
      const messageId = newMessageId();
      const envelope = buildEnvelope({
        action: spec.action,
        resourceUri: spec.resourceUri,
        to: this.endpoint.url,
        messageId,
        sessionId: this.sessionId,
        operationTimeoutSec: this.operationTimeoutSec,
        selectors: spec.selectors,
        options: spec.options,
        body: spec.body ?? "",
      });
      let reply: PlainReply;
      try {
        reply = await this.auth.send(Buffer.from(envelope, "utf8"));
      } catch (err) {
        if (attempt < this.retry.retries && this.mayRetry(err, spec)) {
          await sleep(Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt));
          continue;
        }
        throw err;
      }
      this.requestCount++;
      return this.interpret(reply, messageId, spec.action);
    }
  }

  /** Only connection-level failures before any response qualify (never TLS or response timeouts). */
  private mayRetry(err: unknown, spec: WsmanRequestSpec): boolean {
    const connectionLevel =
      (err instanceof TransportError && (err.kind === "refused" || err.kind === "reset" || err.kind === "dns")) ||
      (err instanceof TimeoutError && err.phase === "connect");
    if (!connectionLevel) return false;
    if (wasPayloadNotSent(err)) return true;
    const info = failureOf(err);
    if (info && !info.beforeResponse) return false;
    // Only operations that are safe to repeat. A Put, Create, Command or method call
    // may already have been carried out when the connection broke, even on a reused
    // keep-alive socket, so it is never resent: the caller sees the failure and can
    // re-read the state instead.
    return spec.idempotent;
  }

  private interpret(reply: PlainReply, messageId: string, action: string): ParsedResponse {
    const text = decodeBody(reply.body, reply.contentType);
    const ok = reply.status >= 200 && reply.status < 300;
    if (ok) return parseResponse(text, messageId, action);
    // Windows reports faults with HTTP 500 (sometimes 400) and a SOAP body.
    if (/<(?:\w+:)?Envelope[\s>]/.test(text)) {
      parseResponse(text, messageId, action); // throws WSManFaultError for s:Fault
    }
    const { host, port, scheme } = this.endpoint;
    const snippet = text.replace(/\s+/g, " ").trim().slice(0, 200);
    const shown = reply.bodyWithheld
      ? " with an unencrypted body on an encrypted session (not shown: it cannot be authenticated)"
      : snippet ? `: ${snippet}` : " with an empty body";
    throw new TransportError({
      kind: "http", host, port, scheme, httpStatus: reply.status,
      detail: `HTTP ${reply.status}${shown}`,
    });
  }
}

/** Windows answers in the request's encoding (UTF-8 for us), but honour a declared UTF-16. */
function decodeBody(body: Buffer, contentType: string | undefined): string {
  const utf16 = /charset\s*=\s*"?utf-16/i.test(contentType ?? "") || (body[0] === 0xff && body[1] === 0xfe);
  const text = utf16 ? body.toString("utf16le") : body.toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
