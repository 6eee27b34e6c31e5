// SPNEGO tokens (RFC 4178 4.2, MS-SPNG 2.2), for any mechanism: NegTokenInit and
// NegTokenResp with their mechListMIC. Only the encoding lives here; spnego-client.ts
// runs the initiator's side of the negotiation.
//
//   NegotiationToken ::= CHOICE { negTokenInit [0] NegTokenInit, negTokenResp [1] NegTokenResp }
//   NegTokenInit ::= SEQUENCE { mechTypes [0] MechTypeList, reqFlags [1] ContextFlags OPTIONAL,
//                               mechToken [2] OCTET STRING OPTIONAL, mechListMIC [3] OCTET STRING OPTIONAL }
//   NegTokenResp ::= SEQUENCE { negState [0] ENUMERATED OPTIONAL, supportedMech [1] MechType OPTIONAL,
//                               responseToken [2] OCTET STRING OPTIONAL, mechListMIC [3] OCTET STRING OPTIONAL }
// The initiator's first token goes inside the GSS-API InitialContextToken framing
// ([APPLICATION 0] { thisMech OID, innerToken }, RFC 2743 3.1).

import { oidBytes, oidFromBytes, readChildren, readTlv, Tag, tlv } from "../ntlm/der";
import type { Tlv } from "../ntlm/der";
import { Mech } from "./context";
import { SpnegoError } from "./errors";

export type NegState = "accept-completed" | "accept-incomplete" | "reject" | "request-mic";
const NEG_STATES: NegState[] = ["accept-completed", "accept-incomplete", "reject", "request-mic"];

export interface NegTokenInit {
  /** Dotted OIDs in the initiator's order of preference. */
  mechTypes: string[];
  mechToken?: Buffer;
  mechListMIC?: Buffer;
}

export interface NegTokenResp {
  negState?: NegState;
  supportedMech?: string;
  responseToken?: Buffer;
  mechListMIC?: Buffer;
}

export type NegotiationToken = { kind: "init"; token: NegTokenInit } | { kind: "resp"; token: NegTokenResp };

function bad(why: string, cause?: unknown): SpnegoError {
  return new SpnegoError(`malformed SPNEGO token: ${why}`, { cause });
}

/** The DER MechTypeList (SEQUENCE OF OID): the bytes a mechListMIC covers. */
export function encodeMechTypeList(mechTypes: string[]): Buffer {
  return tlv(Tag.SEQUENCE, ...mechTypes.map((m) => tlv(Tag.OID, oidBytes(m))));
}

function octets(n: number, value: Buffer | undefined): Buffer[] {
  return value === undefined ? [] : [tlv(Tag.context(n), tlv(Tag.OCTET_STRING, value))];
}

/** An initiator's NegTokenInit, inside the InitialContextToken framing unless `bare`. */
export function encodeNegTokenInit(t: NegTokenInit, opts: { bare?: boolean } = {}): Buffer {
  const seq = tlv(
    Tag.SEQUENCE,
    tlv(Tag.context(0), encodeMechTypeList(t.mechTypes)),
    ...octets(2, t.mechToken),
    ...octets(3, t.mechListMIC),
  );
  const choice = tlv(Tag.context(0), seq);
  return opts.bare ? choice : tlv(Tag.APPLICATION_0, tlv(Tag.OID, oidBytes(Mech.SPNEGO)), choice);
}

export function encodeNegTokenResp(t: NegTokenResp): Buffer {
  const parts: Buffer[] = [];
  if (t.negState !== undefined) parts.push(tlv(Tag.context(0), tlv(Tag.ENUMERATED, Buffer.from([NEG_STATES.indexOf(t.negState)]))));
  if (t.supportedMech !== undefined) parts.push(tlv(Tag.context(1), tlv(Tag.OID, oidBytes(t.supportedMech))));
  parts.push(...octets(2, t.responseToken), ...octets(3, t.mechListMIC));
  return tlv(Tag.context(1), tlv(Tag.SEQUENCE, ...parts));
}

