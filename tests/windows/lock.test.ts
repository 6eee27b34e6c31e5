import { activeHostLocks, hostLockKey, withHostLock } from "../../provider/src/windows";

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

  test("hostLockKey folds case and includes the port", () => {
    expect(hostLockKey("SRV01.corp.test", 5985)).toBe("srv01.corp.test:5985");
    expect(hostLockKey("127.0.0.1", 1)).not.toBe(hostLockKey("127.0.0.1", 2));
  });
});
