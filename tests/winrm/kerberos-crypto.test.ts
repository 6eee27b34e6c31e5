// Kerberos crypto against published vectors: RFC 3961 A.1 (n-fold), RFC 3962 appendix B
// (PBKDF2 string-to-key and AES-CTS), and MIT krb5's known-answer tables (crypto_tests
// t_derive.c, t_decrypt.c, t_cksums.c) for DK, encrypt/decrypt and checksums of
// aes128/aes256-cts-hmac-sha1-96 and rc4-hmac. RFC 8009's vectors are for the
// aes-sha2 enctypes, which we do not implement, so none of them apply.

import { Etype, KeyUsage } from "../../provider/src/winrm/kerberos/constants";
import { aes128CtsHmacSha196, aes256CtsHmacSha196, enctypeById, rc4Hmac } from "../../provider/src/winrm/kerberos/crypto";
import { deriveKey } from "../../provider/src/winrm/kerberos/crypto/aes";
import { ctsDecrypt, ctsEncrypt } from "../../provider/src/winrm/kerberos/crypto/aes-cts";
import { nfold } from "../../provider/src/winrm/kerberos/crypto/nfold";
import { hmacMd5, rc4Usage } from "../../provider/src/winrm/kerberos/crypto/rc4-hmac";
import { rc4Once } from "../../provider/src/winrm/crypto/rc4";
import { KerberosIntegrityError } from "../../provider/src/winrm/kerberos/errors";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("n-fold (RFC 3961 appendix A.1)", () => {
  it.each([
    ["012345", 64, "be072631276b1955"],
    ["password", 56, "78a07b6caf85fa"],
    ["Rough Consensus, and Running Code", 64, "bb6ed30870b7f0e0"],
    ["password", 168, "59e4a8ca7c0385c3c37b3f6d2000247cb6e6bd5b3e"],
    ["MASSACHVSETTS INSTITVTE OF TECHNOLOGY", 192, "db3b0d8f0b061e603282b308a50841229ad798fab9540c1b"],
    ["Q", 168, "518a54a215a8452a518a54a215a8452a518a54a215"],
    ["ba", 168, "fb25d531ae8974499f52fd92ea9857c4ba24cf297e"],
    ["kerberos", 64, "6b65726265726f73"],
    ["kerberos", 128, "6b65726265726f737b9b5b2b93132b93"],
    ["kerberos", 168, "8372c236344e5f1550cd0747e15d62ca7a5a3bcea4"],
    ["kerberos", 256, "6b65726265726f737b9b5b2b93132b935c9bdcdad95c9899c4cae4dee6d6cae4"],
  ])("%d-fold of %j", (input, bits, expected) => {
    expect(nfold(Buffer.from(input, "utf8"), bits / 8).toString("hex")).toBe(expected);
  });
});

describe("AES string-to-key (RFC 3962 appendix B)", () => {
  const X64 = "X".repeat(64);
  const vectors: Array<[string, number, string | Buffer, string, string]> = [
    ["password", 1, "ATHENA.MIT.EDUraeburn", "42263c6e89f4fc28b8df68ee09799f15",
      "fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161"],
    ["password", 2, "ATHENA.MIT.EDUraeburn", "c651bf29e2300ac27fa469d693bdda13",
      "a2e16d16b36069c135d5e9d2e25f896102685618b95914b467c67622225824ff"],
    ["password", 1200, "ATHENA.MIT.EDUraeburn", "4c01cd46d632d01e6dbe230a01ed642a",
      "55a6ac740ad17b4846941051e1e8b0a7548d93b0ab30a8bc3ff16280382b8c2a"],
    ["password", 5, hex("1234567878563412"), "e9b23d52273747dd5c35cb55be619d8e",
      "97a4e786be20d81a382d5ebc96d5909cabcdadc87ca48f574504159f16c36e31"],
    [X64, 1200, "pass phrase equals block size", "59d1bb789a828b1aa54ef9c2883f69ed",
      "89adee3608db8bc71f1bfbfe459486b05618b70cbae22092534e56c553ba4b34"],
    [X64 + "X", 1200, "pass phrase exceeds block size", "cb8005dc5f90179a7f02104c0018751d",
      "d78c5c9cb872a8c9dad4697f0bb5b2d21496c82beb2caeda2112fceea057401b"],
    // The RFC names the pass phrase "g-clef (U+1011E)"; its bytes f0 9d 84 9e are U+1D11E.
    ["\u{1D11E}", 50, "EXAMPLE.COMpianist", "f149c1f2e154a73452d43e7fe62a56e5",
      "4b6d9839f84406df1f09cc166db4b83c571848b784a3d6bdc346589a3e393f9e"],
  ];
  it.each(vectors)("%j, %d iterations, salt %j", (pass, iterations, salt, k128, k256) => {
    const params = Buffer.alloc(4);
    params.writeUInt32BE(iterations);
    const saltBuf = typeof salt === "string" ? Buffer.from(salt, "utf8") : salt;
    expect(aes128CtsHmacSha196.stringToKey(pass, saltBuf, params).toString("hex")).toBe(k128);
    expect(aes256CtsHmacSha196.stringToKey(pass, saltBuf, params).toString("hex")).toBe(k256);
  });

  it("uses 4096 iterations when the KDC sends no s2kparams", () => {
    const salt = Buffer.from("CORP.TESTalice");
    const explicit = Buffer.from([0, 0, 0x10, 0]);
    expect(aes256CtsHmacSha196.stringToKey("pw", salt)).toEqual(aes256CtsHmacSha196.stringToKey("pw", salt, explicit));
  });
});

