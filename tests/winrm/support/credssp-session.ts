// A WinRM session over CredSSP put together from the wire layer's parts, for tests
// that need what WinRMClient keeps inside: the CredSSP version to offer, TLS limits
// inside CredSSP, and the authenticator's handshake count.
import { CredSspAuthenticator } from "../../../provider/src/winrm/auth/credssp";
import type { CredSspAuthOptions } from "../../../provider/src/winrm/auth/credssp";
import { makeEndpoint } from "../../../provider/src/winrm/endpoint";
import { WsmanSession } from "../../../provider/src/winrm/session";
import { transferGet, transferPut } from "../../../provider/src/winrm/transfer";
import { MAX_REPLY_BYTES } from "../../../provider/src/winrm/soap";
import { HttpTransport } from "../../../provider/src/winrm/transport";
import type { WsmanObject } from "../../../provider/src/winrm/xml";

export interface CredSspTestSession {
  authenticator: CredSspAuthenticator;
  /** WS-Management requests that reached the session (not handshakes). */
  readonly requests: number;
  get(uri: string): Promise<WsmanObject>;
  put(uri: string, body: string): Promise<WsmanObject>;
  close(): void;
}

export function credSspSession(o: {
  port: number;
  https?: boolean;
  username: string;
  password: string;
  options?: CredSspAuthOptions;
}): CredSspTestSession {
  const endpoint = makeEndpoint("127.0.0.1", o.https ? "https" : "http", o.port);
  const transport = new HttpTransport(endpoint, {
    tls: { insecureSkipVerify: true },
    connectTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    maxResponseBytes: MAX_REPLY_BYTES,
  });
  const authenticator = new CredSspAuthenticator(transport, o.username, o.password, o.options);
  const session = new WsmanSession(endpoint, authenticator, { retries: 0, baseDelayMs: 10, maxDelayMs: 10 }, 20);
  return {
    authenticator,
    get requests() {
      return session.requestCount;
    },
    get: (uri) => transferGet(session, uri),
    put: (uri, body) => transferPut(session, uri, body),
    close: () => {
      authenticator.reset();
      transport.close();
    },
  };
}
