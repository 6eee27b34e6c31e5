// SPNEGO (RFC 4178) framing around NTLM tokens, for "Authorization: Negotiate". Windows
// clients wrap NTLM in SPNEGO; pywinrm/requests_ntlm send raw NTLMSSP under the Negotiate
// scheme too. A server therefore accepts both and answers in the form it was addressed.

import { NTLMSSP_SIGNATURE } from "./constants";
import { oidBytes, readChildren, readTlv, Tag, tlv, Tlv } from "./der";
import { NtlmMessageError } from "./errors";

export const SPNEGO_OID = oidBytes("1.3.6.1.5.5.2");
export const NTLMSSP_OID = oidBytes("1.3.6.1.4.1.311.2.2.10");

const NEG_STATE = { "accept-completed": 0, "accept-incomplete": 1 } as const;

function bad(why: string): NtlmMessageError {
  return new NtlmMessageError(`malformed SPNEGO token: ${why}`);
}

function isNtlmssp(token: Buffer): boolean {
  return token.length >= 8 && token.subarray(0, 8).equals(NTLMSSP_SIGNATURE);
}

/** Child with context tag [n] of a SEQUENCE, if present. */
function field(seq: Tlv, n: number): Tlv | undefined {
  if (seq.tag !== Tag.SEQUENCE) throw bad("expected a SEQUENCE");
  return readChildren(seq.value).find((c) => c.tag === Tag.context(n));
}

function octetString(wrapper: Tlv | undefined, what: string): Buffer {
  if (!wrapper) throw bad(`no ${what}`);
  const inner = readTlv(wrapper.value, 0);
  if (inner.tag !== Tag.OCTET_STRING) throw bad(`${what} is not an OCTET STRING`);
  return Buffer.from(inner.value);
}

function fromNegTokenInit(wrapped: Tlv): Buffer {
  const seq = readTlv(wrapped.value, 0);
  const mechTypes = field(seq, 0);
  if (mechTypes) {
    const mechs = readChildren(readTlv(mechTypes.value, 0).value).map((m) => m.value);
    if (!mechs.some((m) => m.equals(NTLMSSP_OID))) throw new NtlmMessageError("SPNEGO offers no NTLM mechanism");
  }
  return octetString(field(seq, 2), "mechToken");
}

/** Extract the NTLM message from a raw NTLMSSP token or a SPNEGO NegTokenInit/NegTokenResp. */
export function unwrapSpnego(token: Buffer): { ntlm: Buffer; wasSpnego: boolean } {
  if (isNtlmssp(token)) return { ntlm: token, wasSpnego: false };
  let ntlm: Buffer;
  const outer = readTlv(token, 0);
  if (outer.tag === Tag.APPLICATION_0) {
    // GSS-API InitialContextToken: thisMech OID then the NegotiationToken.
    const [mech, inner] = readChildren(outer.value);
    if (!mech || mech.tag !== Tag.OID || !mech.value.equals(SPNEGO_OID)) throw bad("initial token is not for SPNEGO");
    if (!inner || inner.tag !== Tag.context(0)) throw bad("initial token lacks NegTokenInit");
    ntlm = fromNegTokenInit(inner);
  } else if (outer.tag === Tag.context(0)) {
    ntlm = fromNegTokenInit(outer);
  } else if (outer.tag === Tag.context(1)) {
    ntlm = octetString(field(readTlv(outer.value, 0), 2), "responseToken");
  } else {
    throw bad(`unexpected leading tag 0x${outer.tag.toString(16)}`);
  }
  if (!isNtlmssp(ntlm)) throw new NtlmMessageError("SPNEGO token does not carry an NTLM message");
  return { ntlm, wasSpnego: true };
}

/** NegTokenResp carrying an NTLM message (omitted when empty). */
export function wrapSpnegoResponse(ntlm: Buffer, state: "accept-incomplete" | "accept-completed"): Buffer {
  const parts = [tlv(Tag.context(0), tlv(Tag.ENUMERATED, Buffer.from([NEG_STATE[state]])))];
  // supportedMech belongs in the first reply only (RFC 4178 4.2.2).
  if (state === "accept-incomplete") parts.push(tlv(Tag.context(1), tlv(Tag.OID, NTLMSSP_OID)));
  if (ntlm.length > 0) parts.push(tlv(Tag.context(2), tlv(Tag.OCTET_STRING, ntlm)));
  return tlv(Tag.context(1), tlv(Tag.SEQUENCE, ...parts));
}

/** A client's first SPNEGO token (NegTokenInit offering NTLM) around a NEGOTIATE_MESSAGE. */
export function wrapSpnegoInit(ntlm: Buffer): Buffer {
  const mechTypes = tlv(Tag.context(0), tlv(Tag.SEQUENCE, tlv(Tag.OID, NTLMSSP_OID)));
  const mechToken = tlv(Tag.context(2), tlv(Tag.OCTET_STRING, ntlm));
  const negTokenInit = tlv(Tag.context(0), tlv(Tag.SEQUENCE, mechTypes, mechToken));
  return tlv(Tag.APPLICATION_0, tlv(Tag.OID, SPNEGO_OID), negTokenInit);
}

/** A client's follow-up SPNEGO token (NegTokenResp) around an AUTHENTICATE_MESSAGE. */
export function wrapSpnegoAuth(ntlm: Buffer): Buffer {
  return tlv(Tag.context(1), tlv(Tag.SEQUENCE, tlv(Tag.context(2), tlv(Tag.OCTET_STRING, ntlm))));
}