describe("AES-CBC with ciphertext stealing (RFC 3962 appendix B)", () => {
  const key = hex("636869636b656e207465726979616b69");
  // The RFC's inputs are prefixes of this sentence.
  const plain = Buffer.from("I would like the General Gau's Chicken, please, and wonton soup.", "ascii");
  it.each([
    [17, "c6353568f2bf8cb4d8a580362da7ff7f97"],
    [31, "fc00783e0efdb2c1d445d4c8eff7ed2297687268d6ecccc0c07b25e25ecfe5"],
    [32, "39312523a78662d5be7fcbcc98ebf5a897687268d6ecccc0c07b25e25ecfe584"],
    [47, "97687268d6ecccc0c07b25e25ecfe584b3fffd940c16a18c1b5549d2f838029e39312523a78662d5be7fcbcc98ebf5"],
    [48, "97687268d6ecccc0c07b25e25ecfe5849dad8bbb96c4cdc03bc103e1a194bbd839312523a78662d5be7fcbcc98ebf5a8"],
    [64, "97687268d6ecccc0c07b25e25ecfe58439312523a78662d5be7fcbcc98ebf5a84807efe836ee89a526730dbc2f7bc8409dad8bbb96c4cdc03bc103e1a194bbd8"],
  ])("%d bytes", (n, expected) => {
    const p = plain.subarray(0, n);
    const c = ctsEncrypt(key, p);
    expect(c.toString("hex")).toBe(expected);
    expect(ctsDecrypt(key, c)).toEqual(p);
  });
});

describe("AES key derivation DK (MIT krb5 t_derive.c)", () => {
  const constant = (kind: number) => Buffer.from([0, 0, 0, 2, kind]);
  it.each([
    ["42263c6e89f4fc28b8df68ee09799f15", 0x99, "34280a382bc92769b2da2f9ef066854b"],
    ["42263c6e89f4fc28b8df68ee09799f15", 0xaa, "5b14fc4e250e14ddf9dccf1af6674f53"],
    ["42263c6e89f4fc28b8df68ee09799f15", 0x55, "4ed31063621684f09ae8d89991af3e8f"],
    ["fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161", 0x99, "bfab388bdcb238e9f9c98d6a878304f04d30c82556375ac507a7a852790f4674"],
    ["fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161", 0xaa, "c7cfd9cd75fe793a586a542d87e0d1396f1134a104bb1a9190b8c90ada3ddf37"],
    ["fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161", 0x55, "97151b4c76945063e2eb0529dc067d97d7bba90776d8126d91f34f3101aea8ba"],
  ])("DK(%s, usage 2 | %i)", (key, kind, expected) => {
    expect(deriveKey(hex(key), constant(kind)).toString("hex")).toBe(expected);
  });
});

