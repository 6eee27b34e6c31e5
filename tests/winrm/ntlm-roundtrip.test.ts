// NtlmClient <-> NtlmServer end to end, plus the failure paths.
import { AvId, Flag } from "../../provider/src/winrm/ntlm/constants";
import { decodeAvPairs } from "../../provider/src/winrm/ntlm/av-pairs";
import { decodeAuthenticate, decodeChallenge, decodeNegotiate, encodeAuthenticate } from "../../provider/src/winrm/ntlm/messages";
import { NtlmClient, NtlmError, NtlmSecuritySession, NtlmServer, NtlmSession } from "../../provider/src/winrm/ntlm";
import { encodeNegotiate } from "../../provider/src/winrm/ntlm/messages";
import { unwrapSpnego } from "../../provider/src/winrm/ntlm";
import { wrapSpnegoAuth, wrapSpnegoInit } from "../../provider/src/winrm/ntlm/spnego";
import { expectNtlmError } from "./support/expect-ntlm-error";

const identity = { netbiosDomain: "CORP", netbiosComputer: "SRV01", dnsDomain: "corp.test", dnsComputer: "srv01.corp.test" };
const PASSWORD = "Tr0ub4dor&3-p@ss";
const lookup = (user: string) => (user.toLowerCase() === "administrator" ? PASSWORD : undefined);

function handshake(opts: { username?: string; password?: string; domain?: string; cbt?: Buffer; expectedCbt?: Buffer } = {}) {
  const client = new NtlmClient({ username: opts.username ?? "Administrator", password: opts.password ?? PASSWORD, domain: opts.domain });
  const server = new NtlmServer({ identity, lookupPassword: lookup, expectedChannelBindingsHash: opts.expectedCbt });
  const negotiate = client.negotiate();
  const challenge = server.challenge(negotiate);
  const { message, session } = client.authenticate(challenge, { channelBindingsHash: opts.cbt });
  return { client, server, negotiate, challenge, message, clientSession: session };
}

