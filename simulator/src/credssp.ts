// The CredSSP server of a simulated Windows host (MS-CSSP 3.1.5, over WinRM's HTTP).
// One acceptor per connection, one step per "Authorization: CredSSP" request:
//   tls          TLS 1.2 handshake with the host's own CredSSP key pair (Schannel-like
//                suites; Windows' CredSSP certificate is self-signed)
//   spnego       TSRequests with SPNEGO (spnego-acceptor.ts): Kerberos when the host has
//                a keytab (AP-REQ -> accept-completed + AP-REP), else NTLM
//                (NEGOTIATE -> CHALLENGE; AUTHENTICATE + mechListMIC + pubKeyAuth
//                -> accept-completed + mechListMIC, and our pubKeyAuth)
//   pubkey       Kerberos only: the client's pubKeyAuth (+ nonce) after the AP-REP
//                -> our pubKeyAuth
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
// the pubKeyAuth formulas, the SPNEGO codec, NTLM (all refereed by pyspnego) and the
// Kerberos acceptor (refereed by MIT).

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
import { subjectPublicKey } from "../../provider/src/winrm/ntlm/der";
import type { Account, HostIdentity } from "./identity";
import type { HostKerberos } from "./kerberos";
import { SpnegoAcceptor } from "./spnego-acceptor";
import type { AcceptedSecurity } from "./spnego-acceptor";
import { DelegatedCredentials } from "./session";
import { certDer } from "./tls";
import type { TlsMaterial } from "./state";

/** STATUS_LOGON_FAILURE, what Windows puts in errorCode for a failed logon. */
const STATUS_LOGON_FAILURE = 0xc000006d;

export type CredSspStep =
  /** 401 with "WWW-Authenticate: CredSSP <token>". */
  | { kind: "continue"; token: Buffer }
  /** 401: with an errorCode TSRequest as the CredSSP token, or (no token) the plain scheme list. */
  | { kind: "refuse"; token?: Buffer }
  /** The credentials were delegated: HTTP 200, and the channel encrypts messages from now on. */
  | {
      kind: "done";
      account: Account;
      /** The mechanism inside CredSSP's SPNEGO, and the Kerberos client principal. */
      mechanism: "kerberos" | "ntlm";
      principal?: string;
      delegated: DelegatedCredentials;
      channel: MemoryTlsChannel;
    };

type Stage = "tls" | "spnego" | "pubkey" | "credentials" | "over";

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
  /** The host's Kerberos keys, when it has them: CredSSP's SPNEGO then accepts Kerberos too. */
  kerberos?: HostKerberos;
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
  private readonly spnego: SpnegoAcceptor;
  private security?: AcceptedSecurity;

  constructor(private readonly host: CredSspHost) {
    const material = host.material();
    this.channel = MemoryTlsChannel.server({ certPem: material.certPem, keyPem: material.keyPem });
    this.publicKey = subjectPublicKey(certDer(material.certPem));
    // Inside CredSSP's own TLS channel: no HTTPS channel bindings for NTLM or Kerberos.
    this.spnego = new SpnegoAcceptor({ identity: host.identity, kerberos: host.kerberos, https: false });
  }

  /** The mechanism CredSSP's SPNEGO settled on, once it did. */
  get mechanism(): "kerberos" | "ntlm" | undefined {
    return this.security?.mechanism;
  }

  async step(token: Buffer): Promise<CredSspStep> {
    try {
      switch (this.stage) {
        case "tls":
          return await this.tls(token);
        case "spnego":
          return await this.negotiate(await this.receive(token));
        case "pubkey":
          return await this.pubKey(await this.receive(token));
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
    if (established) this.stage = "spnego";
    if (output.length === 0) throw new Refusal(false);
    return { kind: "continue", token: output };
  }

  /** SPNEGO in negoTokens (Kerberos or NTLM, spnego-acceptor.ts); pubKeyAuth may ride along with its last token. */
  private async negotiate(req: TSRequest): Promise<CredSspStep> {
    if (this.negotiated === 0) this.negotiated = Math.min(req.version, this.host.version);
    const nego = req.negoTokens?.[0];
    if (!nego) throw new Refusal(true);
    const step = this.spnego.step(nego);
    switch (step.kind) {
      case "refused":
        throw new Refusal(true); // unknown user, bad password, a ticket the keytab refuses
      case "continue":
        return this.reply({ negoTokens: [step.token] });
      case "accepted":
        this.security = step.security;
        if (!req.pubKeyAuth) {
          // Kerberos: the client's proof follows in its next TSRequest.
          this.stage = "pubkey";
          return this.reply({ negoTokens: [step.token] });
        }
        return this.reply({ negoTokens: [step.token], pubKeyAuth: this.checkPubKey(req) });
    }
  }

  private async pubKey(req: TSRequest): Promise<CredSspStep> {
    return this.reply({ pubKeyAuth: this.checkPubKey(req) });
  }

  /** The client must have seen our key (bound to its nonce from version 5); returns our own proof. */
  private checkPubKey(req: TSRequest): Buffer {
    const security = this.security!;
    if (!req.pubKeyAuth) throw new Refusal(true);
    const nonce = usesBindingHash(this.negotiated) ? req.clientNonce : undefined;
    if (usesBindingHash(this.negotiated)) {
      if (!nonce || nonce.length !== NONCE_LENGTH) throw new Refusal(true);
      if (!this.host.nonces.add(nonce)) throw new Refusal(false); // a replayed TSRequest
    }
    let proof: Buffer;
    try {
      proof = security.unwrap(req.pubKeyAuth);
    } catch {
      throw new Refusal(false);
    }
    if (!proof.equals(clientPubKeyAuth(this.publicKey, this.negotiated, nonce))) throw new Refusal(false);
    this.stage = "credentials";
    return security.wrap(serverPubKeyAuth(this.publicKey, this.negotiated, nonce));
  }

  private async credentials(req: TSRequest): Promise<CredSspStep> {
    const security = this.security;
    if (!req.authInfo || !security) throw new Refusal(false);
    let creds: { domainName: string; userName: string; password: string };
    try {
      const ts = decodeTSCredentials(security.unwrap(req.authInfo));
      if (ts.credType !== CredType.PASSWORD) throw new Error("only password credentials are accepted");
      creds = decodeTSPasswordCreds(ts.credentials);
    } catch {
      throw new Refusal(false);
    }
    // Windows logs the delegated credentials on; they must be this user's, and valid.
    const owner = this.host.identity.findAccount(creds.userName, creds.domainName);
    if (!owner || owner !== security.account || owner.password !== creds.password) throw new Refusal(false);
    this.stage = "over";
    return {
      kind: "done",
      account: security.account,
      mechanism: security.mechanism,
      principal: security.principal,
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
