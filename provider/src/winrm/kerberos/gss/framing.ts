// The GSS-API token framing of the Kerberos mechanism (RFC 2743 3.1, RFC 1964 1.1,
// RFC 4121 4.1): [APPLICATION 0] { mech OID, TOK_ID (2 bytes), inner token }. Context
// tokens (AP-REQ, AP-REP, KRB-ERROR) and the RFC 1964/4757 per-message tokens carry it;
// RFC 4121's own per-message tokens do not.

import { oidBytes, readTlv, Tag, tlv } from "../../ntlm/der";
import { KRB5_MECH_OID, MS_KRB5_MECH_OID } from "../constants";
import { KerberosProtocolError } from "../errors";

const KRB5_OID_BYTES = oidBytes(KRB5_MECH_OID);
const MS_KRB5_OID_BYTES = oidBytes(MS_KRB5_MECH_OID);

/** TOK_ID values (RFC 4121 4.1, RFC 1964 1.2). */
export const TokId = {
  AP_REQ: 0x0100,
  AP_REP: 0x0200,
  KRB_ERROR: 0x0300,
  /** RFC 1964/4757 MIC and wrap tokens. */
  MIC_V1: 0x0101,
  WRAP_V1: 0x0201,
  /** RFC 4121 MIC and wrap tokens (no framing). */
  MIC_CFX: 0x0404,
  WRAP_CFX: 0x0504,
} as const;

/** Frame `body` (which starts with the TOK_ID) as a krb5 mechanism token. */
export function frameToken(body: Buffer): Buffer {
  return tlv(Tag.APPLICATION_0, tlv(Tag.OID, KRB5_OID_BYTES), body);
}

/** Frame `inner` with its TOK_ID. */
export function frameWithTokId(tokId: number, inner: Buffer): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(tokId);
  return frameToken(Buffer.concat([id, inner]));
}

export interface UnframedToken {
  tokId: number;
  /** Bytes after the TOK_ID. */
  inner: Buffer;
}

/** Undo frameToken; accepts MIT's and Microsoft's krb5 OIDs. */
export function unframeToken(token: Buffer): UnframedToken {
  try {
    const outer = readTlv(token, 0);
    if (outer.tag !== Tag.APPLICATION_0) throw new Error(`leading tag 0x${token[0]?.toString(16)}`);
    const oid = readTlv(outer.value, 0);
    if (oid.tag !== Tag.OID) throw new Error("no mechanism OID");
    if (!oid.value.equals(KRB5_OID_BYTES) && !oid.value.equals(MS_KRB5_OID_BYTES)) throw new Error("not the Kerberos V5 mechanism");
    const rest = outer.value.subarray(oid.end);
    if (rest.length < 2) throw new Error("no TOK_ID");
    return { tokId: rest.readUInt16BE(0), inner: rest.subarray(2) };
  } catch (err) {
    throw new KerberosProtocolError(`malformed GSS-API Kerberos token: ${(err as Error).message}`, { cause: err });
  }
}

/** True when `token` starts like a framed krb5 token (used to tell it from SPNEGO or NTLM). */
export function isKerberosToken(token: Buffer): boolean {
  try {
    unframeToken(token);
    return true;
  } catch {
    return false;
  }
}
