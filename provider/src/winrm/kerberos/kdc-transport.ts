// Talking to a KDC (RFC 4120 section 7.2.1-7.2.2): UDP datagrams, or TCP with a 4-byte
// big-endian length in front of each message. Like MIT's client, a request longer than
// udp_preference_limit goes over TCP first; otherwise UDP, and a KRB_ERR_RESPONSE_TOO_BIG
// answer (or silence) sends the same request again over TCP. Each KDC of the realm is
// tried in turn until one answers.

import * as dgram from "node:dgram";
import * as net from "node:net";
import { KrbErrorCode, MsgType } from "./constants";
import { KdcUnreachableError, KerberosProtocolError } from "./errors";
import type { KdcAddress } from "./krb5-conf";
import { decodeKrbError, messageType } from "./messages";

export interface KdcTransportOptions {
  /** Per attempt (one transport to one KDC). Default 3000 ms. */
  timeoutMs?: number;
  /** Requests longer than this many bytes start on TCP (MIT default 1465; 1 = always TCP). */
  udpPreferenceLimit?: number;
  /** Called once per attempt, for tests and logs: which KDC, which transport. */
  onAttempt?: (kdc: KdcAddress, transport: "udp" | "tcp") => void;
}

const DEFAULT_TIMEOUT_MS = 3000;
const DEFAULT_UDP_PREFERENCE_LIMIT = 1465;
/** RFC 4120 7.2.2: the high bit of the TCP length is reserved and must be zero. */
const MAX_TCP_MESSAGE = 0x7fffffff;
/** Refuse absurd TCP replies rather than buffering them. */
const MAX_REPLY = 1 << 20;

class AttemptError extends Error {}

function udpExchange(kdc: KdcAddress, request: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(kdc.host) ? "udp6" : "udp4");
    const done = (err: Error | undefined, reply?: Buffer) => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => done(new AttemptError(`no UDP reply within ${timeoutMs} ms`)), timeoutMs);
    socket.on("error", (err) => done(new AttemptError(`UDP: ${err.message}`)));
    socket.on("message", (msg) => done(undefined, msg));
    socket.send(request, kdc.port, kdc.host, (err) => {
      if (err) done(new AttemptError(`UDP send: ${err.message}`));
    });
  });
}

function tcpExchange(kdc: KdcAddress, request: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (request.length > MAX_TCP_MESSAGE) {
      reject(new KerberosProtocolError("request too large for the KDC TCP framing"));
      return;
    }
    const socket = net.connect({ host: kdc.host, port: kdc.port });
    let chunks: Buffer[] = [];
    let received = 0;
    let expected: number | undefined;
    const done = (err: Error | undefined, reply?: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => done(new AttemptError(`no TCP reply within ${timeoutMs} ms`)), timeoutMs);
    socket.on("error", (err) => done(new AttemptError(`TCP: ${err.message}`)));
    socket.on("connect", () => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(request.length);
      socket.write(Buffer.concat([len, request]));
    });
    socket.on("data", (d: Buffer) => {
      chunks.push(d);
      received += d.length;
      if (expected === undefined && received >= 4) {
        const all = Buffer.concat(chunks);
        expected = all.readUInt32BE(0);
        chunks = [all];
        if (expected & 0x80000000) return done(new KerberosProtocolError("KDC TCP reply uses the reserved length bit"));
        if (expected > MAX_REPLY) return done(new KerberosProtocolError(`KDC TCP reply of ${expected} bytes is too large`));
      }
      if (expected !== undefined && received >= 4 + expected) done(undefined, Buffer.concat(chunks).subarray(4, 4 + expected));
    });
    socket.on("end", () => {
      if (expected === undefined || received < 4 + expected) done(new AttemptError("KDC closed the TCP connection before replying"));
    });
  });
}

function isResponseTooBig(reply: Buffer): boolean {
  if (messageType(reply) !== MsgType.KRB_ERROR) return false;
  try {
    return decodeKrbError(reply).errorCode === KrbErrorCode.RESPONSE_TOO_BIG;
  } catch {
    return false;
  }
}

/**
 * Send one KDC request to the realm's KDCs and return the first reply (an AS-REP,
 * TGS-REP or KRB-ERROR, undecoded).
 */
export async function sendToKdc(realm: string, kdcs: KdcAddress[], request: Buffer, opts: KdcTransportOptions = {}): Promise<Buffer> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const limit = opts.udpPreferenceLimit ?? DEFAULT_UDP_PREFERENCE_LIMIT;
  const failures: string[] = [];
  for (const kdc of kdcs) {
    const order: Array<"udp" | "tcp"> = kdc.transport ? [kdc.transport] : request.length > limit ? ["tcp", "udp"] : ["udp", "tcp"];
    for (const transport of order) {
      opts.onAttempt?.(kdc, transport);
      try {
        const reply = transport === "udp" ? await udpExchange(kdc, request, timeoutMs) : await tcpExchange(kdc, request, timeoutMs);
        if (transport === "udp" && isResponseTooBig(reply)) {
          failures.push(`${kdc.host}:${kdc.port}/udp: KRB_ERR_RESPONSE_TOO_BIG`);
          if (!order.includes("tcp")) order.push("tcp");
          continue;
        }
        return reply;
      } catch (err) {
        if (!(err instanceof AttemptError)) throw err;
        failures.push(`${kdc.host}:${kdc.port}/${transport}: ${err.message}`);
      }
    }
  }
  throw new KdcUnreachableError({ realm, kdcs: kdcs.map((k) => `${k.host}:${k.port}`), detail: failures.join("; ") });
}
