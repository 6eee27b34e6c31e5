// A scripted CredSSP client for probing the simulator's server side: built from the
// wire library's parts (TLS channel, SPNEGO/NTLM, TSRequest codec) rather than from our
// client, so a test can make it misbehave the ways a client (or an attacker) could:
// leave out or reuse the nonce, prove a different key, delegate someone else's
// credentials, or replay a token it already sent.

import * as http from "node:http";
import * as https from "node:https";
import { randomBytes } from "node:crypto";
import { clientPubKeyAuth, serverPubKeyAuth, usesBindingHash } from "../../../provider/src/winrm/credssp/pub-key-auth";
import { MemoryTlsChannel } from "../../../provider/src/winrm/credssp/tls-channel";
import { decodeTSRequest, encodeTSRequest, passwordCredentials } from "../../../provider/src/winrm/credssp/ts-request";
import type { TSPasswordCreds, TSRequest } from "../../../provider/src/winrm/credssp/ts-request";
import { SpnegoClientContext } from "../../../provider/src/winrm/gss/spnego-client";
import { NtlmClientContext } from "../../../provider/src/winrm/ntlm/context";
import { subjectPublicKey } from "../../../provider/src/winrm/ntlm/der";
import { post, wwwAuthenticate } from "./raw";
import type { RawResponse } from "./raw";

export type Stage = "negotiate" | "pubkey" | "credentials";

export interface DriverOptions {
  user: string;
  domain?: string;
  password: string;
  /** What to delegate (default: the same user, domain and password). */
  delegate?: TSPasswordCreds;
  version?: number;
  /** The nonce to send (default: fresh random bytes). */
  nonce?: Buffer;
  /** Prove this key instead of the server's (what a man in the middle's key would give). */
  proveKey?: Buffer;
  /** Changes a TSRequest just before it is encrypted and sent. */
  mutate?: (stage: Stage, req: TSRequest) => TSRequest;
  /** After this stage succeeded, send its Authorization header again on the same connection. */
  replay?: Stage;
}

export interface DriverResult {
  /** "done": HTTP 200 after the credentials; "refused": a 401 ended it (see last). */
  outcome: "done" | "refused";
  stage: Stage | "tls";
  last: RawResponse;
  /** The TSRequest in the server's last CredSSP token, when there was one and it decrypted. */
  serverRequest?: TSRequest;
  /** The server's CredSSP certificate (DER). */
  serverCert?: Buffer;
  /** The answer to the replayed header (with `replay`). */
  replayed?: RawResponse;
  /** The keep-alive agent the exchange used, to send more on the same connection. */
  agent: http.Agent;
}

function credSspToken(r: RawResponse): Buffer | undefined {
  for (const v of wwwAuthenticate(r)) {
    const m = /^CredSSP\s+([A-Za-z0-9+/=]+)$/.exec(v.trim());
    if (m) return Buffer.from(m[1], "base64");
  }
  return undefined;
}

export async function runCredSsp(url: string, o: DriverOptions): Promise<DriverResult> {
  const isHttps = url.startsWith("https:");
  const agent = isHttps
    ? new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false })
    : new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (token: Buffer) => post(url, "", { Authorization: `CredSSP ${token.toString("base64")}` }, agent);
  const tls = MemoryTlsChannel.client({ maxVersion: "TLSv1.2" });
  const version = o.version ?? 6;
  let last!: RawResponse;

  // TLS
  let input: Buffer | undefined;
  for (;;) {
    const { output, established } = await tls.handshake(input);
    if (output.length === 0 && established) break;
    last = await send(output);
    const token = credSspToken(last);
    if (last.status !== 401 || !token) return { outcome: "refused", stage: "tls", last, agent };
    input = token;
  }
  const serverCert = tls.peerCertificate()!;
  const serverKey = subjectPublicKey(serverCert);

  const spnego = new SpnegoClientContext([new NtlmClientContext({ username: o.user, domain: o.domain ?? "", password: o.password })]);
  const exchange = async (stage: Stage, req: TSRequest): Promise<TSRequest | DriverResult> => {
    const token = await tls.wrap(encodeTSRequest(o.mutate ? o.mutate(stage, req) : req));
    last = await send(token);
    if (last.status === 200) return { outcome: "done", stage, last, serverCert, agent };
    const reply = credSspToken(last);
    let serverRequest: TSRequest | undefined;
    if (reply) serverRequest = decodeTSRequest(await tls.unwrap(reply));
    if (last.status !== 401 || !serverRequest || serverRequest.errorCode !== undefined) {
      return { outcome: "refused", stage, last, serverRequest, serverCert, agent };
    }
    if (o.replay === stage) {
      const replayed = await send(token);
      return { outcome: "refused", stage, last, serverRequest, serverCert, agent, replayed };
    }
    return serverRequest;
  };

  let r = await exchange("negotiate", { version, negoTokens: [(await spnego.step())!] });
  if (!("version" in r) || "outcome" in r) return r as DriverResult;
  const negotiated = Math.min(version, r.version);
  const authenticate = await spnego.step(r.negoTokens![0]);
  const nonce = usesBindingHash(negotiated) ? (o.nonce ?? randomBytes(32)) : undefined;
  const proof = clientPubKeyAuth(o.proveKey ?? serverKey, negotiated, nonce ?? randomBytes(32));
  r = await exchange("pubkey", { version, negoTokens: [authenticate!], pubKeyAuth: spnego.wrap(proof), clientNonce: nonce });
  if ("outcome" in r) return r as DriverResult;
  if (r.negoTokens?.[0]) await spnego.step(r.negoTokens[0]);
  const serverProof = spnego.unwrap(r.pubKeyAuth!);
  if (!serverProof.equals(serverPubKeyAuth(serverKey, negotiated, nonce))) throw new Error("the simulator's pubKeyAuth does not match its key");
  const delegate = o.delegate ?? { domainName: o.domain ?? "", userName: o.user, password: o.password };
  const done = await exchange("credentials", { version, authInfo: spnego.wrap(passwordCredentials(delegate)) });
  if ("outcome" in done) return done as DriverResult;
  throw new Error("the simulator answered the credentials with another CredSSP token");
}
