// MsvAvChannelBindings for HTTPS: RFC 5929 tls-server-end-point inside an RFC 2744
// gss_channel_bindings_struct, hashed with MD5 (MS-NLMP 2.2.2.1).
import { createHash } from "node:crypto";
import { channelBindingsHash, NtlmMessageError } from "../../provider/src/winrm/ntlm";
import { certificateBindingHash, gssChannelBindingsStruct } from "../../provider/src/winrm/ntlm/channel-bindings";
import { CertKind, makeCertDer } from "./support/certs";

describe("channelBindingsHash", () => {
  const expectedHash: Record<CertKind, string> = {
    "rsa-sha256": "sha256",
    "rsa-sha1": "sha256", // RFC 5929 4.1: MD5/SHA-1 are replaced by SHA-256
    "rsa-sha512": "sha512",
    "ec-sha384": "sha384",
  };

  it.each(Object.keys(expectedHash) as CertKind[])("uses the right certificate hash for %s", (kind) => {
    const cert = makeCertDer(kind);
    expect(certificateBindingHash(cert)).toBe(expectedHash[kind]);
    const struct = Buffer.concat([
      Buffer.alloc(16), // initiator addrtype/length, acceptor addrtype/length: all zero
      Buffer.from([21 + createHash(expectedHash[kind]).digest().length, 0, 0, 0]),
      Buffer.from("tls-server-end-point:"),
      createHash(expectedHash[kind]).update(cert).digest(),
    ]);
    expect(channelBindingsHash(cert).toString("hex")).toBe(createHash("md5").update(struct).digest("hex"));
    expect(channelBindingsHash(cert)).toHaveLength(16);
  });

  it("lays out gss_channel_bindings_struct with little-endian lengths", () => {
    expect(gssChannelBindingsStruct(Buffer.from("ab")).toString("hex")).toBe("0000000000000000000000000000000002000000" + "6162");
  });

  it("differs between certificates", () => {
    expect(channelBindingsHash(makeCertDer("rsa-sha256", "a.test")).equals(channelBindingsHash(makeCertDer("rsa-sha256", "b.test")))).toBe(false);
  });

  it("rejects something that is not a certificate", () => {
    expect(() => channelBindingsHash(Buffer.from("not a cert"))).toThrow(NtlmMessageError);
    expect(() => channelBindingsHash(Buffer.from("3003020101", "hex"))).toThrow(NtlmMessageError);
  });
});
