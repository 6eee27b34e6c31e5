import { NtlmClient, NtlmError, NtlmMessageError, NtlmServer, unwrapSpnego, wrapSpnegoResponse } from "../../provider/src/winrm/ntlm";
import { wrapSpnegoAuth, wrapSpnegoInit } from "../../provider/src/winrm/ntlm/spnego";

const identity = { netbiosDomain: "WORKGROUP", netbiosComputer: "SRV01", dnsDomain: "", dnsComputer: "srv01" };

// A Windows client's first "Authorization: Negotiate" token: SPNEGO NegTokenInit offering
// NTLMSSP (mechTypes = [1.3.6.1.4.1.311.2.2.10]) with a NEGOTIATE_MESSAGE as mechToken.
const WINDOWS_INIT = Buffer.from(
  "6040" + "06062b0601050502" + "a036" + "3034" + "a00e300c060a2b06010401823702020a" + "a2220420" +
    "4e544c4d5353500001000000978208e2000000000000000000000000000000000a00614a0000000f",
  "hex",
);

describe("SPNEGO helpers", () => {
  it("passes raw NTLMSSP tokens through", () => {
    const neg = new NtlmClient({ username: "u", password: "p" }).negotiate();
    expect(unwrapSpnego(neg)).toEqual({ ntlm: neg, wasSpnego: false });
  });

  it("unwraps a Windows-style NegTokenInit", () => {
    const { ntlm, wasSpnego } = unwrapSpnego(WINDOWS_INIT);
    expect(wasSpnego).toBe(true);
    expect(ntlm.subarray(0, 8).toString("latin1")).toBe("NTLMSSP\0");
    expect(ntlm.readUInt32LE(8)).toBe(1);
    expect(ntlm).toHaveLength(32);
  });

  it("unwraps our own NegTokenInit and NegTokenResp", () => {
    const neg = new NtlmClient({ username: "u", password: "p" }).negotiate();
    expect(unwrapSpnego(wrapSpnegoInit(neg)).ntlm.equals(neg)).toBe(true);
    const big = Buffer.concat([Buffer.from("NTLMSSP\0"), Buffer.alloc(400, 3)]); // long-form lengths
    expect(unwrapSpnego(wrapSpnegoAuth(big)).ntlm.equals(big)).toBe(true);
  });

  it("wraps responses as NegTokenResp with negState and supportedMech", () => {
    const challenge = Buffer.concat([Buffer.from("NTLMSSP\0"), Buffer.alloc(200, 1)]);
    const incomplete = wrapSpnegoResponse(challenge, "accept-incomplete");
    expect(incomplete[0]).toBe(0xa1);
    expect(incomplete.includes(Buffer.from("0a0101", "hex"))).toBe(true); // ENUMERATED accept-incomplete
    expect(incomplete.includes(Buffer.from("060a2b06010401823702020a", "hex"))).toBe(true); // NTLMSSP OID
    expect(unwrapSpnego(incomplete).ntlm.equals(challenge)).toBe(true);

    const completed = wrapSpnegoResponse(Buffer.alloc(0), "accept-completed");
    expect(completed.toString("hex")).toBe("a1073005a0030a0100");
  });

  it("rejects SPNEGO tokens without NTLM and garbage", () => {
    const krbOnly = Buffer.from(WINDOWS_INIT);
    // Change the offered mechanism OID's last byte (no longer NTLMSSP).
    krbOnly[krbOnly.indexOf(Buffer.from("2b06010401823702020a", "hex")) + 9] = 0x0b;
    expect(() => unwrapSpnego(krbOnly)).toThrow(NtlmMessageError);
    for (const junk of [Buffer.alloc(0), Buffer.from("hello world"), Buffer.from("a10330", "hex"), Buffer.from("600506032a0304", "hex")]) {
      let caught: unknown;
      try {
        unwrapSpnego(junk);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(NtlmError);
      expect((caught as NtlmError).code).toBe("WINRM_NTLM_BAD_MESSAGE");
    }
  });

  it("drives a full SPNEGO-wrapped handshake", () => {
    const client = new NtlmClient({ username: "admin", password: "pw-123" });
    const server = new NtlmServer({ identity, lookupPassword: (u) => (u === "admin" ? "pw-123" : undefined) });
    const first = unwrapSpnego(wrapSpnegoInit(client.negotiate()));
    const reply = wrapSpnegoResponse(server.challenge(first.ntlm), "accept-incomplete");
    const { message, session } = client.authenticate(unwrapSpnego(reply).ntlm);
    const result = server.authenticate(unwrapSpnego(wrapSpnegoAuth(message)).ntlm);
    const w = session.wrap(Buffer.from("ok"));
    expect(result.session.unwrap(w.sealed, w.signature).toString()).toBe("ok");
  });
});
