import { activeHostLocks, hostIdentity, hostLockKey, withHostLock } from "../../provider/src/windows";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("withHostLock", () => {
  test("serialises read-modify-write on one host (no lost update)", async () => {
    let shared = 0;
    const bump = () =>
      withHostLock("srv01:5985", async () => {
        const read = shared;
        await tick();
        shared = read + 1;
      });
    await Promise.all([bump(), bump(), bump(), bump()]);
    expect(shared).toBe(4);
    expect(activeHostLocks()).toBe(0);
  });

  test("the lock is per host: the same read-modify-write under three different keys loses updates", async () => {
    // The control for the test above: if withHostLock serialised everything (or
    // nothing), one of the two would fail.
    let shared = 0;
    const bump = (hostId: string) =>
      withHostLock(hostId, async () => {
        const read = shared;
        await tick();
        shared = read + 1;
      });
    await Promise.all([bump("h1:5985"), bump("h2:5985"), bump("h3:5985")]);
    expect(shared).toBe(1);
    expect(activeHostLocks()).toBe(0);
  });

  test("different hosts run in parallel; waiters run in FIFO order", async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a1 = withHostLock("a", async () => {
      await gate;
      order.push("a1");
    });
    const a2 = withHostLock("a", async () => void order.push("a2"));
    const b = withHostLock("b", async () => void order.push("b"));
    await b;
    expect(order).toEqual(["b"]);
    release();
    await Promise.all([a1, a2]);
    expect(order).toEqual(["b", "a1", "a2"]);
  });

  test("a failing holder releases the lock", async () => {
    await expect(withHostLock("c", async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    await expect(withHostLock("c", async () => 42)).resolves.toBe(42);
  });

  test("re-entering the same host from inside the lock does not deadlock", async () => {
    const result = await withHostLock("d", () => withHostLock("d", async () => "inner"));
    expect(result).toBe("inner");
  });

  test("item 16: the fallback key is the host name alone (no port), case-folded, without brackets or a trailing dot", () => {
    expect(hostLockKey("SRV01.corp.test")).toBe("name:srv01.corp.test");
    expect(hostLockKey("srv01.corp.test.")).toBe(hostLockKey("srv01.CORP.test"));
    expect(hostLockKey("[::1]")).toBe(hostLockKey("::1"));
  });

  test("item 16: the host identity is the MachineGuid, read with one StdRegProv call; absent → undefined", async () => {
    const calls: unknown[] = [];
    const api = (answer: Record<string, string>) => ({
      get: async () => ({}),
      put: async () => ({}),
      invoke: async (_uri: string, method: string, input: unknown) => {
        calls.push([method, input]);
        return answer;
      },
    });
    expect(await hostIdentity(api({ sValue: "8A6B2C1D-0000-4000-8000-ABCDEF012345", ReturnValue: "0" }))).toBe(
      "machine:8a6b2c1d-0000-4000-8000-abcdef012345",
    );
    expect(calls).toEqual([["GetStringValue", expect.objectContaining({ sSubKeyName: "SOFTWARE\\Microsoft\\Cryptography", sValueName: "MachineGuid" })]]);
    expect(await hostIdentity(api({ ReturnValue: "1" }))).toBeUndefined();
    expect(await hostIdentity(api({ ReturnValue: "5" }))).toBeUndefined();
  });
});
