// The fleet benchmark's four resources on one host, called through their providers as
// the engine calls them, and a phase of calls run as a new provider process would run
// them. Shared by tests/resources/request-budget.test.ts, which pins what they cost, and
// `npm run bench -- requests` (bench/host-requests.ts), which lists it request by
// request: both measure the same inputs the same way.
import {
  credSSPClientProvider,
  credSSPServerProvider,
  delegationPolicyProvider,
  trustedHostsProvider,
} from "../provider/src/resources";
import { forgetHandedOverLedgers } from "../provider/src/resources/ledger";
import { sessionPool } from "../provider/src/winrm";
import type { ReceivedOperation, SimHost } from "../simulator/src";
import type { FleetHost } from "./fleet";

/** A resource provider as the engine calls it (resources/*.ts). */
export interface ResourceProvider {
  check(olds: unknown, news: Record<string, unknown>): Promise<{ inputs?: unknown; failures?: unknown[] }>;
  create(inputs: any): Promise<{ id: string; outs: any }>;
  read(id: string, props: any): Promise<unknown>;
  update(id: string, olds: any, news: any): Promise<{ outs: any }>;
  delete(id: string, props: any): Promise<void>;
}

/**
 * Each resource as the fleet benchmark declares it (the double hop to a neighbour,
 * srv02), and the inputs of an update adding one more (srv03): [provider, first, second].
 */
export function doubleHopCases(c: FleetHost["connection"]): Record<string, [ResourceProvider, Record<string, unknown>, Record<string, unknown>]> {
  return {
    CredSSPServer: [credSSPServerProvider, { connection: c }, { connection: { ...c, timeoutSeconds: 30 } }],
    CredSSPClient: [
      credSSPClientProvider,
      { connection: c, delegateComputers: ["srv02.corp.test"] },
      { connection: c, delegateComputers: ["srv02.corp.test", "srv03.corp.test"] },
    ],
    DelegationPolicy: [
      delegationPolicyProvider,
      { connection: c, allowFreshCredentials: ["WSMAN/srv02.corp.test"], allowFreshCredentialsWhenNTLMOnly: ["WSMAN/srv02.corp.test"] },
      {
        connection: c,
        allowFreshCredentials: ["WSMAN/srv02.corp.test", "WSMAN/srv03.corp.test"],
        allowFreshCredentialsWhenNTLMOnly: ["WSMAN/srv02.corp.test"],
      },
    ],
    TrustedHosts: [trustedHostsProvider, { connection: c, hosts: ["srv02.corp.test"] }, { connection: c, hosts: ["srv02.corp.test", "srv03.corp.test"] }],
  };
}

/** What `check` returned: its failures, and the inputs as create and update take them (without the engine's `__provider`). */
export async function checkInputs(p: ResourceProvider, news: Record<string, unknown>): Promise<{ failures: unknown[]; inputs: any }> {
  const r = await p.check({}, news);
  const { __provider, ...inputs } = (r.inputs ?? {}) as Record<string, unknown>;
  void __provider;
  return { failures: r.failures ?? [], inputs };
}

/**
 * Runs `op` as it runs at the start of a run (a new provider process: no pooled session,
 * no ledger handed over) and returns its result, the HTTP requests the host received
 * (handshakes included), and the WS-Management operations among them, in order.
 */
export async function asNewProcess<T>(sim: SimHost, op: () => Promise<T>): Promise<{ result: T; requests: number; seen: ReceivedOperation[] }> {
  sessionPool.closeAll();
  forgetHandedOverLedgers();
  const seen: ReceivedOperation[] = [];
  const stop = sim.observe((o) => seen.push(o));
  const before = sim.requestCount;
  try {
    const result = await op();
    return { result, requests: sim.requestCount - before, seen };
  } finally {
    stop();
  }
}