describe("NTLM client/server round trip", () => {
  it.each([
    ["NEGOTIATE_128, NEGOTIATE_56 and KEY_EXCH", Flag.NEGOTIATE_128 | Flag.NEGOTIATE_56 | Flag.KEY_EXCH],
    ["NEGOTIATE_128", Flag.NEGOTIATE_128],
    ["KEY_EXCH", Flag.KEY_EXCH],
  ])("item 2: a challenge stripped of %s (a downgrade to weak keys) is refused, saying so", (_name, stripped) => {
    const client = new NtlmClient({ username: "Administrator", password: PASSWORD });
    const server = new NtlmServer({ identity, lookupPassword: lookup });
    const negotiate = Buffer.from(client.negotiate());
    // A man in the middle edits our NEGOTIATE; the server then answers without those flags.
    negotiate.writeUInt32LE((negotiate.readUInt32LE(12) & ~stripped) >>> 0, 12);
    const challenge = server.challenge(negotiate);
    expect(decodeChallenge(challenge).flags & stripped).toBe(0);
    const err = expectNtlmError(() => client.authenticate(challenge), "WINRM_NTLM_INTEGRITY", [PASSWORD]);
    expect(err.message).toMatch(/128-bit/);
    expect(err.message).toMatch(/NTLMMinClientSec/);
  });

  it("negotiates like a Windows client", () => {
    const neg = decodeNegotiate(new NtlmClient({ username: "u", password: "p" }).negotiate());
    for (const f of [
      Flag.NEGOTIATE_56, Flag.NEGOTIATE_128, Flag.KEY_EXCH, Flag.SIGN, Flag.SEAL, Flag.EXTENDED_SESSIONSECURITY,
      Flag.TARGET_INFO, Flag.UNICODE, Flag.ALWAYS_SIGN, Flag.VERSION, Flag.NTLM, Flag.REQUEST_TARGET,
    ]) {
      expect((neg.flags & f) >>> 0).toBe(f >>> 0);
    }
    expect(neg.flags & Flag.LM_KEY).toBe(0);
  });

  it("the server challenge carries names, a timestamp and echoes the client's security flags", () => {
    const { challenge } = handshake();
    const c = decodeChallenge(challenge);
    expect(c.targetName).toBe("CORP");
    expect(c.flags & Flag.TARGET_INFO).toBeTruthy();
    expect(c.flags & Flag.KEY_EXCH).toBeTruthy();
    expect(c.flags & Flag.SEAL).toBeTruthy();
    expect(c.flags & Flag.TARGET_TYPE_DOMAIN).toBeTruthy();
    const pairs = new Map(decodeAvPairs(c.targetInfo).map((p) => [p.id, p.value]));
    expect(pairs.get(AvId.NbDomainName)?.toString("utf16le")).toBe("CORP");
    expect(pairs.get(AvId.NbComputerName)?.toString("utf16le")).toBe("SRV01");
    expect(pairs.get(AvId.DnsDomainName)?.toString("utf16le")).toBe("corp.test");
    expect(pairs.get(AvId.DnsComputerName)?.toString("utf16le")).toBe("srv01.corp.test");
    expect(pairs.get(AvId.Timestamp)).toHaveLength(8);
  });

  it("authenticates with the right password; MIC, zero LM response and MsvAvFlags are sent", () => {
    const { server, message } = handshake({ domain: "CORP" });
    const auth = decodeAuthenticate(message);
    expect(auth.lmChallengeResponse.equals(Buffer.alloc(24))).toBe(true);
    expect(auth.mic!.equals(Buffer.alloc(16))).toBe(false);
    const pairs = decodeAvPairs(auth.ntChallengeResponse.subarray(16 + 28));
    expect(pairs.find((p) => p.id === AvId.Flags)!.value.readUInt32LE(0) & 2).toBe(2);
    const result = server.authenticate(message);
    expect(result).toMatchObject({ user: "Administrator", domain: "CORP" });
  });

  it("splits DOMAIN\\user usernames", () => {
    const { server, message } = handshake({ username: "CORP\\administrator" });
    expect(server.authenticate(message)).toMatchObject({ user: "administrator", domain: "CORP" });
  });

  it("sends the target name when asked", () => {
    const client = new NtlmClient({ username: "administrator", password: PASSWORD });
    const server = new NtlmServer({ identity, lookupPassword: lookup });
    const { message } = client.authenticate(server.challenge(client.negotiate()), { targetName: "HTTP/srv01.corp.test" });
    const pairs = decodeAvPairs(decodeAuthenticate(message).ntChallengeResponse.subarray(44));
    expect(pairs.find((p) => p.id === AvId.TargetName)!.value.toString("utf16le")).toBe("HTTP/srv01.corp.test");
    expect(server.authenticate(message).user).toBe("administrator");
  });

  it("rejects a wrong password without revealing either password", () => {
    const wrong = "not-the-password-%%";
    const { server, message } = handshake({ password: wrong });
    const err = expectNtlmError(() => server.authenticate(message), "WINRM_NTLM_AUTH_FAILED", [wrong, PASSWORD]);
    expect(err.message).toContain("Administrator");
  });

  it("rejects an unknown user", () => {
    const { server, message } = handshake({ username: "mallory" });
    expectNtlmError(() => server.authenticate(message), "WINRM_NTLM_AUTH_FAILED", [PASSWORD]);
  });

  it("rejects a MIC that does not verify and a MIC removed from the message", () => {
    const a = handshake();
    const tampered = Buffer.from(a.message);
    tampered[80] ^= 0xff;
    expectNtlmError(() => a.server.authenticate(tampered), "WINRM_NTLM_AUTH_FAILED");

    // Re-encode with a zero MIC while MsvAvFlags still announces one.
    const b = handshake();
    const stripped = encodeAuthenticate({ ...decodeAuthenticate(b.message), mic: Buffer.alloc(16) });
    expectNtlmError(() => b.server.authenticate(stripped), "WINRM_NTLM_AUTH_FAILED");
  });

  it("rejects a tampered negotiate flag (covered by the MIC)", () => {
    const { server, message } = handshake();
    const tampered = Buffer.from(message);
    tampered.writeUInt32LE((tampered.readUInt32LE(60) & ~Flag.SEAL) >>> 0, 60);
    expectNtlmError(() => server.authenticate(tampered), "WINRM_NTLM_AUTH_FAILED");
  });

  it("verifies channel bindings when the server expects them", () => {
    const cbt = Buffer.alloc(16, 7);
    const good = handshake({ cbt, expectedCbt: cbt });
    expect(good.server.authenticate(good.message).user).toBe("Administrator");
    const bad = handshake({ cbt: Buffer.alloc(16, 8), expectedCbt: cbt });
    expectNtlmError(() => bad.server.authenticate(bad.message), "WINRM_NTLM_AUTH_FAILED");
    const none = handshake({ expectedCbt: cbt }); // client sends zeros: accepted
    expect(none.server.authenticate(none.message).user).toBe("Administrator");
  });

  it("allows one authentication per server instance and needs a challenge first", () => {
    const { server, message } = handshake();
    server.authenticate(message);
    expectNtlmError(() => server.authenticate(message), "WINRM_NTLM_BAD_MESSAGE");
    const fresh = new NtlmServer({ identity, lookupPassword: lookup });
    expectNtlmError(() => fresh.authenticate(message), "WINRM_NTLM_BAD_MESSAGE");
  });

  it("without extended session security: the client refuses, and a session will not seal", () => {
    const server = new NtlmServer({ identity, lookupPassword: lookup });
    const negotiate = encodeNegotiate({ flags: Flag.UNICODE | Flag.NTLM | Flag.SIGN | Flag.SEAL | Flag.TARGET_INFO, domain: "", workstation: "" });
    const challenge = server.challenge(negotiate);
    expect(decodeChallenge(challenge).flags & Flag.EXTENDED_SESSIONSECURITY).toBe(0);
    expectNtlmError(() => new NtlmClient({ username: "administrator", password: PASSWORD }).authenticate(challenge), "WINRM_NTLM_BAD_MESSAGE");
    const noEss = new NtlmSecuritySession(Buffer.alloc(16, 1), Flag.SEAL | Flag.SIGN | Flag.NEGOTIATE_128, "client");
    expectNtlmError(() => noEss.wrap(Buffer.from("x")), "WINRM_NTLM_INTEGRITY");
  });

  it("rejects malformed messages with WINRM_NTLM_BAD_MESSAGE", () => {
    const server = new NtlmServer({ identity, lookupPassword: lookup });
    expectNtlmError(() => server.challenge(Buffer.from("garbage")), "WINRM_NTLM_BAD_MESSAGE");
    const { message } = handshake();
    expectNtlmError(() => server.challenge(message), "WINRM_NTLM_BAD_MESSAGE"); // type 3 where 1 expected
    const s2 = handshake();
    const truncated = s2.message.subarray(0, 100);
    expectNtlmError(() => s2.server.authenticate(truncated), "WINRM_NTLM_BAD_MESSAGE");
    const client = new NtlmClient({ username: "a", password: "b" });
    expectNtlmError(() => client.authenticate(Buffer.alloc(10)), "WINRM_NTLM_BAD_MESSAGE");
  });
});

