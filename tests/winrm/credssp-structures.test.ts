// CredSSP's structures (MS-CSSP 2.2.1) and pure functions, pinned three ways: TSRequests
// captured by another CredSSP implementation (wallix/redemption's NLA tests, a Windows 7
// exchange), pyspnego's encoder byte for byte (including MS-CSSP's own TSSmartCardCreds
// example), and the formulas of MS-CSSP 3.1.5 recomputed by pyspnego.

import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { trailerLength } from "../../provider/src/winrm/credssp/encryption";
import { CredSspError } from "../../provider/src/winrm/credssp/errors";
import { isCredentialStatus, ntStatusName } from "../../provider/src/winrm/credssp/ntstatus";
import { clientPubKeyAuth, serverPubKeyAuth, CLIENT_TO_SERVER_MAGIC, SERVER_TO_CLIENT_MAGIC } from "../../provider/src/winrm/credssp/pub-key-auth";
import {
  CredType,
  decodeTSCredentials,
  decodeTSPasswordCreds,
  decodeTSRequest,
  encodeTSPasswordCreds,
  encodeTSRequest,
  passwordCredentials,
} from "../../provider/src/winrm/credssp/ts-request";
import type { TSRequest } from "../../provider/src/winrm/credssp/ts-request";
import { decodeChallenge } from "../../provider/src/winrm/ntlm/messages";
import { subjectPublicKey } from "../../provider/src/winrm/ntlm/der";
import { ok, pyspnego } from "../peers/peers";
import { makeCertDer } from "./support/certs";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

// wallix/redemption tests/core/RDP/nla/test_nla.cpp: a client's first TSRequest (v6, NTLM NEGOTIATE).
const NEGOTIATE_V6 = hex(`
  30 37 a0 03 02 01 06 a1 30 30 2e 30 2c a0 2a 04 28 4e 54 4c 4d 53 53 50 00 01 00 00 00 b7 82 08
  e2 00 00 00 00 28 00 00 00 00 00 00 00 28 00 00 00 06 01 b1 1d 00 00 00 0f`);
// ... the server's answer (v6, NTLM CHALLENGE from a Windows 7 host "WIN7").
const CHALLENGE_V6 = hex(`
  30 81 88 a0 03 02 01 06 a1 81 80 30 7e 30 7c a0 7a 04 78 4e 54 4c 4d 53 53 50 00 02 00 00 00 00
  00 00 00 38 00 00 00 b7 82 08 e2 b8 6c da a6 f0 f6 30 8d 00 00 00 00 00 00 00 00 40 00 40 00 38
  00 00 00 06 01 b1 1d 00 00 00 0f 01 00 08 00 57 00 49 00 4e 00 37 00 02 00 08 00 57 00 49 00 4e
  00 37 00 03 00 08 00 77 00 69 00 6e 00 37 00 04 00 08 00 77 00 69 00 6e 00 37 00 07 00 08 00 67
  95 0e 5a 4e 56 76 d6 00 00 00 00`);
// ... the server's pubKeyAuth (an NTLM-sealed 16-byte key: 16-byte signature + 16 bytes).
const PUBKEYAUTH_V6 = hex(`
  30 29 a0 03 02 01 06 a3 22 04 20 01 00 00 00 a2 e0 5b 50 97 8e 99 27 00 00 00 00 dc a7 0b fe 37
  45 3d 1b 05 15 ce 56 0a 54 a1 f1`);
// ... and the client's authInfo (sealed TSCredentials, NTLM sequence number 1).
const AUTHINFO_V6 = hex(`
  30 5c a0 03 02 01 06 a2 55 04 53 01 00 00 00 af ad 46 2a 6a 9d f7 88 01 00 00 00 d5 4f c8 d0 bd
  89 60 e0 71 60 31 7a cc ec c5 bf 23 4b e5 f9 a5 8c 21 66 a6 78 da d1 bd ef a4 fd 47 a6 f1 56 a5
  d9 52 72 92 fa 41 a5 b4 9d 94 fb 0e e2 61 ba fc d5 f3 a7 b5 33 d5 62 8d 93 18 54 39 8a e7`);

function expectCredSspError(fn: () => unknown, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CredSspError);
  expect((caught as CredSspError).code).toBe("WINRM_CREDSSP");
  if (message) expect((caught as Error).message).toMatch(message);
}

