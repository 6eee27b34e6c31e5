// CredSSP's messages (MS-CSSP 2.2.1), DER-encoded:
//
//   TSRequest ::= SEQUENCE {
//     version [0] INTEGER, negoTokens [1] NegoData OPTIONAL, authInfo [2] OCTET STRING OPTIONAL,
//     pubKeyAuth [3] OCTET STRING OPTIONAL, errorCode [4] INTEGER OPTIONAL, clientNonce [5] OCTET STRING OPTIONAL }
//   NegoData ::= SEQUENCE OF SEQUENCE { negoToken [0] OCTET STRING }
//   TSCredentials ::= SEQUENCE { credType [0] INTEGER, credentials [1] OCTET STRING }
//   TSPasswordCreds ::= SEQUENCE { domainName [0] OCTET STRING, userName [1] OCTET STRING, password [2] OCTET STRING }
//
// errorCode (versions 3, 4 and 6) is an NTSTATUS, a signed 32-bit value on Windows:
// we read either sign and encode it the way Windows' LONG comes out (negative for
// errors). The strings of TSPasswordCreds are UTF-16LE.

import { derInteger, derOctetString, readChildren, readInteger, readTlv, Tag, tlv } from "../ntlm/der";
import type { Tlv } from "../ntlm/der";
import { CredSspError } from "./errors";

/** The versions MS-CSSP defines; 5 and 6 carry the CVE-2018-0886 fix (nonce-bound pubKeyAuth). */
export const CREDSSP_VERSIONS = [2, 3, 4, 5, 6] as const;
export const CREDSSP_LATEST_VERSION = 6;

export interface TSRequest {
  version: number;
  negoTokens?: Buffer[];
  authInfo?: Buffer;
  pubKeyAuth?: Buffer;
  /** NTSTATUS as an unsigned 32-bit number (e.g. 0xC000006D). */
  errorCode?: number;
  clientNonce?: Buffer;
}

/** credType values (MS-CSSP 2.2.1.2). */
export const CredType = { PASSWORD: 1, SMART_CARD: 2, REMOTE_GUARD: 6 } as const;

export interface TSCredentials {
  credType: number;
  /** The DER of the structure credType names (TSPasswordCreds for PASSWORD). */
  credentials: Buffer;
}

export interface TSPasswordCreds {
  domainName: string;
  userName: string;
  password: string;
}

function bad(what: string, why: string, cause?: unknown): CredSspError {
  return new CredSspError(`malformed ${what}: ${why}`, { cause });
}

function octets(n: number, value: Buffer | undefined): Buffer[] {
  return value === undefined ? [] : [tlv(Tag.context(n), derOctetString(value))];
}

/** A whole buffer that must be exactly one SEQUENCE. */
function sequence(what: string, der: Buffer): Tlv {
  const seq = readTlv(der, 0);
  if (seq.tag !== Tag.SEQUENCE || seq.end !== der.length) throw bad(what, "not a single DER SEQUENCE");
  return seq;
}

/** Reads the `[n] EXPLICIT <type>` fields of a SEQUENCE into a map; rejects duplicates and strays. */
function taggedFields(what: string, seq: Tlv): Map<number, Tlv> {
  if (seq.tag !== Tag.SEQUENCE) throw bad(what, "expected a SEQUENCE");
  const out = new Map<number, Tlv>();
  for (const child of readChildren(seq.value)) {
    if ((child.tag & 0xe0) !== 0xa0) throw bad(what, `unexpected element 0x${child.tag.toString(16)}`);
    const n = child.tag & 0x1f;
    if (out.has(n)) throw bad(what, `field [${n}] appears twice`);
    const content = readTlv(child.value, 0);
    if (content.end !== child.value.length) throw bad(what, `field [${n}] holds more than one element`);
    out.set(n, content);
  }
  return out;
}

function field(what: string, fields: Map<number, Tlv>, n: number, tag: number, name: string): Buffer | undefined {
  const f = fields.get(n);
  if (!f) return undefined;
  if (f.tag !== tag) throw bad(what, `${name} has the wrong type`);
  return Buffer.from(f.value);
}

function required(what: string, value: Buffer | undefined, name: string): Buffer {
  if (value === undefined) throw bad(what, `${name} is missing`);
  return value;
}

