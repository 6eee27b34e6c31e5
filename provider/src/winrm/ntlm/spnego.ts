// SPNEGO (RFC 4178) framing around NTLM tokens, for "Authorization: Negotiate". Windows
// clients wrap NTLM in SPNEGO; pywinrm/requests_ntlm send raw NTLMSSP under the Negotiate
// scheme too. A server therefore accepts both and answers in the form it was addressed.
// The tokens themselves are the mechanism-neutral codec's (gss/spnego.ts); this module
// only adds NTLM's view: raw NTLMSSP passes through, and errors are NTLM's.

import { Mech, sameMechanism } from "../gss/context";
import { SpnegoError } from "../gss/errors";
import { decodeNegotiationToken, encodeNegTokenInit, encodeNegTokenResp } from "../gss/spnego";
import { NTLMSSP_SIGNATURE } from "./constants";
import { readTlv } from "./der";
import { NtlmMessageError } from "./errors";

function isNtlmssp(token: Buffer): boolean {
  return token.length >= 8 && token.subarray(0, 8).equals(NTLMSSP_SIGNATURE);
}

/** Extract the NTLM message from a raw NTLMSSP token or a SPNEGO NegTokenInit/NegTokenResp. */
export function unwrapSpnego(token: Buffer): { ntlm: Buffer; wasSpnego: boolean } {
  if (isNtlmssp(token)) return { ntlm: token, wasSpnego: false };
  let ntlm: Buffer | undefined;
  try {
    // Bytes after the outer element are ignored, as Windows' HTTP stack does.
    const decoded = decodeNegotiationToken(token.subarray(0, readTlv(token, 0).end));
    if (decoded.kind === "init") {
      if (!decoded.token.mechTypes.some((m) => sameMechanism(m, Mech.NTLM))) {
        throw new NtlmMessageError("SPNEGO offers no NTLM mechanism");
      }
      ntlm = decoded.token.mechToken;
      if (!ntlm) throw new NtlmMessageError("malformed SPNEGO token: no mechToken");
    } else {
      ntlm = decoded.token.responseToken;
      if (!ntlm) throw new NtlmMessageError("malformed SPNEGO token: no responseToken");
    }
  } catch (err) {
    if (err instanceof NtlmMessageError) throw err;
    const why = err instanceof SpnegoError ? err.message : `malformed SPNEGO token: ${(err as Error).message}`;
    throw new NtlmMessageError(why, { cause: err });
  }
  if (!isNtlmssp(ntlm)) throw new NtlmMessageError("SPNEGO token does not carry an NTLM message");
  return { ntlm, wasSpnego: true };
}

/** NegTokenResp carrying an NTLM message (omitted when empty). */
export function wrapSpnegoResponse(ntlm: Buffer, state: "accept-incomplete" | "accept-completed"): Buffer {
  return encodeNegTokenResp({
    negState: state,
    // supportedMech belongs in the first reply only (RFC 4178 4.2.2).
    supportedMech: state === "accept-incomplete" ? Mech.NTLM : undefined,
    responseToken: ntlm.length > 0 ? ntlm : undefined,
  });
}

/** A client's first SPNEGO token (NegTokenInit offering NTLM) around a NEGOTIATE_MESSAGE. */
export function wrapSpnegoInit(ntlm: Buffer): Buffer {
  return encodeNegTokenInit({ mechTypes: [Mech.NTLM], mechToken: ntlm });
}

/** A client's follow-up SPNEGO token (NegTokenResp) around an AUTHENTICATE_MESSAGE. */
export function wrapSpnegoAuth(ntlm: Buffer): Buffer {
  return encodeNegTokenResp({ responseToken: ntlm });
}