describe("NtlmSession sealing", () => {
  function sessions(): { client: NtlmSession; server: NtlmSession } {
    const { server, message, clientSession } = handshake();
    return { client: clientSession, server: server.authenticate(message).session };
  }

  it("seals in both directions and the sealed bytes are not the plaintext", () => {
    const { client, server } = sessions();
    const plain = Buffer.from("<s:Envelope>hello</s:Envelope>");
    const w = client.wrap(plain);
    expect(w.sealed).toHaveLength(plain.length);
    expect(w.sealed.equals(plain)).toBe(false);
    expect(w.signature).toHaveLength(16);
    expect(server.unwrap(w.sealed, w.signature).equals(plain)).toBe(true);
    const r = server.wrap(Buffer.from("reply"));
    expect(client.unwrap(r.sealed, r.signature).toString()).toBe("reply");
  });

  it("advances the sequence number per direction", () => {
    const { client, server } = sessions();
    for (let i = 0; i < 4; i++) {
      const w = client.wrap(Buffer.from(`m${i}`));
      expect(w.signature.readUInt32LE(0)).toBe(1);
      expect(w.signature.readUInt32LE(12)).toBe(i);
      server.unwrap(w.sealed, w.signature);
    }
    expect(server.wrap(Buffer.from("x")).signature.readUInt32LE(12)).toBe(0);
  });

  it("detects a tampered ciphertext", () => {
    const { client, server } = sessions();
    const w = client.wrap(Buffer.from("transfer 10 to alice"));
    w.sealed[3] ^= 0x01;
    expectNtlmError(() => server.unwrap(w.sealed, w.signature), "WINRM_NTLM_INTEGRITY");
  });

  it("detects a tampered signature and a wrong-length signature", () => {
    const { client, server } = sessions();
    const w = client.wrap(Buffer.from("abc"));
    const sig = Buffer.from(w.signature);
    sig[5] ^= 0x80;
    expectNtlmError(() => server.unwrap(w.sealed, sig), "WINRM_NTLM_INTEGRITY");
    const { client: c2, server: s2 } = sessions();
    const w2 = c2.wrap(Buffer.from("abc"));
    expectNtlmError(() => s2.unwrap(w2.sealed, w2.signature.subarray(0, 12)), "WINRM_NTLM_INTEGRITY");
  });

  it("detects replayed and reordered messages", () => {
    const { client, server } = sessions();
    const first = client.wrap(Buffer.from("first"));
    const second = client.wrap(Buffer.from("second"));
    expectNtlmError(() => server.unwrap(second.sealed, second.signature), "WINRM_NTLM_INTEGRITY");

    const fresh = sessions();
    const m = fresh.client.wrap(Buffer.from("once"));
    fresh.server.unwrap(m.sealed, m.signature);
    expectNtlmError(() => fresh.server.unwrap(m.sealed, m.signature), "WINRM_NTLM_INTEGRITY");
    void first;
  });

  it("item 9: a message that fails its check changes nothing; the next genuine one still unseals (both directions)", () => {
    const { client, server } = sessions();
    const one = client.wrap(Buffer.from("one"));
    const two = client.wrap(Buffer.from("two"));
    const forged = Buffer.from(one.sealed);
    forged[0] ^= 0x01;
    expectNtlmError(() => server.unwrap(forged, one.signature), "WINRM_NTLM_INTEGRITY");
    expectNtlmError(() => server.unwrap(two.sealed, two.signature), "WINRM_NTLM_INTEGRITY"); // out of order
    expect(server.unwrap(one.sealed, one.signature).toString()).toBe("one");
    expectNtlmError(() => server.unwrap(one.sealed, one.signature), "WINRM_NTLM_INTEGRITY"); // replayed
    expect(server.unwrap(two.sealed, two.signature).toString()).toBe("two");

    const reply = server.wrap(Buffer.from("reply"));
    const badSig = Buffer.from(reply.signature);
    badSig[6] ^= 0x10;
    expectNtlmError(() => client.unwrap(reply.sealed, badSig), "WINRM_NTLM_INTEGRITY");
    expect(client.unwrap(reply.sealed, reply.signature).toString()).toBe("reply");
  });

  it("a message sealed for one direction does not unseal as the other", () => {
    const { client } = sessions();
    const w = client.wrap(Buffer.from("loopback"));
    expectNtlmError(() => client.unwrap(w.sealed, w.signature), "WINRM_NTLM_INTEGRITY");
  });

  it("sessions from different handshakes do not interoperate", () => {
    const a = sessions();
    const b = sessions();
    const w = a.client.wrap(Buffer.from("to a"));
    expectNtlmError(() => b.server.unwrap(w.sealed, w.signature), "WINRM_NTLM_INTEGRITY");
  });
});