/** Context-tagged fields of a SEQUENCE by tag number; unknown tags are kept and ignored. */
function fields(seq: Tlv): Map<number, Tlv> {
  if (seq.tag !== Tag.SEQUENCE) throw bad("expected a SEQUENCE");
  const out = new Map<number, Tlv>();
  for (const c of readChildren(seq.value)) {
    if ((c.tag & 0xe0) !== 0xa0) throw bad(`unexpected element 0x${c.tag.toString(16)} in a SPNEGO SEQUENCE`);
    const n = c.tag & 0x1f;
    if (out.has(n)) throw bad(`field [${n}] appears twice`);
    out.set(n, c);
  }
  return out;
}

function inner(wrapper: Tlv | undefined, tag: number, what: string): Buffer | undefined {
  if (!wrapper) return undefined;
  const t = readTlv(wrapper.value, 0);
  if (t.tag !== tag || t.end !== wrapper.value.length) throw bad(`${what} has the wrong type`);
  return Buffer.from(t.value);
}

function decodeInit(choice: Tlv): NegTokenInit {
  const f = fields(readTlv(choice.value, 0));
  const list = f.get(0);
  if (!list) throw bad("NegTokenInit without mechTypes");
  const seq = readTlv(list.value, 0);
  if (seq.tag !== Tag.SEQUENCE) throw bad("mechTypes is not a SEQUENCE OF OID");
  const mechTypes = readChildren(seq.value).map((m) => {
    if (m.tag !== Tag.OID) throw bad("mechTypes holds something other than OIDs");
    return oidFromBytes(m.value);
  });
  // A server's NegTokenInit2 (MS-SPNG 2.2.1) has negHints (a SEQUENCE) at [3] and the MIC at [4].
  const three = f.get(3);
  const micField = f.get(4) ?? (three && readTlv(three.value, 0).tag === Tag.OCTET_STRING ? three : undefined);
  return {
    mechTypes,
    mechToken: inner(f.get(2), Tag.OCTET_STRING, "mechToken"),
    mechListMIC: inner(micField, Tag.OCTET_STRING, "mechListMIC"),
  };
}

function decodeResp(choice: Tlv): NegTokenResp {
  const f = fields(readTlv(choice.value, 0));
  const state = inner(f.get(0), Tag.ENUMERATED, "negState");
  if (state !== undefined && (state.length !== 1 || state[0] >= NEG_STATES.length)) throw bad("unknown negState");
  const mech = inner(f.get(1), Tag.OID, "supportedMech");
  return {
    negState: state === undefined ? undefined : NEG_STATES[state[0]],
    supportedMech: mech === undefined ? undefined : oidFromBytes(mech),
    responseToken: inner(f.get(2), Tag.OCTET_STRING, "responseToken"),
    mechListMIC: inner(f.get(3), Tag.OCTET_STRING, "mechListMIC"),
  };
}

/** Decodes either token, with or without the InitialContextToken framing. */
export function decodeNegotiationToken(token: Buffer): NegotiationToken {
  try {
    const outer = readTlv(token, 0);
    if (outer.end !== token.length) throw bad("trailing bytes after the token");
    if (outer.tag === Tag.APPLICATION_0) {
      const [mech, choice] = readChildren(outer.value);
      if (!mech || mech.tag !== Tag.OID || oidFromBytes(mech.value) !== Mech.SPNEGO) throw bad("initial token is not for SPNEGO");
      if (!choice || choice.tag !== Tag.context(0)) throw bad("initial token lacks a NegTokenInit");
      return { kind: "init", token: decodeInit(choice) };
    }
    if (outer.tag === Tag.context(0)) return { kind: "init", token: decodeInit(outer) };
    if (outer.tag === Tag.context(1)) return { kind: "resp", token: decodeResp(outer) };
    throw bad(`unexpected leading tag 0x${outer.tag.toString(16)}`);
  } catch (err) {
    if (err instanceof SpnegoError) throw err;
    throw bad((err as Error).message, err);
  }
}
