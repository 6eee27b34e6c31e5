// Engine values in and out: secrets are unwrapped with their paths remembered and wrapped
// again (the password always), special values the plugin does not take are refused, and
// undefined never reaches a Struct.
import { structproto } from "../../provider/src/plugin/rpc";
import { fromStruct, toStruct, withSecrets } from "../../provider/src/plugin/values";

const SIG = "4dabf18193072939515e22adb298388d";
const secret = (value: unknown) => ({ [SIG]: "1b47061264138c4ac30d75fd1eb44270", value });

describe("plugin values", () => {
  it("unwraps secrets at any depth and remembers where they were", () => {
    const s = structproto.Struct.fromJavaScript({ connection: { host: "h", password: secret("pw") }, hosts: [secret("a"), "b"], all: secret({ x: 1 }) } as any);
    const { value, secrets } = fromStruct(s);
    expect(value).toEqual({ connection: { host: "h", password: "pw" }, hosts: ["a", "b"], all: { x: 1 } });
    expect(secrets.map((p) => p.join(".")).sort()).toEqual(["all", "connection.password", "hosts.0"]);
  });

  it("refuses assets, archives and resource references", () => {
    const s = structproto.Struct.fromJavaScript({ file: { [SIG]: "c44067f5952c0a294b673a41bacd8c17", text: "x" } } as any);
    expect(() => fromStruct(s)).toThrow(/file: assets, archives, resource references and output values are not accepted here/);
  });

  it("wraps the remembered paths, skips absent ones and paths inside a value already secret", () => {
    expect(withSecrets({ a: { b: 1, c: 2 }, d: [1, 2] }, [["a"], ["a", "b"], ["d", 1], ["missing", "x"]])).toEqual({ a: secret({ b: 1, c: 2 }), d: [1, secret(2)] });
  });

  it("always wraps the connection's password, and drops undefined", () => {
    const out = toStruct({ connection: { host: "h", password: "pw", port: undefined }, list: [undefined, "x"] }).toJavaScript();
    expect(out).toEqual({ connection: { host: "h", password: secret("pw") }, list: [null, "x"] });
  });
});
