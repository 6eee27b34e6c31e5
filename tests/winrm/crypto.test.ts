import { md4, Rc4 } from "../../provider/src/winrm/ntlm";

describe("md4 (RFC 1320 appendix A.5 test suite)", () => {
  const suite: Array<[string, string]> = [
    ["", "31d6cfe0d16ae931b73c59d7e0c089c0"],
    ["a", "bde52cb31de33e46245e05fbdbd6fb24"],
    ["abc", "a448017aaf21d8525fc10ae87aa6729d"],
    ["message digest", "d9130a8164549fe818874806e1c7014b"],
    ["abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"],
    ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4"],
    ["1234567890".repeat(8), "e33b4ddc9c38f2199c3e7b164fcc0536"],
  ];
  it.each(suite)("MD4(%j)", (input, digest) => {
    expect(md4(Buffer.from(input, "ascii")).toString("hex")).toBe(digest);
  });

  it("handles inputs around the 55/56/64-byte padding boundaries consistently", () => {
    // Lengths where padding spills into an extra block; digests must all differ and be 16 bytes.
    const seen = new Set<string>();
    for (const n of [54, 55, 56, 57, 63, 64, 65, 119, 120]) {
      const d = md4(Buffer.alloc(n, 0x61));
      expect(d).toHaveLength(16);
      seen.add(d.toString("hex"));
    }
    expect(seen.size).toBe(9);
  });

  it("computes the NT hash of 'Password' from MS-NLMP 4.2.1", () => {
    expect(md4(Buffer.from("Password", "utf16le")).toString("hex")).toBe("a4f49c406510bdcab6824ee7c30fd852");
  });
});

describe("Rc4", () => {
  it.each([
    ["Key", "Plaintext", "bbf316e8d940af0ad3"],
    ["Wiki", "pedia", "1021bf0420"],
    ["Secret", "Attack at dawn", "45a01f645fc35b383552544b9bf5"],
  ])("classic vector key=%j plaintext=%j", (key, plain, cipher) => {
    expect(new Rc4(Buffer.from(key)).update(Buffer.from(plain)).toString("hex")).toBe(cipher);
  });

  // RFC 6229 section 2: keystream for key 0x0102030405 at selected offsets.
  const rfc6229Key40: Array<[number, string]> = [
    [0x0000, "b2396305f03dc027ccc3524a0a1118a8"],
    [0x0010, "6982944f18fc82d589c403a47a0d0919"],
    [0x00f0, "28cb1132c96ce286421dcaadb8b69eae"],
    [0x0100, "1cfcf62b03eddb641d77dfcf7f8d8c93"],
    [0x01f0, "42b7d0cdd918a8a33dd51781c81f4041"],
    [0x0200, "6459844432a7da923cfb3eb4980661f6"],
    [0x02f0, "ec10327bde2beefd18f9277680457e22"],
    [0x0300, "eb62638d4f0ba1fe9fca20e05bf8ff2b"],
    [0x03f0, "45129048e6a0ed0b56b490338f078da5"],
    [0x0400, "30abbcc7c20b01609f23ee2d5f6bb7df"],
    [0x05f0, "3294f744d8f9790507e70f62e5bbceea"],
    [0x0600, "d8729db41882259bee4f825325f5a130"],
    [0x07f0, "1eb14a0c13b3bf47fa2a0ba93ad45b8b"],
    [0x0800, "cc582f8ba9f265e2b1be9112e975d2d7"],
    [0x0bf0, "f2e30f9bd102ecbf75aaade9bc35c43c"],
    [0x0c00, "ec0e11c479dc329dc8da7968fe965681"],
    [0x0ff0, "068326a2118416d21f9d04b2cd1ca050"],
    [0x1000, "ff25b58995996707e51fbdf08b34d875"],
  ];

  it("matches RFC 6229 keystream offsets for the 40-bit key 0102030405", () => {
    const keystream = new Rc4(Buffer.from("0102030405", "hex")).update(Buffer.alloc(0x1010));
    for (const [offset, hex] of rfc6229Key40) {
      expect(keystream.subarray(offset, offset + 16).toString("hex")).toBe(hex);
    }
  });

  it("is stateful: chunked updates continue one keystream", () => {
    const key = Buffer.from("0102030405", "hex");
    const whole = new Rc4(key).update(Buffer.alloc(300));
    const chunked = new Rc4(key);
    const parts = [chunked.update(Buffer.alloc(7)), chunked.update(Buffer.alloc(0)), chunked.update(Buffer.alloc(293))];
    expect(Buffer.concat(parts).equals(whole)).toBe(true);
  });

  it("rejects an empty key", () => {
    expect(() => new Rc4(Buffer.alloc(0))).toThrow(RangeError);
  });
});
