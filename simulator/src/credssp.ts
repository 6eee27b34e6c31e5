// The CredSSP server of a simulated Windows host (MS-CSSP 3.1.5, over WinRM's HTTP).
// One acceptor per connection, one step per "Authorization: CredSSP" request:
//   tls          TLS 1.2 handshake with the host's own CredSSP key pair (Schannel-like
//                suites; Windows' CredSSP certificate is self-signed)
//   negotiate    TSRequest with SPNEGO NegTokenInit(NTLM NEGOTIATE) -> CHALLENGE
//   authenticate TSRequest with NTLM AUTHENTICATE + mechListMIC + pubKeyAuth (+ nonce)
//                -> SPNEGO accept-completed + mechListMIC, and our pubKeyAuth
//   credentials  TSRequest with authInfo = TSCredentials -> done (HTTP 200)
//
// What the host answers when something is wrong is Windows' behaviour as reported by
// the people who hit it, not what our client expects:
//   - a failed logon in the SPNEGO phase: a TSRequest whose errorCode is
//     STATUS_LOGON_FAILURE, in a 401 with "WWW-Authenticate: CredSSP <token>"
//     (pywinrm#235: requests-credssp raises NTStatusException STATUS_LOGON_FAILURE
//     0xc000006d against a real host); only versions 3, 4 and 6 have errorCode
//     (MS-CSSP 2.2.1), so versions 2 and 5 get the plain 401;
//   - delegated credentials that cannot log on: a plain 401 with the scheme list and
//     no CredSSP token (requests-credssp#26/#29: "Server did not response with a
//     CredSSP token after step Credential exchange - actual 'Negotiate, …, CredSSP'").
// Choices no source pins down are listed in simulator/README.md.
//
// Shared with the client, as a protocol library: the TLS channel, the TSRequest codec,
// the pubKeyAuth formulas, the SPNEGO codec and NTLM (all refereed by pyspnego).

import { createHash } from "node:crypto";
import { clientPubKeyAuth, NONCE_LENGTH, serverPubKeyAuth, usesBindingHash } from "../../provider/src/winrm/credssp/pub-key-auth";
import { MemoryTlsChannel } from "../../provider/src/winrm/credssp/tls-channel";
import {
  CredType,
  decodeTSCredentials,
  decodeTSPasswordCreds,
  decodeTSRequest,
  encodeTSRequest,
} from "../../provider/src/winrm/credssp/ts-request";
import type { TSRequest } from "../../provider/src/winrm/credssp/ts-request";
import { Mech, sameMechanism } from "../../provider/src/winrm/gss/context";
import { decodeNegotiationToken, encodeMechTypeList, encodeNegTokenResp } from "../../provider/src/winrm/gss/spnego";
import { subjectPublicKey } from "../../provider/src/winrm/ntlm/der";
import { AUTH_MIC_OFFSET } from "../../provider/src/winrm/ntlm/messages";
import { NtlmServer } from "../../provider/src/winrm/ntlm";
import type { NtlmSession } from "../../provider/src/winrm/ntlm";
import type { Account, HostIdentity } from "./identity";
import { DelegatedCredentials } from "./session";
import { certDer } from "./tls";
import type { TlsMaterial } from "./state";

/** STATUS_LOGON_FAILURE, what Windows puts in errorCode for a failed logon. */
const STATUS_LOGON_FAILURE = 0xc000006d;
const SIGNATURE_LENGTH = 16;

export type CredSspStep =
  /** 401 with "WWW-Authenticate: CredSSP <token>". */
  | { kind: "continue"; token: Buffer }
  /** 401: with an errorCode TSRequest as the CredSSP token, or (no token) the plain scheme list. */
  | { kind: "refuse"; token?: Buffer }
  /** The credentials were delegated: HTTP 200, and the channel encrypts messages from now on. */
  | { kind: "done"; account: Account; delegated: DelegatedCredentials; channel: MemoryTlsChannel };

type Stage = "tls" | "negotiate" | "authenticate" | "credentials" | "over";

/** Remembers recent client nonces per host, so a replayed pubKeyAuth TSRequest is refused. */
export class NonceLog {
  private readonly seen = new Set<string>();
  constructor(private readonly limit = 10_000) {}
  /** False when the nonce was seen before. */
  add(nonce: Buffer): boolean {
    const key = createHash("sha256").update(nonce).digest("hex");
    if (this.seen.has(key)) return false;
    if (this.seen.size >= this.limit) this.seen.delete(this.seen.values().next().value as string);
    this.seen.add(key);
    return true;
  }
}

