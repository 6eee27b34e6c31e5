// Programmatic API of the simulated Windows host (contract D).

import { channelBindingsHash } from "../../provider/src/winrm/ntlm";
import { Authenticator } from "./auth";
import { HostFaults } from "./faults";
import { Listener, startListener } from "./http-server";
import { HostIdentity } from "./identity";
import { ShellManager } from "./shell";
import { SimState } from "./state";
import { certDer, certSha256, certThumbprintSha1, generateSelfSigned } from "./tls";
import { ListenerInfo, WsmanService } from "./wsman-service";

export { SimState, StateError } from "./state";
export type { Hive, RegType, RegValue } from "./registry";
export { HostIdentity } from "./identity";

export interface StartHostOptions {
  /** FQDN, e.g. "srv01.corp.test". */
  hostname: string;
  /** "127.0.0.1:0" (port 0 = ephemeral); default "127.0.0.1:0"; false = no HTTP listener. */
  http?: string | false;
  /** Default false (no HTTPS listener). */
  https?: string | false;
  users: Array<{ name: string; password: string; admin?: boolean }>;
  /** Persisted JSON; absent = in-memory only. */
  stateFile?: string;
  /** WSMan paths, e.g. { "Service/Auth/Basic": "true" }, applied at start. */
  set?: Record<string, string>;
}

export interface SimHost {
  hostname: string;
  httpUrl?: string;
  httpsUrl?: string;
  certSha256?: string;
  certPem?: string;
  /** HTTP requests received (all, incl. 401 handshakes). */
  readonly requestCount: number;
  /** Live state, for out-of-band changes by tests/demo. */
  state: SimState;
  faults: HostFaults;
  /** Closes the listeners and flushes the state. */
  stop(): Promise<void>;
}

export async function startHost(opts: StartHostOptions): Promise<SimHost> {
  if (!/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(opts.hostname)) {
    throw new Error(`hostname must be a DNS name, got "${opts.hostname}"`);
  }
  const identity = new HostIdentity(opts.hostname, opts.users);
  const state = new SimState(opts.stateFile);
  const setEntries = Object.entries(opts.set ?? {});
  if (setEntries.length > 0) state.setConfigMany(setEntries);

  const shells = new ShellManager(identity);
  const listeners: Listener[] = [];
  const listenerInfo: ListenerInfo[] = [];
  const service = new WsmanService(identity, state, shells, () => listenerInfo);
  const faults = new HostFaults(() => {
    for (const l of listeners) l.dropConnections();
    shells.clear();
    service.reset();
  });
  let requestCount = 0;

  let certPem: string | undefined;
  let bindings: Buffer | undefined;
  if (opts.https) {
    if (!state.tls) state.setTls(generateSelfSigned(opts.hostname));
    certPem = state.tls!.certPem;
    bindings = channelBindingsHash(certDer(certPem));
  }
  const auth = new Authenticator(identity, state, bindings);
  const deps = { auth, service, state, faults, countRequest: () => void requestCount++ };

  let httpUrl: string | undefined;
  let httpsUrl: string | undefined;
  try {
    const httpAddr = opts.http === undefined ? "127.0.0.1:0" : opts.http;
    if (httpAddr) {
      const l = await startListener("http", httpAddr, deps);
      listeners.push(l);
      httpUrl = l.url;
      listenerInfo.push({ transport: "HTTP", port: Number(new URL(l.url).port), listeningOn: new URL(l.url).hostname });
    }
    if (opts.https) {
      const l = await startListener("https", opts.https, deps, state.tls);
      listeners.push(l);
      httpsUrl = l.url;
      listenerInfo.push({
        transport: "HTTPS",
        port: Number(new URL(l.url).port),
        listeningOn: new URL(l.url).hostname,
        certificateThumbprint: certThumbprintSha1(certPem!),
      });
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    throw err;
  }

  let stopped = false;
  return {
    hostname: opts.hostname,
    httpUrl,
    httpsUrl,
    certPem,
    certSha256: certPem ? certSha256(certPem) : undefined,
    get requestCount() {
      return requestCount;
    },
    state,
    faults,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(listeners.map((l) => l.close()));
      shells.clear();
      state.save();
    },
  };
}

/** Many hosts in one process, each on its own port(s) (demos, fleet benchmarks). */
export async function startHosts(list: StartHostOptions[]): Promise<SimHost[]> {
  const started: SimHost[] = [];
  try {
    for (const o of list) started.push(await startHost(o));
  } catch (err) {
    await Promise.all(started.map((h) => h.stop()));
    throw err;
  }
  return started;
}

/** The ready-line fields for one host (CLI output). */
export function readyInfo(h: SimHost): Record<string, string | boolean> {
  const info: Record<string, string | boolean> = { ready: true, hostname: h.hostname };
  if (h.httpUrl) info.http = h.httpUrl;
  if (h.httpsUrl) info.https = h.httpsUrl;
  if (h.certSha256) info.certSha256 = h.certSha256;
  return info;
}