describe("TSRequest against captured exchanges (wallix/redemption NLA vectors)", () => {
  test("the client's NEGOTIATE TSRequest decodes and re-encodes to the same bytes", () => {
    const r = decodeTSRequest(NEGOTIATE_V6);
    expect(r.version).toBe(6);
    expect(r.negoTokens).toHaveLength(1);
    expect(r.negoTokens![0].subarray(0, 12)).toEqual(Buffer.from("NTLMSSP\0\x01\0\0\0", "latin1"));
    expect(r.negoTokens![0]).toHaveLength(40);
    expect(Object.keys(r).sort()).toEqual(["negoTokens", "version"]);
    expect(encodeTSRequest(r)).toEqual(NEGOTIATE_V6);
  });

  test("the server's CHALLENGE TSRequest carries a CHALLENGE our NTLM decoder reads", () => {
    const r = decodeTSRequest(CHALLENGE_V6);
    expect(r.version).toBe(6);
    const challenge = decodeChallenge(r.negoTokens![0]);
    expect(challenge.serverChallenge).toEqual(hex("b8 6c da a6 f0 f6 30 8d"));
    expect(encodeTSRequest(r)).toEqual(CHALLENGE_V6);
  });

  test("pubKeyAuth and authInfo TSRequests round-trip, their NTLM signatures where MS-NLMP puts them", () => {
    const pub = decodeTSRequest(PUBKEYAUTH_V6);
    expect(pub.pubKeyAuth).toHaveLength(32);
    expect(pub.pubKeyAuth!.readUInt32LE(0)).toBe(1); // signature version
    expect(pub.pubKeyAuth!.readUInt32LE(12)).toBe(0); // the server's first sealed message
    expect(encodeTSRequest(pub)).toEqual(PUBKEYAUTH_V6);

    const info = decodeTSRequest(AUTHINFO_V6);
    expect(info.authInfo).toHaveLength(0x53);
    expect(info.authInfo!.readUInt32LE(12)).toBe(1); // the client's second sealed message
    expect(info.pubKeyAuth).toBeUndefined();
    expect(encodeTSRequest(info)).toEqual(AUTHINFO_V6);
  });
});

describe("TSRequest against pyspnego's encoder", () => {
  const cases: Array<[string, TSRequest]> = [
    ["version only", { version: 6 }],
    ["version 2 with a token", { version: 2, negoTokens: [Buffer.from("NTLMSSP\0token")] }],
    ["a 300-byte token (long-form lengths)", { version: 6, negoTokens: [randomBytes(300)] }],
    ["every field", {
      version: 6, negoTokens: [Buffer.from("123")], authInfo: Buffer.from("auth info"),
      pubKeyAuth: Buffer.from("pub key auth"), errorCode: 10, clientNonce: randomBytes(32),
    }],
    ["pubKeyAuth with a nonce", { version: 5, pubKeyAuth: randomBytes(48), clientNonce: randomBytes(32) }],
  ];

  test.each(cases)("%s: byte-identical, and each decodes the other's", (_name, req) => {
    const [packed, unpacked] = pyspnego([
      {
        op: "pack_ts_request",
        version: req.version,
        nego_tokens: req.negoTokens?.map((t) => t.toString("hex")),
        auth_info: req.authInfo?.toString("hex"),
        pub_key_auth: req.pubKeyAuth?.toString("hex"),
        error_code: req.errorCode,
        client_nonce: req.clientNonce?.toString("hex"),
      },
      { op: "unpack_ts_request", data: encodeTSRequest(req).toString("hex") },
    ]);
    expect(encodeTSRequest(req).toString("hex")).toBe(ok<string>(packed));
    expect(decodeTSRequest(Buffer.from(ok<string>(packed), "hex"))).toEqual(req);
    expect(ok<Record<string, unknown>>(unpacked)).toEqual({
      version: req.version,
      nego_tokens: (req.negoTokens ?? []).map((t) => t.toString("hex")),
      auth_info: req.authInfo?.toString("hex") ?? null,
      pub_key_auth: req.pubKeyAuth?.toString("hex") ?? null,
      error_code: req.errorCode ?? null,
      client_nonce: req.clientNonce?.toString("hex") ?? null,
    });
  });

  test("errorCode: written as Windows' signed NTSTATUS, read in either sign", () => {
    const ours = encodeTSRequest({ version: 6, errorCode: 0xc000006d });
    expect(ours.toString("hex")).toBe("300da003020106a40602 04c000006d".replace(" ", ""));
    const [theirsRead, theirsPacked] = pyspnego([
      { op: "unpack_ts_request", data: ours.toString("hex") },
      { op: "pack_ts_request", version: 6, error_code: 0xc000006d },
    ]);
    // pyspnego reads our encoding as the (signed) NTSTATUS it is...
    expect((ok<{ error_code: number }>(theirsRead).error_code >>> 0)).toBe(0xc000006d);
    // ...and its own unsigned encoding is the same status to us.
    expect(decodeTSRequest(Buffer.from(ok<string>(theirsPacked), "hex")).errorCode).toBe(0xc000006d);
    expect(decodeTSRequest(ours).errorCode).toBe(0xc000006d);
  });
});

