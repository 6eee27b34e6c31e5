// Programmatic API of the simulated Windows host (contract D).

import { channelBindingsHash } from "../../provider/src/winrm/ntlm";
import { Authenticator } from "./auth";
import { NonceLog } from "./credssp";
import { HostFaults } from "./faults";
import { DEFAULT_LIMITS, Listener, startListener } from "./http-server";
import type { ListenerLimits } from "./http-server";
import { HostIdentity } from "./identity";
import { HostKerberos } from "./kerberos";
import { DirectoryEntry, HostDirectory } from "./host-directory";
import type { AccountSpec } from "./identity";
import { ShellManager } from "./shell";
import { RequestChain } from "./request-chain";
import { isPowerShellCommand, runPowerShellExe } from "./powershell/exe";
import { SmbServer, startSmbServer } from "./smb/server";
import { SimState } from "./state";
import type { AuthenticatedSession } from "./session";
import { certDer, certSha256, certThumbprintSha1, generateSelfSigned } from "./tls";
import { ListenerInfo, ReceivedOperation, WsmanService } from "./wsman-service";

export { SimState, StateError } from "./state";
export type { Hive, RegType, RegValue } from "./registry";
export { HostIdentity } from "./identity";
export { HostDirectory } from "./host-directory";
export { DelegatedCredentials } from "./session";
export type { AuthenticatedSession, AuthScheme } from "./session";
export { DEFAULT_LIMITS } from "./http-server";
export type { ListenerLimits } from "./http-server";
export type { ReceivedOperation } from "./wsman-service";

export interface StartHostOptions {
  /** FQDN, e.g. "srv01.corp.test". */
  hostname: string;
  /** "127.0.0.1:0" (port 0 = ephemeral); default "127.0.0.1:0"; false = no HTTP listener. */
  http?: string | false;
  /** Default false (no HTTPS listener). */
  https?: string | false;
  /** Local accounts; the built-in Administrator is the one marked `builtin`, else the first admin. */
  users: AccountSpec[];
  /** Persisted JSON; absent = in-memory only. */
  stateFile?: string;
  /** WSMan paths, e.g. { "Service/Auth/Basic": "true" }, applied at start. */
  set?: Record<string, string>;
  /**
   * Shares this host serves over SMB (name → absolute folder): a real Samba smbd on a
   * loopback port, with the host's users as its accounts. Also its local C:\Shares\<name>.
   */
  shares?: Record<string, string>;
  /**
   * A keytab holding HTTP/<hostname> (and WSMAN/<hostname>) keys, as `kadmin ktadd` or
   * `ktpass` exports them: the host then accepts Kerberos from that realm's users, mapped
   * to the local account of the same name. Without it Kerberos is advertised but refused.
   */
  keytab?: string;
  /** The hosts this one can reach by name; startHosts gives all its hosts one directory. */
  directory?: HostDirectory;
  /**
   * The MS-CSSP version the host's CredSSP speaks: 6 (default) on Windows patched for
   * CVE-2018-0886, 2-4 on older hosts (2 until Server 2012, 3 on 2012 R2).
   */
  credsspVersion?: number;
  /** Connection limits of the listeners (defaults: DEFAULT_LIMITS in http-server.ts). */
  limits?: Partial<ListenerLimits>;
}

export interface SimHost {
  hostname: string;
  httpUrl?: string;
  httpsUrl?: string;
  certSha256?: string;
  certPem?: string;
  /** HTTP requests received (all, incl. 401 handshakes). */
  readonly requestCount: number;
  /** The Kerberos realm of the host's keytab, when it has one. */
  kerberosRealm?: string;
  /**
   * The longest chain of requests that followed one another (each arriving after the
   * previous one was answered) since its last reset: what bounds the host's time below
   * when latency is injected (`faults.latencyMs`). For benchmarks.
   */
  readonly requestChain: Pick<RequestChain, "longest" | "reset">;
  /**
   * Calls `fn` with every WS-Management operation the host receives from now on (those
   * that reach the service: a handshake's 401 round trips are in requestCount only);
   * returns the way to stop. For benchmarks and audits.
   */
  observe(fn: (op: ReceivedOperation) => void): () => void;
  /** Live state, for out-of-band changes by tests/demo. */
  state: SimState;
  faults: HostFaults;
  /**
   * The sessions of the open, connection-authenticated WinRM connections: each one's
   * account, scheme and, for CredSSP, `delegatedCredentials` (in memory only).
   */
  sessions(): AuthenticatedSession[];
  /** The host's smbd when it has shares: its address and log (auth and share-access audit). */
  smb?: Pick<SmbServer, "host" | "port" | "logFile" | "log">;
  /** Closes the listeners, stops smbd and flushes the state. */
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