describe("robustness against corrupted input", () => {
  // Deterministic PRNG so a failure is reproducible.
  let seed = 0x1234567;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };

  function corrupt(msg: Buffer): Buffer {
    const out = Buffer.from(msg);
    const edits = 1 + rand(4);
    for (let i = 0; i < edits; i++) {
      const kind = rand(3);
      if (kind === 0) out[rand(out.length)] = rand(256);
      else if (kind === 1) {
        const at = 12 + 8 * rand(6); // where a payload field's length may sit
        if (at + 2 <= out.length) out.writeUInt16LE(rand(0x10000), at);
      }
      else return out.subarray(0, rand(out.length));
    }
    return out;
  }

  it("server.challenge/authenticate and unwrapSpnego throw only NtlmError on corrupted messages", () => {
    for (let i = 0; i < 400; i++) {
      const { server, negotiate, message } = handshake();
      const attempts: Array<() => unknown> = [
        () => new NtlmServer({ identity, lookupPassword: lookup }).challenge(corrupt(negotiate)),
        () => server.authenticate(corrupt(message)),
        () => unwrapSpnego(corrupt(wrapSpnegoInit(negotiate))),
        () => unwrapSpnego(corrupt(wrapSpnegoAuth(message))),
      ];
      for (const attempt of attempts) {
        try {
          attempt();
        } catch (e) {
          if (!(e instanceof NtlmError)) throw e;
        }
      }
    }
  });

  it("the client throws only NtlmError on corrupted challenges", () => {
    const server = new NtlmServer({ identity, lookupPassword: lookup });
    const challenge = server.challenge(new NtlmClient({ username: "a", password: "b" }).negotiate());
    for (let i = 0; i < 400; i++) {
      try {
        new NtlmClient({ username: "a", password: "b" }).authenticate(corrupt(challenge));
      } catch (e) {
        if (!(e instanceof NtlmError)) throw e;
      }
    }
  });
});
