// A small WinRM-over-NTLM endpoint for client tests, built from the shared NTLM server
// context (contract A) and message encryption (contract B). Like Windows, it binds
// the NTLM context to the TCP connection, requires sealed messages over HTTP and
// answers unauthenticated requests with 401.
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { NtlmMessageError, NtlmServer, unwrapSpnego } from "../../../provider/src/winrm/ntlm";
import type { NtlmSession } from "../../../provider/src/winrm/ntlm";
import { ENCRYPTED_CONTENT_TYPE, decryptMessage, encryptMessage, isEncryptedContentType } from "../../../provider/src/winrm/encryption";
import { getResponse } from "./wsman-test-server";
import { messageIdOf } from "./captures";
import { SOAP_CONTENT_TYPE } from "../../../provider/src/winrm/soap";

export const NTLM_USER = "admin";
export const NTLM_DOMAIN = "CORP";
export const NTLM_PASSWORD = "N7lm-Pa55w0rd!";

export interface NtlmTestServer {
  port: number;
  /** Every HTTP request, by kind. */
  counts: { negotiate: number; authenticate: number; message: number; anonymous: number; total: number };
  /** Plain SOAP envelopes the server decrypted/received. */
  envelopes: string[];
  /** Raw request bodies as they crossed the wire. */
  rawBodies: Buffer[];
  connections: number;
  /** Drop every TCP connection (like a service restart or idle timeout). */
  dropConnections(): void;
  /** Forget every NTLM context but keep the sockets open (next message gets 401). */
  forgetContexts(): void;
  close(): Promise<void>;
}

interface ConnState {
  pending?: NtlmServer;
  session?: NtlmSession;
}

export interface NtlmTestServerOptions {
  tls?: { key: string; cert: string };
  expectedChannelBindingsHash?: Buffer;
  /** Clear these flags in the client's NEGOTIATE before the server sees it (a downgrading man in the middle). */
  stripNegotiateFlags?: number;
  /** Answer every authenticated message with this unencrypted reply (a man in the middle's forgery). */
  plaintextReply?: { status: number; body: string };
}

export async function startNtlmServer(opts: NtlmTestServerOptions = {}): Promise<NtlmTestServer> {
  const sealing = !opts.tls;
  const conns = new WeakMap<Socket, ConnState>();
  const sockets = new Set<Socket>();
  const counts = { negotiate: 0, authenticate: 0, message: 0, anonymous: 0, total: 0 };
  const envelopes: string[] = [];
  const rawBodies: Buffer[] = [];
  let connections = 0;

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      counts.total++;
      const body = Buffer.concat(chunks);
      const state = conns.get(req.socket) ?? {};
      conns.set(req.socket, state);
      const unauthorized = (token?: Buffer) => {
        res.setHeader("WWW-Authenticate", token ? `Negotiate ${token.toString("base64")}` : "Negotiate");
        res.writeHead(401, { "Content-Length": "0" });
        res.end();
      };
      const auth = /^Negotiate (.+)$/.exec(req.headers.authorization ?? "");
      if (auth) {
        const { ntlm } = unwrapSpnego(Buffer.from(auth[1], "base64"));
        const type = ntlm.readUInt32LE(8);
        if (type === 1) {
          counts.negotiate++;
          state.session = undefined;
          state.pending = new NtlmServer({
            identity: { netbiosDomain: "CORP", netbiosComputer: "SRV01", dnsDomain: "corp.test", dnsComputer: "srv01.corp.test" },
            lookupPassword: (user, domain) =>
              user.toLowerCase() === NTLM_USER && (domain === "" || domain.toUpperCase() === NTLM_DOMAIN) ? NTLM_PASSWORD : undefined,
            expectedChannelBindingsHash: opts.expectedChannelBindingsHash,
          });
          const negotiate = Buffer.from(ntlm);
          if (opts.stripNegotiateFlags) negotiate.writeUInt32LE((negotiate.readUInt32LE(12) & ~opts.stripNegotiateFlags) >>> 0, 12);
          unauthorized(state.pending.challenge(negotiate));
          return;
        }
        counts.authenticate++;
        try {
          if (!state.pending) throw new NtlmMessageError("no challenge on this connection");
          state.session = state.pending.authenticate(ntlm).session;
          state.pending = undefined;
        } catch {
          state.pending = undefined;
          unauthorized();
          return;
        }
        if (body.length === 0) {
          res.writeHead(200, { "Content-Length": "0" });
          res.end();
          return;
        }
      }
      if (!state.session) {
        counts.anonymous++;
        unauthorized();
        return;
      }
      counts.message++;
      rawBodies.push(body);
      if (opts.plaintextReply) {
        const forged = Buffer.from(opts.plaintextReply.body, "utf8");
        res.writeHead(opts.plaintextReply.status, { "Content-Type": SOAP_CONTENT_TYPE, "Content-Length": String(forged.length) });
        res.end(forged);
        return;
      }
      let soap: string;
      if (sealing) {
        if (!isEncryptedContentType(req.headers["content-type"])) {
          res.writeHead(400, { "Content-Length": "0" }).end();
          return;
        }
        soap = decryptMessage(state.session, body).plain.toString("utf8");
      } else {
        soap = body.toString("utf8");
      }
      envelopes.push(soap);
      const reply = Buffer.from(getResponse(messageIdOf(soap)), "utf8");
      const out = sealing ? encryptMessage(state.session, reply) : reply;
      res.writeHead(200, {
        "Content-Type": sealing ? ENCRYPTED_CONTENT_TYPE : SOAP_CONTENT_TYPE,
        "Content-Length": String(out.length),
      });
      res.end(out);
    });
  };
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : http.createServer(handler);
  server.on(opts.tls ? "secureConnection" : "connection", () => connections++);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    counts,
    envelopes,
    rawBodies,
    get connections() {
      return connections;
    },
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    forgetContexts: () => {
      for (const s of sockets) conns.delete(s);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
