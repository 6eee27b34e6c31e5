// The GSS-API checksum in the Kerberos authenticator (RFC 4121 4.1.1, type 0x8003): it
// carries the MD5 of the channel bindings (RFC 2744 3.11; over HTTPS, the
// "tls-server-end-point" binding of RFC 5929, computed by ../../ntlm/channel-bindings)
// and the context flags the initiator asks for. Delegation (a KRB-CRED after the flags)
// is not offered.

import { CksumType } from "../constants";
import { KerberosProtocolError } from "../errors";
import type { Checksum } from "../messages";

const BND_LENGTH = 16;

export function gssChecksum(flags: number, channelBindings?: Buffer): Checksum {
  if (channelBindings && channelBindings.length !== BND_LENGTH) throw new RangeError("channel bindings hash must be 16 bytes (MD5)");
  const b = Buffer.alloc(24);
  b.writeUInt32LE(BND_LENGTH, 0);
  (channelBindings ?? Buffer.alloc(BND_LENGTH)).copy(b, 4);
  b.writeUInt32LE(flags >>> 0, 20);
  return { cksumtype: CksumType.GSSAPI, checksum: b };
}

export interface GssChecksumFields {
  channelBindings: Buffer;
  flags: number;
}

export function parseGssChecksum(c: Checksum): GssChecksumFields {
  if (c.cksumtype !== CksumType.GSSAPI) throw new KerberosProtocolError(`authenticator checksum type ${c.cksumtype} is not the GSS-API type 0x8003`);
  if (c.checksum.length < 24 || c.checksum.readUInt32LE(0) !== BND_LENGTH) throw new KerberosProtocolError("malformed GSS-API authenticator checksum");
  return { channelBindings: c.checksum.subarray(4, 20), flags: c.checksum.readUInt32LE(20) };
}
