// The seam between WS-Management operations and HTTP authentication. Operations hand
// a SOAP payload to an Authenticator and get the SOAP reply back; handshakes, message
// sealing and re-authentication stay behind this interface, so Kerberos or CredSSP
// can be added later without touching any operation.
import type { HttpResponse } from "../transport";

/** A reply with its payload already unsealed (when the scheme seals messages). */
export interface PlainReply {
  status: number;
  contentType: string | undefined;
  body: Buffer;
  /**
   * Set when the reply came unencrypted on a session whose messages are sealed: its
   * body could come from anyone on the path, so it was dropped and only the status is
   * reported.
   */
  bodyWithheld?: true;
}

export interface Authenticator {
  /** Scheme name as it appears in WWW-Authenticate, e.g. "Basic", "Negotiate". */
  readonly scheme: string;
  /** Sends one SOAP payload, authenticating (again) as needed; returns the plain reply. */
  send(payload: Buffer): Promise<PlainReply>;
  /** Forgets any security context (e.g. after the client is closed). */
  reset(): void;
}

/** Every WWW-Authenticate challenge value the server sent, in order. */
export function authenticateHeaders(res: HttpResponse): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    if (res.rawHeaders[i].toLowerCase() === "www-authenticate") out.push(res.rawHeaders[i + 1]);
  }
  return out;
}

/**
 * Scheme names offered in WWW-Authenticate headers ("Negotiate", "Basic", ...). A
 * header may list several challenges separated by commas; auth-params (`realm="x"`)
 * and tokens after a scheme name are skipped.
 */
export function offeredSchemes(res: HttpResponse): string[] {
  const schemes: string[] = [];
  for (const value of authenticateHeaders(res)) {
    const re = /(?:^|,)\s*([A-Za-z][A-Za-z0-9._~+-]*)(?=\s|,|$)/g;
    for (let m = re.exec(value); m; m = re.exec(value)) {
      if (!schemes.some((s) => s.toLowerCase() === m![1].toLowerCase())) schemes.push(m[1]);
    }
  }
  return schemes;
}

export function offers(res: HttpResponse, ...names: string[]): boolean {
  const offered = offeredSchemes(res).map((s) => s.toLowerCase());
  return names.some((n) => offered.includes(n.toLowerCase()));
}

// Failures that happened before the payload itself was sent (e.g. during a
// handshake) are safe to retry for any operation; the session's retry policy asks.
const payloadNotSent = new WeakSet<object>();
export function markPayloadNotSent<E>(err: E): E {
  if (typeof err === "object" && err !== null) payloadNotSent.add(err);
  return err;
}
export function wasPayloadNotSent(err: unknown): boolean {
  return typeof err === "object" && err !== null && payloadNotSent.has(err);
}