  const credsspVersion = opts.credsspVersion ?? 6;
  if (!Number.isInteger(credsspVersion) || credsspVersion < 2 || credsspVersion > 6) {
    throw new Error(`credsspVersion must be 2-6, got ${String(opts.credsspVersion)}`);
  }
  const directory = opts.directory ?? new HostDirectory();
  // Peers read the version a host's CredSSP speaks (the CVE-2018-0886 rule) from here.
  const entry: DirectoryEntry = { identity, state, credsspVersion, shares: { ...(opts.shares ?? {}) } };
  const shells = new ShellManager(identity, {
    matches: isPowerShellCommand,
    run: (line, caller, environment) =>
      runPowerShellExe(line, {
        identity,
        environment,
        state,
        directory,
        self: entry,
        user: caller.account.name,
        credentials: caller.session?.delegatedCredentials
          ? { domain: caller.session.delegatedCredentials.domain, user: caller.session.delegatedCredentials.user, password: caller.session.delegatedCredentials.password }
          : undefined,
      }),
  });
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
  const kerberos = opts.keytab
    ? HostKerberos.load(opts.keytab, identity, {
        httpsChannelBindings: bindings,
        cbtHardeningLevel: () => state.getConfig("Service/Auth/CbtHardeningLevel"),
        now: () => faults.now(),
      })
    : undefined;
  entry.kerberos = kerberos;
  const auth = new Authenticator(identity, state, bindings, {
    identity,
    version: credsspVersion,
    nonces: new NonceLog(),
    kerberos,
    // Made at the first CredSSP handshake, then kept in the state file like the HTTPS certificate.
    material: () => {
      if (!state.credsspTls) state.setCredsspTls(generateSelfSigned(opts.hostname));
      return state.credsspTls!;
    },
  }, kerberos);
  const chain = new RequestChain();
  const deps = {
    auth,
    service,
    state,
    faults,
    countRequest: () => {
      requestCount++;
      return chain.begin();
    },
  };

  let httpUrl: string | undefined;
  let httpsUrl: string | undefined;
  let smb: SmbServer | undefined;
  const limits: ListenerLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  try {
    const httpAddr = opts.http === undefined ? "127.0.0.1:0" : opts.http;
    if (httpAddr) {
      const l = await startListener("http", httpAddr, deps, undefined, limits);
      listeners.push(l);
      httpUrl = l.url;
      listenerInfo.push({ transport: "HTTP", port: Number(new URL(l.url).port), listeningOn: new URL(l.url).hostname });
    }
    if (opts.https) {
      const l = await startListener("https", opts.https, deps, state.tls, limits);
      listeners.push(l);
      httpsUrl = l.url;
      listenerInfo.push({
        transport: "HTTPS",
        port: Number(new URL(l.url).port),
        listeningOn: new URL(l.url).hostname,
        certificateThumbprint: certThumbprintSha1(certPem!),
      });
    }
    if (Object.keys(entry.shares).length > 0) {
      smb = await startSmbServer({ netbiosName: identity.netbiosName, shares: entry.shares, accounts: opts.users });
      entry.smb = { host: smb.host, port: smb.port };
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    throw err;
  }
  if (httpUrl) entry.httpPort = Number(new URL(httpUrl).port);
  if (httpsUrl) entry.httpsPort = Number(new URL(httpsUrl).port);
  entry.certPem = certPem;
  directory.add(entry);

  let stopped = false;
  return {
    hostname: opts.hostname,
    httpUrl,
    httpsUrl,
    certPem,
    certSha256: certPem ? certSha256(certPem) : undefined,
    kerberosRealm: kerberos?.realm,
    get requestCount() {
      return requestCount;
    },
    requestChain: chain,
    observe: (fn) => service.observe(fn),
    state,
    faults,
    smb: smb && { host: smb.host, port: smb.port, logFile: smb.logFile, log: () => smb!.log() },
    sessions: () => listeners.flatMap((l) => l.sessions()),
    async stop() {
      if (stopped) return;
      stopped = true;
      directory.remove(entry);
      await Promise.all([...listeners.map((l) => l.close()), smb?.stop()]);
      shells.clear();
      state.save();
    },
  };
}

/** Many hosts in one process, each on its own port(s) (demos, fleet benchmarks). */
export async function startHosts(list: StartHostOptions[]): Promise<SimHost[]> {
  const started: SimHost[] = [];
  const directory = new HostDirectory();
  try {
    for (const o of list) started.push(await startHost({ directory, ...o }));
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
  if (h.smb) info.smb = `${h.smb.host}:${h.smb.port}`;
  if (h.kerberosRealm) info.kerberosRealm = h.kerberosRealm;
  return info;
}
