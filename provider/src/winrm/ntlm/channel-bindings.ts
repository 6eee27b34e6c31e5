// Channel binding token for NTLM over HTTPS (MsvAvChannelBindings, MS-NLMP 2.2.2.1):
// MD5 of a gss_channel_bindings_struct (RFC 2744 3.11) whose only non-empty member is the
// application data "tls-server-end-point:" + H(server certificate) (RFC 5929 4.1).

import { createHash } from "node:crypto";
import { NtlmMessageError } from "./errors";
import { oidBytes, readChildren, readTlv, Tag } from "./der";

// Signature algorithms whose hash is stronger than SHA-256 (RFC 5929: use that hash).
const SHA384_SIGNATURES = ["1.2.840.113549.1.1.12", "1.2.840.10045.4.3.3"].map(oidBytes);
const SHA512_SIGNATURES = ["1.2.840.113549.1.1.13", "1.2.840.10045.4.3.4"].map(oidBytes);
const RSASSA_PSS = oidBytes("1.2.840.113549.1.1.10");
const SHA384 = oidBytes("2.16.840.1.101.3.4.2.2");
const SHA512 = oidBytes("2.16.840.1.101.3.4.2.3");

/**
 * The hash RFC 5929 prescribes for the certificate: the one from its signature algorithm,
 * except that MD5 and SHA-1 (and anything unrecognised) are replaced by SHA-256.
 */
export function certificateBindingHash(certDer: Buffer): "sha256" | "sha384" | "sha512" {
  let algorithm: Buffer;
  let params: Buffer | undefined;
  try {
    const cert = readTlv(certDer, 0);
    const [, sigAlg] = readChildren(cert.value); // Certificate ::= SEQUENCE { tbs, signatureAlgorithm, signature }
    const [oid, p] = readChildren(sigAlg.value);
    if (cert.tag !== Tag.SEQUENCE || sigAlg.tag !== Tag.SEQUENCE || oid.tag !== Tag.OID) throw new Error("shape");
    algorithm = oid.value;
    params = p?.value;
  } catch {
    throw new NtlmMessageError("server certificate is not a DER X.509 certificate");
  }
  const is = (list: Buffer[]) => list.some((o) => o.equals(algorithm));
  if (is(SHA384_SIGNATURES)) return "sha384";
  if (is(SHA512_SIGNATURES)) return "sha512";
  if (algorithm.equals(RSASSA_PSS) && params) {
    // RSASSA-PSS-params: hashAlgorithm [0] AlgorithmIdentifier; look for the hash OID.
    if (params.includes(SHA512)) return "sha512";
    if (params.includes(SHA384)) return "sha384";
  }
  return "sha256";
}

/** gss_channel_bindings_struct bytes with empty initiator/acceptor addresses. */
export function gssChannelBindingsStruct(applicationData: Buffer): Buffer {
  const head = Buffer.alloc(20); // initiator addrtype+len, acceptor addrtype+len, application length
  head.writeUInt32LE(applicationData.length, 16);
  return Buffer.concat([head, applicationData]);
}

export function channelBindingsHash(serverCertDer: Buffer): Buffer {
  const certHash = createHash(certificateBindingHash(serverCertDer)).update(serverCertDer).digest();
  const appData = Buffer.concat([Buffer.from("tls-server-end-point:", "ascii"), certHash]);
  return createHash("md5").update(gssChannelBindingsStruct(appData)).digest();
}
