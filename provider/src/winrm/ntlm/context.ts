// NTLM behind the mechanism-neutral ClientSecurityContext (gss/context.ts), so SPNEGO
// and CredSSP can drive it: two steps (NEGOTIATE, then AUTHENTICATE from the
// CHALLENGE), GSS_Wrap as signature || sealed message (the layout SSPI and pyspnego
// produce), MICs with the session's signing keys, and MS-SPNG's RC4 reset after the
// mechListMIC.

import { Mech } from "../gss/context";
import type { ClientSecurityContext, WinrmSealed } from "../gss/context";
import { NtlmClient } from "./client";
import type { NtlmAuthenticateOptions, NtlmClientOptions } from "./client";
import { NtlmIntegrityError, NtlmMessageError } from "./errors";
import { AUTH_MIC_OFFSET } from "./messages";
import { SIGNATURE_LENGTH } from "./session";
import type { NtlmSession } from "./session";

export class NtlmClientContext implements ClientSecurityContext {
  readonly mechanism = Mech.NTLM;
  private readonly client: NtlmClient;
  private stage: "new" | "negotiated" | "done" = "new";
  private session?: NtlmSession;
  private micInMessage = false;

  constructor(
    options: NtlmClientOptions,
    private readonly authenticateOptions: NtlmAuthenticateOptions = {},
  ) {
    this.client = new NtlmClient(options);
  }

  get complete(): boolean {
    return this.stage === "done";
  }

  /** Windows wants SPNEGO's mechListMIC exactly when AUTHENTICATE carried a MIC. */
  get requiresMechListMic(): boolean {
    return this.micInMessage;
  }

  async step(input?: Buffer): Promise<Buffer | undefined> {
    if (this.stage === "new") {
      if (input !== undefined) throw new NtlmMessageError("NTLM initiator received a token before its NEGOTIATE");
      this.stage = "negotiated";
      return this.client.negotiate();
    }
    if (this.stage === "done") throw new NtlmMessageError("NTLM exchange already completed");
    if (input === undefined) throw new NtlmMessageError("NTLM initiator expected a CHALLENGE message");
    const { message, session } = this.client.authenticate(input, this.authenticateOptions);
    this.session = session;
    this.micInMessage = message.subarray(AUTH_MIC_OFFSET, AUTH_MIC_OFFSET + 16).some((b) => b !== 0);
    this.stage = "done";
    return message;
  }

  wrap(plain: Buffer): Buffer {
    const { signature, sealed } = this.keys().wrap(plain);
    return Buffer.concat([signature, sealed]);
  }

  wrapWinrm(plain: Buffer): WinrmSealed {
    const { signature, sealed } = this.keys().wrap(plain);
    return { header: signature, data: sealed, paddingLength: 0 };
  }

  unwrapWinrm(header: Buffer, data: Buffer): Buffer {
    return this.keys().unwrap(Buffer.from(data), Buffer.from(header));
  }

  unwrap(token: Buffer): Buffer {
    if (token.length < SIGNATURE_LENGTH) throw new NtlmIntegrityError("wrapped NTLM token is shorter than its signature");
    return this.keys().unwrap(Buffer.from(token.subarray(SIGNATURE_LENGTH)), Buffer.from(token.subarray(0, SIGNATURE_LENGTH)));
  }

  getMIC(message: Buffer): Buffer {
    return this.keys().sign(message);
  }

  verifyMIC(message: Buffer, mic: Buffer): void {
    this.keys().verify(message, mic);
  }

  afterMechListMic(direction: "outbound" | "inbound"): void {
    this.keys().resetCipher(direction);
  }

  private keys(): NtlmSession {
    if (!this.session) throw new NtlmMessageError("NTLM context is not established yet");
    return this.session;
  }
}