export interface CredSspHost {
  identity: HostIdentity;
  /** The host's CredSSP TLS key pair (made once, kept in the state file). */
  material: () => TlsMaterial;
  /** The MS-CSSP version this host speaks (6 on a patched Windows, 2-4 before CVE-2018-0886). */
  version: number;
  nonces: NonceLog;
}

class Refusal extends Error {
  constructor(readonly withStatus: boolean) {
    super("CredSSP refused");
  }
}

export class CredSspAcceptor {
  private stage: Stage = "tls";
  private readonly channel: MemoryTlsChannel;
  private readonly publicKey: Buffer;
  private negotiated = 0;
  private mechTypes: string[] = [];
  private ntlm?: NtlmServer;
  private session?: NtlmSession;
  private account?: Account;

  constructor(private readonly host: CredSspHost) {
    const material = host.material();
    this.channel = MemoryTlsChannel.server({ certPem: material.certPem, keyPem: material.keyPem });
    this.publicKey = subjectPublicKey(certDer(material.certPem));
  }

  async step(token: Buffer): Promise<CredSspStep> {
    try {
      switch (this.stage) {
        case "tls":
          return await this.tls(token);
        case "negotiate":
          return await this.negotiate(await this.receive(token));
        case "authenticate":
          return await this.authenticate(await this.receive(token));
        case "credentials":
          return await this.credentials(await this.receive(token));
        case "over":
          throw new Refusal(false);
      }
    } catch (err) {
      this.stage = "over";
      const withStatus = err instanceof Refusal ? err.withStatus : false;
      // errorCode exists from version 3 on, but not in 5 (MS-CSSP 2.2.1).
      if (withStatus && [3, 4, 6].includes(this.negotiated)) {
        try {
          return { kind: "refuse", token: await this.send({ version: this.host.version, errorCode: STATUS_LOGON_FAILURE }) };
        } catch {
          /* the channel itself is broken: plain refusal */
        }
      }
      this.channel.destroy();
      return { kind: "refuse" };
    }
  }

  private async tls(token: Buffer): Promise<CredSspStep> {
    const { output, established } = await this.channel.handshake(token);
    if (established) this.stage = "negotiate";
    if (output.length === 0) throw new Refusal(false);
    return { kind: "continue", token: output };
  }

  private async negotiate(req: TSRequest): Promise<CredSspStep> {
    this.negotiated = Math.min(req.version, this.host.version);
    const nego = req.negoTokens?.[0];
    if (!nego) throw new Refusal(true);
    const init = decodeNegotiationToken(nego);
    if (init.kind === "init") {
      this.mechTypes = init.token.mechTypes;
      if (!this.mechTypes.some((m) => sameMechanism(m, Mech.NTLM))) throw new Refusal(true); // this host has no Kerberos
      if (!sameMechanism(this.mechTypes[0], Mech.NTLM) || !init.token.mechToken) {
        // The optimistic token is for a mechanism we do not run: name ours and wait for its token.
        return this.reply({ negoTokens: [encodeNegTokenResp({ negState: "request-mic", supportedMech: Mech.NTLM })] });
      }
      return this.challenge(init.token.mechToken, true);
    }
    // The client's NTLM NEGOTIATE after we picked NTLM over its first choice.
    if (this.mechTypes.length === 0 || !init.token.responseToken) throw new Refusal(true);
    return this.challenge(init.token.responseToken, false);
  }

  private challenge(negotiateMessage: Buffer, nameMech: boolean): Promise<CredSspStep> {
    const id = this.host.identity;
    this.ntlm = new NtlmServer({
      identity: { netbiosDomain: id.netbiosName, netbiosComputer: id.netbiosName, dnsDomain: id.dnsDomain, dnsComputer: id.fqdn },
      lookupPassword: (user, domain) => id.findAccount(user, domain)?.password,
    });
    let challengeMessage: Buffer;
    try {
      challengeMessage = this.ntlm.challenge(negotiateMessage);
    } catch {
      throw new Refusal(true);
    }
    this.stage = "authenticate";
    const resp = encodeNegTokenResp({
      negState: "accept-incomplete",
      supportedMech: nameMech ? Mech.NTLM : undefined,
      responseToken: challengeMessage,
    });
    return this.reply({ negoTokens: [resp] });
  }