/** Runs a decoder, turning DER-level failures into CredSspError. */
function decoding<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CredSspError) throw err;
    throw bad(what, (err as Error).message, err);
  }
}

export function encodeTSRequest(r: TSRequest): Buffer {
  const parts = [tlv(Tag.context(0), derInteger(r.version))];
  if (r.negoTokens !== undefined) {
    const items = r.negoTokens.map((t) => tlv(Tag.SEQUENCE, tlv(Tag.context(0), derOctetString(t))));
    parts.push(tlv(Tag.context(1), tlv(Tag.SEQUENCE, ...items)));
  }
  parts.push(...octets(2, r.authInfo), ...octets(3, r.pubKeyAuth));
  if (r.errorCode !== undefined) parts.push(tlv(Tag.context(4), derInteger(r.errorCode | 0)));
  parts.push(...octets(5, r.clientNonce));
  return tlv(Tag.SEQUENCE, ...parts);
}

export function decodeTSRequest(der: Buffer): TSRequest {
  const what = "CredSSP TSRequest";
  return decoding(what, () => {
    const f = taggedFields(what, sequence(what, der));
    const version = readInteger(required(what, field(what, f, 0, Tag.INTEGER, "version"), "version"));
    if (version < 1) throw bad(what, `version ${version} is not a CredSSP version`);
    const out: TSRequest = { version };
    const nego = f.get(1);
    if (nego) {
      if (nego.tag !== Tag.SEQUENCE) throw bad(what, "negoTokens is not a SEQUENCE OF NegoData");
      out.negoTokens = readChildren(nego.value).map((item) => {
        if (item.tag !== Tag.SEQUENCE) throw bad(what, "a NegoData entry is not a SEQUENCE");
        const e = taggedFields(what, item);
        return required(what, field(what, e, 0, Tag.OCTET_STRING, "negoToken"), "negoToken");
      });
    }
    out.authInfo = field(what, f, 2, Tag.OCTET_STRING, "authInfo");
    out.pubKeyAuth = field(what, f, 3, Tag.OCTET_STRING, "pubKeyAuth");
    const code = field(what, f, 4, Tag.INTEGER, "errorCode");
    if (code !== undefined) out.errorCode = readInteger(code) >>> 0;
    out.clientNonce = field(what, f, 5, Tag.OCTET_STRING, "clientNonce");
    for (const key of Object.keys(out) as Array<keyof TSRequest>) if (out[key] === undefined) delete out[key];
    return out;
  });
}

export function encodeTSCredentials(c: TSCredentials): Buffer {
  return tlv(Tag.SEQUENCE, tlv(Tag.context(0), derInteger(c.credType)), tlv(Tag.context(1), derOctetString(c.credentials)));
}

export function decodeTSCredentials(der: Buffer): TSCredentials {
  const what = "CredSSP TSCredentials";
  return decoding(what, () => {
    const f = taggedFields(what, sequence(what, der));
    const credType = readInteger(required(what, field(what, f, 0, Tag.INTEGER, "credType"), "credType"));
    const credentials = required(what, field(what, f, 1, Tag.OCTET_STRING, "credentials"), "credentials");
    return { credType, credentials };
  });
}

export function encodeTSPasswordCreds(p: TSPasswordCreds): Buffer {
  const s = (v: string) => derOctetString(Buffer.from(v, "utf16le"));
  return tlv(Tag.SEQUENCE, tlv(Tag.context(0), s(p.domainName)), tlv(Tag.context(1), s(p.userName)), tlv(Tag.context(2), s(p.password)));
}

export function decodeTSPasswordCreds(der: Buffer): TSPasswordCreds {
  const what = "CredSSP TSPasswordCreds";
  return decoding(what, () => {
    const f = taggedFields(what, sequence(what, der));
    const text = (n: number, name: string) => {
      const raw = required(what, field(what, f, n, Tag.OCTET_STRING, name), name);
      if (raw.length % 2 !== 0) throw bad(what, `${name} is not UTF-16LE`);
      return raw.toString("utf16le");
    };
    return { domainName: text(0, "domainName"), userName: text(1, "userName"), password: text(2, "password") };
  });
}

/** The TSCredentials a client delegates for a password logon. */
export function passwordCredentials(p: TSPasswordCreds): Buffer {
  return encodeTSCredentials({ credType: CredType.PASSWORD, credentials: encodeTSPasswordCreds(p) });
}
