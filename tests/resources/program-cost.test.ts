// What a program pays to declare resources: each kind's provider shim is serialised once
// per program run, not once per resource. Serialising walks the shim's closure through
// the V8 inspector (≈ 7 ms of CPU each); Pulumi caches the text by the provider object's
// identity, so a new shim object per resource paid it for every resource of a fleet, on
// every preview and up. Runs the resources' constructors under Pulumi's mock runtime.
import * as pulumi from "@pulumi/pulumi";
import * as serializeClosure from "@pulumi/pulumi/runtime/closure/serializeClosure";
import { CredSSPClient, CredSSPServer, DelegationPolicy, TrustedHosts } from "../../provider/src";

jest.setTimeout(60_000);

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: (args) => args.inputs,
    },
    "program-cost",
    "test",
    false,
  );
});

test("each kind's provider is serialised once, however many resources declare it", async () => {
  const serialise = jest.spyOn(serializeClosure, "serializeFunction");
  const connection = { host: "127.0.0.1", port: 5985, user: "admin", password: "not-used" };
  const declared: pulumi.Resource[] = [];
  for (let i = 0; i < 5; i++) {
    const next = `node${i + 1}.fleet.test`;
    declared.push(
      new CredSSPServer(`server-${i}`, { connection }),
      new CredSSPClient(`client-${i}`, { connection, delegateComputers: [next] }),
      new DelegationPolicy(`policy-${i}`, { connection, allowFreshCredentials: [`WSMAN/${next}`] }),
      new TrustedHosts(`trusted-${i}`, { connection, hosts: [next] }),
    );
  }
  // Every resource still carries its serialised provider (what the engine stores as __provider).
  const ids = await Promise.all(declared.map((r) => new Promise<string>((resolve) => (r as pulumi.CustomResource).id.apply(resolve))));
  expect(ids).toHaveLength(20);
  expect(serialise).toHaveBeenCalledTimes(4);
  serialise.mockRestore();
});
