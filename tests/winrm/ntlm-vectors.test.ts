// Known-answer tests from MS-NLMP section 4.2.4 (NTLMv2 authentication example).
import { rc4Once } from "../../provider/src/winrm/crypto/rc4";
import { decodeAvPairs } from "../../provider/src/winrm/ntlm/av-pairs";
import { AvId, Flag } from "../../provider/src/winrm/ntlm/constants";
import {
  buildClientBlob,
  lmv2Response,
  ntowfv2,
  ntProofStr,
  sealKey,
  sessionBaseKey,
  signKey,
} from "../../provider/src/winrm/ntlm/keys";
import { decodeAuthenticate, decodeChallenge } from "../../provider/src/winrm/ntlm/messages";
import { NtlmClient, NtlmError, NtlmSecuritySession, NtlmServer } from "../../provider/src/winrm/ntlm";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

const USER = "User";
const DOMAIN = "Domain";
const PASSWORD = "Password";
const SERVER_CHALLENGE = hex("0123456789abcdef");
const CLIENT_CHALLENGE = hex("aaaaaaaaaaaaaaaa");
const TIMESTAMP = Buffer.alloc(8);
const RANDOM_SESSION_KEY = Buffer.alloc(16, 0x55);
// 4.2.4: MsvAvNbDomainName "Domain", MsvAvNbComputerName "Server", MsvAvEOL.
const TARGET_INFO = hex("02000c0044006f006d00610069006e00 01000c00530065007200760065007200 00000000");
// 4.2.4 challenge flags: 0xe28a8233.
const FLAGS = 0xe28a8233;

// 4.2.4.3 CHALLENGE_MESSAGE and AUTHENTICATE_MESSAGE.
const CHALLENGE_MESSAGE = hex(
  "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000" +
    "060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c00530065007200760065" +
    "0072000000000000",
);
const AUTHENTICATE_MESSAGE = hex(`
  4e544c4d535350000300000018001800 6c00000054005400840000000c000c00
  48000000080008005400000010001000 5c00000010001000d8000000358288e2
  0501280a0000000f44006f006d006100 69006e00550073006500720043004f00
  4d005000550054004500520086c35097 ac9cec102554764a57cccc19aaaaaaaa
  aaaaaaaa68cd0ab851e51c96aabc927b ebef6a1c010100000000000000000000
  00000000aaaaaaaaaaaaaaaa00000000 02000c0044006f006d00610069006e00
  01000c00530065007200760065007200 0000000000000000c5dad2544fc97990
  94ce1ce90bc9d03e`);

// 4.2.4.4 GSS_WrapEx example.
const PLAINTEXT = Buffer.from("Plaintext", "utf16le");
const SEALED = hex("54e50165bf1936dc996020c1811b0f06fb5f");
const SIGNATURE = hex("010000007fb38ec5c55d497600000000");

describe("MS-NLMP 4.2.4 NTLMv2 key computations", () => {
  const responseKey = ntowfv2(PASSWORD, USER, DOMAIN);
  const blob = buildClientBlob(TIMESTAMP, CLIENT_CHALLENGE, TARGET_INFO);
  const proof = ntProofStr(responseKey, SERVER_CHALLENGE, blob);
  const baseKey = sessionBaseKey(responseKey, proof);

  it("ResponseKeyNT = NTOWFv2 (4.2.4.1.1)", () => {
    expect(responseKey.toString("hex")).toBe("0c868a403bfd7a93a3001ef22ef02e3f");
  });

  it("NTOWFv2 upper-cases the user but not the domain", () => {
    expect(ntowfv2(PASSWORD, "user", DOMAIN).equals(responseKey)).toBe(true);
    expect(ntowfv2(PASSWORD, USER, "DOMAIN").equals(responseKey)).toBe(false);
  });

  it("LMv2 response (4.2.4.2.1)", () => {
    expect(lmv2Response(responseKey, SERVER_CHALLENGE, CLIENT_CHALLENGE).toString("hex")).toBe(
      "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa",
    );
  });

  it("client blob, NTProofStr and NTLMv2 response (4.2.4.2.2)", () => {
    expect(blob.toString("hex")).toBe(
      "01010000000000000000000000000000aaaaaaaaaaaaaaaa00000000" +
        "02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000" +
        "00000000",
    );
    expect(proof.toString("hex")).toBe("68cd0ab851e51c96aabc927bebef6a1c");
  });

  it("session base key (4.2.4.1.2) and encrypted random session key (4.2.4.2.3)", () => {
    expect(baseKey.toString("hex")).toBe("8de40ccadbc14a82f15cb0ad0de95ca3");
    expect(rc4Once(baseKey, RANDOM_SESSION_KEY).toString("hex")).toBe("c5dad2544fc9799094ce1ce90bc9d03e");
  });

  it("client-to-server seal and sign keys (4.2.4.4)", () => {
    expect(sealKey(RANDOM_SESSION_KEY, FLAGS, "client-to-server").toString("hex")).toBe("59f600973cc4960a25480a7c196e4c58");
    expect(signKey(RANDOM_SESSION_KEY, "client-to-server").toString("hex")).toBe("4788dc861b4782f35d43fd98fe1a2d39");
  });

  it("GSS_WrapEx sealing and signing of 'Plaintext', seqnum 0 (4.2.4.4)", () => {
    const session = new NtlmSecuritySession(RANDOM_SESSION_KEY, FLAGS, "client");
    const { sealed, signature } = session.wrap(PLAINTEXT);
    expect(sealed.toString("hex")).toBe(SEALED.toString("hex"));
    expect(signature.toString("hex")).toBe(SIGNATURE.toString("hex"));
  });

  it("the server role unseals the 4.2.4.4 message", () => {
    const session = new NtlmSecuritySession(RANDOM_SESSION_KEY, FLAGS, "server");
    expect(session.unwrap(SEALED, SIGNATURE).toString("utf16le")).toBe("Plaintext");
  });
});