  private async authenticate(req: TSRequest): Promise<CredSspStep> {
    const decoded = req.negoTokens?.[0] ? decodeNegotiationToken(req.negoTokens[0]) : undefined;
    if (!decoded || decoded.kind !== "resp" || !decoded.token.responseToken || !this.ntlm) throw new Refusal(true);
    const authenticateMessage = decoded.token.responseToken;
    let result: { user: string; domain: string; session: NtlmSession };
    try {
      result = this.ntlm.authenticate(authenticateMessage);
    } catch {
      throw new Refusal(true); // unknown user or bad password
    }
    const account = this.host.identity.findAccount(result.user, result.domain);
    if (!account) throw new Refusal(true);
    const session = result.session;

    // mechListMIC (MS-SPNG 3.3.5.1): required when NTLM's AUTHENTICATE carries a MIC or
    // NTLM was not the client's first choice; after it, each direction's RC4 restarts.
    const mechList = encodeMechTypeList(this.mechTypes);
    const ntlmMic = authenticateMessage.subarray(AUTH_MIC_OFFSET, AUTH_MIC_OFFSET + 16).some((b) => b !== 0);
    const micRequired = ntlmMic || !sameMechanism(this.mechTypes[0], Mech.NTLM);
    const clientMic = decoded.token.mechListMIC;
    if (!clientMic && micRequired) throw new Refusal(true);
    let serverMic: Buffer | undefined;
    if (clientMic) {
      try {
        session.verify(mechList, clientMic);
      } catch {
        throw new Refusal(true);
      }
      session.resetCipher("inbound");
      serverMic = session.sign(mechList);
      session.resetCipher("outbound");
    }

    // pubKeyAuth: the client must have seen our key, bound to its nonce from version 5.
    if (!req.pubKeyAuth) throw new Refusal(true);
    const nonce = usesBindingHash(this.negotiated) ? req.clientNonce : undefined;
    if (usesBindingHash(this.negotiated)) {
      if (!nonce || nonce.length !== NONCE_LENGTH) throw new Refusal(true);
      if (!this.host.nonces.add(nonce)) throw new Refusal(false); // a replayed TSRequest
    }
    let proof: Buffer;
    try {
      proof = unwrapNtlm(session, req.pubKeyAuth);
    } catch {
      throw new Refusal(false);
    }
    if (!proof.equals(clientPubKeyAuth(this.publicKey, this.negotiated, nonce))) throw new Refusal(false);

    this.session = session;
    this.account = account;
    this.stage = "credentials";
    return this.reply({
      negoTokens: [encodeNegTokenResp({ negState: "accept-completed", mechListMIC: serverMic })],
      pubKeyAuth: wrapNtlm(session, serverPubKeyAuth(this.publicKey, this.negotiated, nonce)),
    });
  }

  private async credentials(req: TSRequest): Promise<CredSspStep> {
    if (!req.authInfo || !this.session || !this.account) throw new Refusal(false);
    let creds: { domainName: string; userName: string; password: string };
    try {
      const ts = decodeTSCredentials(unwrapNtlm(this.session, req.authInfo));
      if (ts.credType !== CredType.PASSWORD) throw new Error("only password credentials are accepted");
      creds = decodeTSPasswordCreds(ts.credentials);
    } catch {
      throw new Refusal(false);
    }
    // Windows logs the delegated credentials on; they must be this user's, and valid.
    const owner = this.host.identity.findAccount(creds.userName, creds.domainName);
    if (!owner || owner !== this.account || owner.password !== creds.password) throw new Refusal(false);
    this.stage = "over";
    return {
      kind: "done",
      account: this.account,
      delegated: new DelegatedCredentials(creds.domainName, creds.userName, creds.password),
      channel: this.channel,
    };
  }

  private async receive(token: Buffer): Promise<TSRequest> {
    let req: TSRequest;
    try {
      req = decodeTSRequest(await this.channel.unwrap(token));
    } catch {
      throw new Refusal(false); // a record that does not decrypt: replayed, reordered or forged
    }
    if (req.version < 2) throw new Refusal(false);
    return req;
  }

  private async reply(fields: Omit<TSRequest, "version">): Promise<CredSspStep> {
    return { kind: "continue", token: await this.send({ version: this.host.version, ...fields }) };
  }

  private send(req: TSRequest): Promise<Buffer> {
    return this.channel.wrap(encodeTSRequest(req));
  }
}

/** GSS_Wrap for NTLM as CredSSP carries it: signature || sealed. */
function wrapNtlm(session: NtlmSession, plain: Buffer): Buffer {
  const { signature, sealed } = session.wrap(plain);
  return Buffer.concat([signature, sealed]);
}

function unwrapNtlm(session: NtlmSession, token: Buffer): Buffer {
  if (token.length < SIGNATURE_LENGTH) throw new Error("wrapped token is shorter than its signature");
  return session.unwrap(Buffer.from(token.subarray(SIGNATURE_LENGTH)), Buffer.from(token.subarray(0, SIGNATURE_LENGTH)));
}