describe("decrypting known ciphertexts (MIT krb5 t_decrypt.c)", () => {
  const plaintexts = ["", "1", "9 bytesss", "13 bytes byte", "30 bytes bytes bytes bytes byt"];
  const cases: Array<[number, number, string, string]> = [
    [Etype.RC4_HMAC, 0, "F81FEC39255F5784E850C4377C88BD85", "02C1EB155861441 22EC717763DD348BF00434DDC6585954C"],
    [Etype.RC4_HMAC, 1, "67D1300D281223867F9647FF48721273", "6156E0CC04E0A0874F9FDA008F498A7ADBBC80B70B14DDDBC0"],
    [Etype.RC4_HMAC, 2, "3E40AB6093695281B3AC1A9304224D98", "0F9AD121D99D4A09448E4F1F718C4F5CBE6096262C66F29DF232A87C9F98755D55"],
    [Etype.RC4_HMAC, 3, "4BA2FBF0379FAED87A254D3B353D5A7E", "612C57568B17A70352BAE8CF26FB9459A6F3353CD35FD439DB3107CBEC765D326DFC04C1DD"],
    [Etype.RC4_HMAC, 4, "68F263DB3FCE15D031C9EAB02D67107A",
      "95F9047C3AD75891C2E9B04B16566DC8B6EB9CE4231AFB2542EF87A7B5A0F260A99F0460508DE0CECC632D07C354124E46C5D2234EB8"],
    [Etype.AES128_CTS_HMAC_SHA1_96, 0, "5A5C0F0BA54F3828B2195E66CA24A289", "49FF8E11C173D9583A3254FBE7B1F1DF36C538E8416784A1672E6676"],
    [Etype.AES128_CTS_HMAC_SHA1_96, 1, "98450E3F3BAA13F5C99BEB936981B06F", "F86742F537B35DC2174A4DBAA920FAF9042090B065E1EBB1CAD9A65394"],
    [Etype.AES128_CTS_HMAC_SHA1_96, 2, "9062430C8CDA3388922E6D6A509F5B7A", "68FB9679601F45C78857B2BF820FD6E53ECA8D42FD4B1D7024A09205ABB7CD2EC26C355D2F"],
    [Etype.AES128_CTS_HMAC_SHA1_96, 3, "033EE6502C54FD23E27791E987983827", "EC366D0327A933BF49330E650E49BC6B974637FE80BF532FE51795B4809718E6194724DB948D1FD637"],
    [Etype.AES128_CTS_HMAC_SHA1_96, 4, "DCEEB70B3DE76562E689226C76429148",
      "C96081032D5D8EEB7E32B4089F789D0FAA481DEA74C0F97CBF3146DDFCF8E800156ECB532FC203E30FF600B63B350939FECE510F02D7FF1E7BAC"],
    [Etype.AES256_CTS_HMAC_SHA1_96, 0, "17F275F2954F2ED1F90C377BA7F4D6A369AA0136E0BF0C927AD6133C693759A9", "E5094C55EE7B38262E2B044280B069379A95BF95BD8376FB3281B435"],
    [Etype.AES256_CTS_HMAC_SHA1_96, 1, "B9477E1FF0329C0050E20CE6C72D2DFF27E8FE541AB0954429A9CB5B4F7B1E2A", "406150B97AEB76D43B36B62CC1ECDFBE6F40E95755E0BEB5C27825F3A4"],
    [Etype.AES256_CTS_HMAC_SHA1_96, 2, "B1AE4CD8462AFF1677053CC9279AAC30B796FB81CE21474DD3DDBCFEA4EC76D7",
      "09957AA25FCAF88F7B39E4406E633012D5FEA21853F6478DA7065CAEF41FD454A40824EEC5"],
    [Etype.AES256_CTS_HMAC_SHA1_96, 3, "E5A72BE9B7926C1225BAFEF9C1872E7BA4CDB2B17893D84ABD90ACDD8764D966",
      "D8F1AAFEEC84587CC3E700A774E56651A6D693E174EC4473B5E6D96F80297A653FB818AD893E719F96"],
    [Etype.AES256_CTS_HMAC_SHA1_96, 4, "F1C795E9248A09338D82C3F8D5B567040B0110736845041347235B1404231398",
      "D1137A4D634CFECE924DBC3BF6790648BD5CFF7DE0E7B99460211D0DAEF3D79A295C688858F3B34B9CBD6EEBAE81DAF6B734D4D498B6714F1C1D"],
  ];
  it.each(cases)("etype %d usage %d", (etype, usage, key, cipher) => {
    const e = enctypeById(etype);
    const c = hex(cipher);
    const plain = e.decrypt(hex(key), usage, c);
    expect(plain.toString("latin1")).toBe(plaintexts[usage]);
    // Re-encrypting with the same confounder reproduces the ciphertext byte for byte.
    const confounder = etype === Etype.RC4_HMAC
      ? rc4Confounder(hex(key), usage, c)
      : aesConfounder(hex(key), usage, c);
    expect(e.encrypt(hex(key), usage, plain, confounder).toString("hex")).toBe(c.toString("hex"));
  });

  it.each(cases)("etype %d usage %d: one flipped bit fails the integrity check", (etype, usage, key, cipher) => {
    const c = hex(cipher);
    c[c.length - 1] ^= 0x01;
    expect(() => enctypeById(etype).decrypt(hex(key), usage, c)).toThrow(KerberosIntegrityError);
  });

  it("the wrong usage fails the integrity check", () => {
    const [etype, , key, cipher] = cases[9];
    expect(() => enctypeById(etype).decrypt(hex(key), 5, hex(cipher))).toThrow(KerberosIntegrityError);
  });
});

