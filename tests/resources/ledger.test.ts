// The ownership ledger on its own, against a simulated host through the real client:
// how it is stored, how two writers' changes merge, how a lost update is detected
// and retried, and the one interleaving that remains (documented in the README).
// The ledger is read back through testkit's out-of-band reader, not through HostLedger.
import { WinRMClient } from "../../provider/src/winrm";
import { LEDGER_KEY, LEDGER_VALUE } from "../../provider/src/windows";
import type { WsmanHostApi } from "../../provider/src/windows";
import { HostLedger, parseLedger } from "../../provider/src/resources/ledger";
import { FleetHost, liveSnapshot, startFleetHost } from "../../testkit/fleet";
import { oob, ownersOf } from "../../testkit/out-of-band";

jest.setTimeout(60_000);

const S = "wsman:Service/Auth/CredSSP";

describe("the ownership ledger", () => {
  let host: FleetHost;
  let clients: WinRMClient[] = [];
  const client = (): WinRMClient => {
    const c = host.client();
    clients.push(c);
    return c;
  };
  beforeEach(async () => {
    host = await startFleetHost("ws01.corp.test");
  });
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
    await host.sim.stop();
  });

  it("is one REG_SZ of JSON under HKLM\\SOFTWARE\\pulumi-credssp, and the key goes with its last owner", async () => {
    const before = await liveSnapshot(host);
    const a = await HostLedger.load(client(), "urn:a#1");
    a.declare(S, true, { before: false });
    await a.commit();
    expect(await oob(host).ledger()).toEqual({ format: 1, subjects: { [S]: { before: false, owners: { "urn:a#1": true } } } });

    const again = await HostLedger.load(client(), "urn:a#1");
    expect(again.withdraw(S)).toMatchObject({ mine: true, remaining: [], record: { before: false } });
    await again.commit();
    expect(await oob(host).ledger()).toBeUndefined();
    expect(await liveSnapshot(host)).toEqual(before); // no key, no value left behind
  });

  it("merges two owners loaded at the same time; the first record's prior is kept", async () => {
    const a = await HostLedger.load(client(), "urn:a#1");
    const b = await HostLedger.load(client(), "urn:b#2");
    a.declare(S, true, { before: false });
    b.declare(S, true, { before: true, adopted: true }); // b saw a's write, not the original value
    await a.commit();
    await b.commit();
    const ledger = await oob(host).ledger();
    expect(ownersOf(ledger, S)).toEqual(["urn:a#1", "urn:b#2"]);
    expect(ledger?.subjects[S].before).toBe(false);
    expect(ledger?.subjects[S].adopted).toBeUndefined();
  });

  it("a healed claim's real prior replaces an adoption recorded after it (a lost commit)", async () => {
    const b = await HostLedger.load(client(), "urn:b#2");
    b.declare(S, true, { before: true, adopted: true });
    await b.commit();
    const a = await HostLedger.load(client(), "urn:a#1");
    a.declare(S, true, { before: false }, { heal: true });
    await a.commit();
    expect((await oob(host).ledger())?.subjects[S]).toEqual({ before: false, owners: { "urn:b#2": true, "urn:a#1": true } });
  });

  it("withdrawing the last owner while another process joins keeps the joiner's record", async () => {
    const a = await HostLedger.load(client(), "urn:a#1");
    a.declare(S, true, { before: false });
    await a.commit();
    const leaving = await HostLedger.load(client(), "urn:a#1");
    const joining = await HostLedger.load(client(), "urn:b#2");
    joining.declare(S, true, { before: true, adopted: true });
    expect(leaving.withdraw(S).remaining).toEqual([]); // in its view, a is the last
    await joining.commit();
    await leaving.commit();
    expect((await oob(host).ledger())?.subjects[S]).toEqual({ before: false, owners: { "urn:b#2": true } });
  });

  it("two owners leaving at once, each seeing the other: the write that removes the last owner reports it, to restore", async () => {
    const a = await HostLedger.load(client(), "urn:a#1");
    a.declare(S, true, { before: false });
    await a.commit();
    const b = await HostLedger.load(client(), "urn:b#2");
    b.declare(S, true, { before: true, adopted: true });
    await b.commit();
    const aLeaving = await HostLedger.load(client(), "urn:a#1");
    const bLeaving = await HostLedger.load(client(), "urn:b#2");
    expect(aLeaving.withdraw(S).remaining).toEqual([true]); // each restores nothing: the other remains
    expect(bLeaving.withdraw(S).remaining).toEqual([true]);
    expect(await aLeaving.commit()).toEqual([]);
    expect(await bLeaving.commit()).toEqual([{ subject: S, mine: true, record: { before: false, owners: { "urn:b#2": true } } }]);
    expect(await oob(host).ledger()).toBeUndefined();
  });

  it("a write that another process overwrites before the read-back is detected and merged again", async () => {
    // B read the ledger before A wrote, and writes its own version right after A's
    // write lands: A's read-back lacks A's change, so A merges into B's and writes again.
    const stale = await HostLedger.load(client(), "urn:b#2");
    stale.declare("key:SOFTWARE\\x", true, { before: null });
    let injected = false;
    const real = client();
    const racing: WsmanHostApi = {
      get: (...args) => real.get(...args),
      put: (...args) => real.put(...args),
      invoke: async (uri, method, input) => {
        const out = await real.invoke(uri, method, input);
        if (!injected && method === "SetStringValue" && input.sValueName === LEDGER_VALUE) {
          injected = true;
          await stale.commit(); // B: re-read (sees A), merge, write, read back — fine for B
          await new WinRMClient({ host: "127.0.0.1", port: host.port, auth: "ntlm", username: "admin", password: host.connection.password })
            .invoke(uri, "SetStringValue", { ...input, sValue: JSON.stringify({ format: 1, subjects: { "key:SOFTWARE\\x": { before: null, owners: { "urn:b#2": true } } } }) })
            .then(() => undefined);
        }
        return out;
      },
    };
    const a = await HostLedger.load(racing, "urn:a#1");
    a.declare(S, true, { before: false });
    await a.commit();
    expect(injected).toBe(true);
    const ledger = await oob(host).ledger();
    expect(ownersOf(ledger, S)).toEqual(["urn:a#1"]);
    expect(ownersOf(ledger, "key:SOFTWARE\\x")).toEqual(["urn:b#2"]);
  });

  it("what remains: a write landing between another writer's re-read and its write is lost to it (the README's window)", async () => {
    // A re-reads, B commits completely (re-read, write, read back), then A writes the
    // merge of what it re-read: B's change is gone and B cannot see it. Pinned so the
    // README's statement of the window stays true; the next operation of B heals it
    // from B's state.
    const b = await HostLedger.load(client(), "urn:b#2");
    b.declare("key:SOFTWARE\\x", true, { before: null });
    const real = client();
    let reads = 0;
    const interleaved: WsmanHostApi = {
      get: (...args) => real.get(...args),
      put: (...args) => real.put(...args),
      invoke: async (uri, method, input) => {
        const out = await real.invoke(uri, method, input);
        if (method === "GetStringValue" && input.sValueName === LEDGER_VALUE && ++reads === 2) await b.commit();
        return out;
      },
    };
    const a = await HostLedger.load(interleaved, "urn:a#1");
    a.declare(S, true, { before: false });
    await a.commit();
    const ledger = await oob(host).ledger();
    expect(ownersOf(ledger, S)).toEqual(["urn:a#1"]);
    expect(ownersOf(ledger, "key:SOFTWARE\\x")).toEqual([]);
  });

  it("refuses a ledger it cannot read rather than start over", () => {
    expect(() => parseLedger("{not json")).toThrow(/HKLM\\SOFTWARE\\pulumi-credssp\\Ledger is not valid JSON/);
    expect(() => parseLedger(JSON.stringify({ format: 2, subjects: {} }))).toThrow(/newer pulumi-credssp \(format 2\)/);
    expect(() => parseLedger(JSON.stringify({ hello: 1 }))).toThrow(/does not hold a pulumi-credssp ledger/);
    expect(parseLedger(undefined)).toEqual({ format: 1, subjects: {} });
    expect(LEDGER_KEY).toBe("SOFTWARE\\pulumi-credssp");
  });
});