describe("TSCredentials and TSPasswordCreds", () => {
  test.each([
    ["CORP", "alice", "S3cret!pw"],
    ["", "bob@corp.example.com", "p"],
    ["Ithaque", "Ulysse", "Pénélope"],
    ["", "", ""],
  ])("domain %j user %j: byte-identical with pyspnego, and read back", (domain, user, password) => {
    const [packed, read] = pyspnego([
      { op: "pack_password_creds", domain, user, password },
      { op: "unpack_ts_credentials", data: passwordCredentials({ domainName: domain, userName: user, password }).toString("hex") },
    ]);
    const ours = passwordCredentials({ domainName: domain, userName: user, password });
    expect(ours.toString("hex")).toBe(ok<string>(packed));
    expect(ok<Record<string, unknown>>(read)).toEqual({ cred_type: 1, domain, user, password });
    const outer = decodeTSCredentials(ours);
    expect(outer.credType).toBe(CredType.PASSWORD);
    expect(decodeTSPasswordCreds(outer.credentials)).toEqual({ domainName: domain, userName: user, password });
    // MS-CSSP 2.2.1.2.1: the strings are UTF-16LE.
    expect(outer.credentials.includes(Buffer.from(password || "x", "utf16le")) || password === "").toBe(true);
  });

  test("MS-CSSP's TSSmartCardCreds example is read as credType 2 and refused as a password", () => {
    const smartCard = Buffer.from(ok<string>(pyspnego([{ op: "pack_smart_card_creds" }])[0]), "hex");
    const outer = decodeTSCredentials(smartCard);
    expect(outer.credType).toBe(CredType.SMART_CARD);
    expectCredSspError(() => decodeTSPasswordCreds(outer.credentials));
  });

  test("malformed structures are CredSspErrors that say what is wrong", () => {
    const good = encodeTSRequest({ version: 6, negoTokens: [Buffer.from("abc")] });
    expectCredSspError(() => decodeTSRequest(good.subarray(0, good.length - 1)));
    expectCredSspError(() => decodeTSRequest(Buffer.concat([good, Buffer.from([0])])), /single DER SEQUENCE/);
    expectCredSspError(() => decodeTSRequest(hex("3000")), /version is missing/);
    expectCredSspError(() => decodeTSRequest(hex("3006 a003020106 00")));
    expectCredSspError(() => decodeTSRequest(hex("300a a003020106 a003020106")), /appears twice/);
    expectCredSspError(() => decodeTSRequest(hex("300b a003020106 a104 3002 3000")), /negoToken is missing/);
    expectCredSspError(() => decodeTSRequest(hex("3007 a003020106 a200")));
    expectCredSspError(() => decodeTSRequest(hex("3007 a005 0403 010203")), /wrong type/);
    const oddUtf16 = Buffer.from(encodeTSPasswordCreds({ domainName: "", userName: "u", password: "p" }));
    oddUtf16[oddUtf16.length - 3] = 3; // password OCTET STRING now claims 3 bytes
    expectCredSspError(() => decodeTSPasswordCreds(oddUtf16));
  });
});