describe("keyed checksums (MIT krb5 t_cksums.c)", () => {
  it.each([
    ["hmac-sha1-96-aes128", aes128CtsHmacSha196, "eight nine ten eleven twelve thirteen", 3, "9062430C8CDA3388922E6D6A509F5B7A", "01A4B088D45628F6946614E3"],
    ["hmac-sha1-96-aes256", aes256CtsHmacSha196, "fourteen", 4, "B1AE4CD8462AFF1677053CC9279AAC30B796FB81CE21474DD3DDBCFEA4EC76D7", "E08739E3279E2903EC8E3836"],
    ["hmac-md5 (rc4)", rc4Hmac, "seventeen eighteen nineteen twenty", 6, "F7D3A155AF5E238A0B7A871A96BA2AB2", "EB38CC97E2230F59DA4117DC5859D7EC"],
  ])("%s", (_name, enctype, text, usage, key, expected) => {
    expect(enctype.checksum(hex(key), usage, Buffer.from(text)).toString("hex")).toBe(expected.toLowerCase());
  });
});

describe("rc4-hmac (RFC 4757)", () => {
  it("string-to-key is the NT hash: MD4 of the UTF-16LE password (MS-NLMP 4.2.1 'Password')", () => {
    expect(rc4Hmac.stringToKey("Password", Buffer.alloc(0)).toString("hex")).toBe("a4f49c406510bdcab6824ee7c30fd852");
  });

  it("round-trips under each usage with a random confounder", () => {
    const key = rc4Hmac.randomKey();
    for (const usage of [KeyUsage.AS_REP_ENC_PART, KeyUsage.TGS_REP_ENC_PART_SUBKEY, KeyUsage.AP_REQ_AUTHENTICATOR]) {
      const plain = Buffer.from(`usage ${usage}`);
      const c1 = rc4Hmac.encrypt(key, usage, plain);
      const c2 = rc4Hmac.encrypt(key, usage, plain);
      expect(c1).not.toEqual(c2);
      expect(rc4Hmac.decrypt(key, usage, c1)).toEqual(plain);
    }
  });

  it("AS-REP (3) and TGS-REP-with-subkey (9) share Windows' usage 8", () => {
    const key = rc4Hmac.randomKey();
    const c = rc4Hmac.encrypt(key, 3, Buffer.from("x"));
    expect(rc4Hmac.decrypt(key, 9, c).toString()).toBe("x");
  });
});

// The confounder is the first block of the decrypted data; recover it for the re-encryption check.
function aesConfounder(key: Buffer, usage: number, cipher: Buffer): Buffer {
  const ke = deriveKey(key, Buffer.from([0, 0, 0, usage, 0xaa]));
  return ctsDecrypt(ke, cipher.subarray(0, cipher.length - 12)).subarray(0, 16);
}

// RC4 is a stream cipher keyed by the message checksum: the first 8 decrypted bytes are the confounder.
function rc4Confounder(key: Buffer, usage: number, cipher: Buffer): Buffer {
  const t = Buffer.alloc(4);
  t.writeUInt32LE(rc4Usage(usage));
  const k3 = hmacMd5(hmacMd5(key, t), cipher.subarray(0, 16));
  return rc4Once(k3, cipher.subarray(16)).subarray(0, 8);
}