describe("MS-NLMP 4.2.4.3 messages", () => {
  it("decodes the CHALLENGE_MESSAGE", () => {
    const c = decodeChallenge(CHALLENGE_MESSAGE);
    expect(c.flags >>> 0).toBe(FLAGS);
    expect(c.targetName).toBe("Server");
    expect(c.serverChallenge.equals(SERVER_CHALLENGE)).toBe(true);
    expect(c.targetInfo.equals(TARGET_INFO)).toBe(true);
    const pairs = decodeAvPairs(c.targetInfo);
    expect(pairs.map((p) => [p.id, p.value.toString("utf16le")])).toEqual([
      [AvId.NbDomainName, "Domain"],
      [AvId.NbComputerName, "Server"],
    ]);
  });

  it("decodes the AUTHENTICATE_MESSAGE (no MIC field in this layout)", () => {
    const a = decodeAuthenticate(AUTHENTICATE_MESSAGE);
    expect(a.user).toBe("User");
    expect(a.domain).toBe("Domain");
    expect(a.workstation).toBe("COMPUTER");
    expect(a.mic).toBeUndefined();
    expect(a.version?.toString("hex")).toBe("0501280a0000000f");
    expect(a.lmChallengeResponse.toString("hex")).toBe("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");
    expect(a.ntChallengeResponse.subarray(0, 16).toString("hex")).toBe("68cd0ab851e51c96aabc927bebef6a1c");
    expect(a.encryptedRandomSessionKey.toString("hex")).toBe("c5dad2544fc9799094ce1ce90bc9d03e");
  });

  const identity = { netbiosDomain: "DOMAIN", netbiosComputer: "SERVER", dnsDomain: "domain.test", dnsComputer: "server.domain.test" };
  function vectorServer(password: string): NtlmServer {
    const server = new NtlmServer({
      identity,
      lookupPassword: (user, domain) => (user === "User" && domain === "Domain" ? password : undefined),
      random: () => Buffer.from(SERVER_CHALLENGE),
    });
    const negotiate = new NtlmClient({ username: "User", password: "x" }).negotiate();
    server.challenge(negotiate);
    return server;
  }

  it("NtlmServer accepts the spec's AUTHENTICATE_MESSAGE and derives the same session", () => {
    const result = vectorServer(PASSWORD).authenticate(AUTHENTICATE_MESSAGE);
    expect(result.user).toBe("User");
    expect(result.domain).toBe("Domain");
    // The inbound (client-to-server) keys must be the spec's: the 4.2.4.4 message unseals.
    expect(result.session.unwrap(SEALED, SIGNATURE).toString("utf16le")).toBe("Plaintext");
  });

  it("NtlmServer rejects the spec's AUTHENTICATE_MESSAGE with another password", () => {
    let caught: unknown;
    try {
      vectorServer("Passw0rd").authenticate(AUTHENTICATE_MESSAGE);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(NtlmError);
    expect((caught as NtlmError).code).toBe("WINRM_NTLM_AUTH_FAILED");
    expect((caught as NtlmError).message).not.toContain("Passw0rd");
  });

  it("NtlmClient answers the spec's CHALLENGE_MESSAGE with the spec's LMv2 response and flags", () => {
    const randoms = [Buffer.from(CLIENT_CHALLENGE), Buffer.from(RANDOM_SESSION_KEY)];
    const client = new NtlmClient({
      username: USER,
      password: PASSWORD,
      domain: DOMAIN,
      random: () => randoms.shift()!,
      now: () => new Date(-11644473600000), // FILETIME 0
    });
    client.negotiate();
    const { message, session } = client.authenticate(CHALLENGE_MESSAGE);
    const a = decodeAuthenticate(message);
    // No MsvAvTimestamp in this challenge: LMv2 is sent and no MIC flag is set.
    expect(a.lmChallengeResponse.toString("hex")).toBe("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");
    expect(a.flags & Flag.KEY_EXCH).toBeTruthy();
    expect(a.flags & Flag.EXTENDED_SESSIONSECURITY).toBeTruthy();
    expect(a.flags & Flag.UNICODE).toBeTruthy();
    expect(a.mic?.equals(Buffer.alloc(16))).toBe(true);
    // The blob is the spec's plus our (zero) channel bindings pair; timestamp and challenge as given.
    const blob = a.ntChallengeResponse.subarray(16);
    expect(blob.subarray(0, 28).toString("hex")).toBe("01010000000000000000000000000000aaaaaaaaaaaaaaaa00000000");
    const pairs = decodeAvPairs(blob.subarray(28));
    expect(pairs.find((p) => p.id === AvId.Flags)).toBeUndefined();
    expect(pairs.find((p) => p.id === AvId.ChannelBindings)?.value.equals(Buffer.alloc(16))).toBe(true);
    // Exported session key is the random one, so sealing matches 4.2.4.4 exactly.
    const { sealed, signature } = session.wrap(PLAINTEXT);
    expect(sealed.equals(SEALED)).toBe(true);
    expect(signature.equals(SIGNATURE)).toBe(true);
  });
});