describe("pubKeyAuth (MS-CSSP 3.1.5) against pyspnego", () => {
  const cert = makeCertDer("rsa-sha256");
  const key = subjectPublicKey(cert);
  const nonce = randomBytes(32);

  test("the public key is the certificate's SubjectPublicKey (PKCS#1 RSAPublicKey for RSA)", () => {
    expect(key.toString("hex")).toBe(ok<string>(pyspnego([{ op: "cert_public_key", cert: cert.toString("hex") }])[0]));
    expect(key).toEqual(new X509Certificate(cert).publicKey.export({ type: "pkcs1", format: "der" }));
  });

  test("an EC certificate's key is its curve point", () => {
    const ec = makeCertDer("ec-sha384");
    const point = subjectPublicKey(ec);
    expect(point[0]).toBe(0x04); // uncompressed point
    expect(point).toHaveLength(97); // P-384
  });

  test.each([2, 3, 4])("version %i: the key itself, and the server's with its first byte + 1", (version) => {
    const [client, server] = pyspnego([
      { op: "pub_key_auth", key: key.toString("hex"), usage: "initiate", nonce: null },
      { op: "pub_key_auth", key: key.toString("hex"), usage: "accept", nonce: null },
    ]);
    expect(clientPubKeyAuth(key, version).toString("hex")).toBe(ok<string>(client));
    expect(serverPubKeyAuth(key, version).toString("hex")).toBe(ok<string>(server));
    expect(serverPubKeyAuth(key, version)[0]).toBe(key[0] + 1);
  });

  test.each([5, 6])("version %i: SHA-256 over the binding-hash magic, the nonce and the key", (version) => {
    const [client, server] = pyspnego([
      { op: "pub_key_auth", key: key.toString("hex"), usage: "initiate", nonce: nonce.toString("hex") },
      { op: "pub_key_auth", key: key.toString("hex"), usage: "accept", nonce: nonce.toString("hex") },
    ]);
    expect(clientPubKeyAuth(key, version, nonce).toString("hex")).toBe(ok<string>(client));
    expect(serverPubKeyAuth(key, version, nonce).toString("hex")).toBe(ok<string>(server));
    expect(CLIENT_TO_SERVER_MAGIC.toString("latin1")).toBe("CredSSP Client-To-Server Binding Hash\0");
    expect(SERVER_TO_CLIENT_MAGIC.toString("latin1")).toBe("CredSSP Server-To-Client Binding Hash\0");
    const manual = createHash("sha256").update("CredSSP Client-To-Server Binding Hash\0").update(nonce).update(key).digest();
    expect(clientPubKeyAuth(key, version, nonce)).toEqual(manual);
    expect(() => clientPubKeyAuth(key, version, randomBytes(16))).toThrow(RangeError);
  });
});

describe("the WinRM framing's trailer length (SecPkgContext_StreamSizes) against pyspnego", () => {
  // [OpenSSL name (pyspnego's input), IANA name (ours), protocol]
  const suites: Array<[string, string, string]> = [
    ["TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", "TLSv1.3"],
    ["TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", "TLSv1.3"],
    ["ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLSv1.2"],
    ["ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLSv1.2"],
    ["AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384", "TLSv1.2"],
    ["ECDHE-RSA-AES256-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "TLSv1.2"],
    ["ECDHE-RSA-AES128-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLSv1.2"],
    ["ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "TLSv1.2"],
    ["AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA", "TLSv1.2"],
    ["DES-CBC3-SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLSv1.2"],
    ["RC4-SHA", "TLS_RSA_WITH_RC4_128_SHA", "TLSv1.2"],
    ["RC4-MD5", "TLS_RSA_WITH_RC4_128_MD5", "TLSv1.2"],
  ];
  const lengths = [0, 1, 15, 16, 17, 100, 1000, 16384];

  test.each(suites)("%s", (openssl, iana, protocol) => {
    const theirs = pyspnego(lengths.map((length) => ({ op: "trailer_length", protocol, cipher: openssl, length })));
    const ours = lengths.map((n) => trailerLength({ version: protocol, standardName: iana }, n));
    expect(ours).toEqual(theirs.map((r) => ok<number>(r)));
  });
});

describe("NTSTATUS", () => {
  test("names the statuses a CredSSP server sends and tells credential failures apart", () => {
    expect(ntStatusName(0xc000006d)).toBe("STATUS_LOGON_FAILURE (0xC000006D)");
    expect(ntStatusName(0xc0000192)).toBe("STATUS_NETLOGON_NOT_STARTED (0xC0000192)");
    expect(ntStatusName(0x12345678)).toBe("NTSTATUS 0x12345678");
    expect(isCredentialStatus(0xc000006d)).toBe(true);
    expect(isCredentialStatus(0xc0000234)).toBe(true); // locked out
    expect(isCredentialStatus(0xc0000192)).toBe(false);
  });
});
