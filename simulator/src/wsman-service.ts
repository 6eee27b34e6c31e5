// Routes an authenticated WS-Management request to the resource that handles it and
// wraps the answer in the envelope Windows would send (or a fault, with HTTP 500).

import { configGetBody, configPut, resolveConfigResource } from "./config-resource";
import type { Account, HostIdentity } from "./identity";
import type { AuthenticatedSession } from "./session";
import type { ShellManager } from "./shell";
import { SHELL_URI } from "./shell";
import { Enumerations } from "./enumeration";
import { ACTIONS, envelope, escapeXml, FAULTS, FaultError, faultEnvelope, parseRequest, Prefix, SoapParseError, WsmanFault, WsmanRequest } from "./soap";
import type { SimState } from "./state";
import { invokeStdRegProv, registryCallTarget, STDREGPROV_URI } from "./stdregprov";

/** One WinRM listener as `winrm enumerate winrm/config/listener` reports it. */
export interface ListenerInfo {
  transport: "HTTP" | "HTTPS";
  port: number;
  listeningOn: string;
  certificateThumbprint?: string;
}

const LISTENER_URI = "http://schemas.microsoft.com/wbem/wsman/1/config/listener";
const SHELL_ENUM_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell";

export interface RequestContext {
  account: Account;
  /** The authenticated session: its scheme and, for CredSSP, the delegated credentials. */
  session?: AuthenticatedSession;
  clientIp: string;
  /** The listener URL the client used, echoed in a:Address of ResourceCreated. */
  listenerUrl: string;
  /** The host name or address the client used (Host header without port), for Machine=. */
  machine: string;
}

export interface ServiceReply {
  status: 200 | 500;
  xml: string;
}

const PREFIX = {
  transfer: ["s", "a", "x", "w", "p"] as Prefix[],
  delete: ["s", "a", "w", "p"] as Prefix[],
  shell: ["s", "a", "x", "w", "rsp", "p"] as Prefix[],
  receive: ["s", "a", "w", "rsp", "p"] as Prefix[],
  enumeration: ["s", "a", "n", "w", "p"] as Prefix[],
};

const malformed = (): WsmanFault => ({
  // ERROR_WSMAN_INVALID_XML (0x80338043)
  code: "s:Sender",
  subcode: "w:SchemaValidationError",
  reason: "The WS-Management service cannot process the request because the XML is invalid. ",
  wsmanCode: 2150858819,
  message: "The WS-Management service cannot process the request because the XML is invalid. ",
});

/**
 * A WS-Management operation as the host received it: a log for benchmarks and audits
 * (what a run does on a host), not Windows behaviour.
 */
export interface ReceivedOperation {
  /** The action URI's last segment: Get, Put, Create, Command…; for a WMI method, the method (EnumKey, SetStringValue…). */
  action: string;
  resourceUri: string;
  /** A StdRegProv call: the key and value it names. */
  registry?: { hive: string; key: string; value?: string };
}

export class WsmanService {
  private readonly observers = new Set<(op: ReceivedOperation) => void>();

  constructor(
    private readonly identity: HostIdentity,
    private readonly state: SimState,
    private readonly shells: ShellManager,
    private readonly listeners: () => ListenerInfo[] = () => [],
    private readonly enumerations = new Enumerations(),
  ) {}

  /** Calls `fn` with every well-formed operation received from now on; returns the way to stop. */
  observe(fn: (op: ReceivedOperation) => void): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  private report(req: WsmanRequest): void {
    const action = req.action.slice(req.action.lastIndexOf("/") + 1);
    const op: ReceivedOperation = { action, resourceUri: req.resourceUri };
    if (req.resourceUri.toLowerCase() === STDREGPROV_URI.toLowerCase()) op.registry = registryCallTarget(req.body);
    for (const fn of this.observers) fn(op);
  }

  /** "Service restart": open enumerations are forgotten. */
  reset(): void {
    this.enumerations.clear();
  }

  private listenerItems(): string[] {
    return this.listeners().map(
      (l) =>
        `<cfg:Listener xmlns:cfg="${LISTENER_URI}"><cfg:Address>*</cfg:Address><cfg:Transport>${l.transport}</cfg:Transport>` +
        `<cfg:Port>${l.port}</cfg:Port><cfg:Hostname>${l.transport === "HTTPS" ? escapeXml(this.identity.fqdn) : ""}</cfg:Hostname>` +
        `<cfg:Enabled>true</cfg:Enabled><cfg:URLPrefix>wsman</cfg:URLPrefix>` +
        `<cfg:CertificateThumbprint>${l.certificateThumbprint ?? ""}</cfg:CertificateThumbprint>` +
        `<cfg:ListeningOn>${escapeXml(l.listeningOn)}</cfg:ListeningOn></cfg:Listener>`,
    );
  }

  /** The system environment variables a Windows host defines (for REG_EXPAND_SZ values). */
  private environment(): Record<string, string> {
    return {
      SystemRoot: "C:\\Windows",
      windir: "C:\\Windows",
      SystemDrive: "C:",
      ProgramFiles: "C:\\Program Files",
      ProgramData: "C:\\ProgramData",
      COMPUTERNAME: this.identity.netbiosName,
    };
  }

  private fault(fault: WsmanFault, relatesTo: string, machine: string): ServiceReply {
    // Windows fills Machine= with the name the client addressed it by (an IP address in the
    // captures when the client used one), so it follows the request's Host header.
    return { status: 500, xml: faultEnvelope(fault, relatesTo, machine || this.identity.fqdn) };
  }

  async handle(xml: string, ctx: RequestContext): Promise<ServiceReply> {
    let req: WsmanRequest;
    try {
      req = parseRequest(xml);
    } catch (err) {
      if (err instanceof SoapParseError) return this.fault(malformed(), "", ctx.machine);
      throw err;
    }
    if (this.observers.size > 0) this.report(req);
    try {
      return await this.dispatch(req, ctx);
    } catch (err) {
      if (err instanceof FaultError) return this.fault(err.fault, req.messageId, ctx.machine);
      throw err;
    }
  }

  private reply(req: WsmanRequest, action: string, prefixes: Prefix[], body: string): ServiceReply {
    return { status: 200, xml: envelope({ prefixes, action, relatesTo: req.messageId, body }) };
  }

  private async dispatch(req: WsmanRequest, ctx: RequestContext): Promise<ServiceReply> {
    // Windows validates the envelope's headers before authorisation and resource lookup.
    if (req.operationTimeoutRaw !== undefined && req.operationTimeoutSec === undefined) {
      throw new FaultError(FAULTS.invalidTimeout(req.operationTimeoutRaw));
    }
    const timeoutSec = req.operationTimeoutSec ?? Number(this.state.getConfig("MaxTimeoutms") ?? "60000") / 1000;

    // Only administrators may use WinRM (RootSDDL grants GA to BUILTIN\Administrators).
    if (!ctx.account.admin) throw new FaultError(FAULTS.accessDenied());

    const uri = req.resourceUri;
    if (req.action === ACTIONS.enumerate || req.action === ACTIONS.pull) {
      const lower = uri.toLowerCase().replace(/\/+$/, "");
      let items: string[];
      if (lower === LISTENER_URI) items = this.listenerItems();
      else if (lower === SHELL_ENUM_URI || lower === SHELL_URI) items = this.shells.list();
      else throw new FaultError(FAULTS.unknownResource());
      const body = req.action === ACTIONS.enumerate ? this.enumerations.enumerate(req.body, items) : this.enumerations.pull(req.body);
      return this.reply(req, `${req.action}Response`, PREFIX.enumeration, body);
    }
    const configRes = resolveConfigResource(uri);
    if (configRes) {
      if (req.action === ACTIONS.get) {
        return this.reply(req, `${ACTIONS.get}Response`, PREFIX.transfer, configGetBody(configRes, this.state));
      }
      if (req.action === ACTIONS.put) {
        return this.reply(req, `${ACTIONS.put}Response`, PREFIX.transfer, configPut(configRes, req.body, this.state));
      }
      throw new FaultError(FAULTS.actionNotSupported(req.action));
    }

    if (uri.toLowerCase() === SHELL_URI) {
      switch (req.action) {
        case ACTIONS.create:
          return this.reply(
            req,
            `${ACTIONS.create}Response`,
            PREFIX.shell,
            this.shells.create(req.body, ctx.account, ctx.clientIp, ctx.listenerUrl),
          );
        case ACTIONS.delete:
          this.shells.delete(req.selectors);
          return this.reply(req, `${ACTIONS.delete}Response`, PREFIX.delete, "");
        case ACTIONS.command:
          return this.reply(req, `${ACTIONS.command}Response`, PREFIX.shell, this.shells.command(req.selectors, req.body, ctx.account, ctx));
        case ACTIONS.receive:
          return this.reply(
            req,
            `${ACTIONS.receive}Response`,
            PREFIX.receive,
            await this.shells.receive(req.selectors, req.body, timeoutSec),
          );
        case ACTIONS.send:
          return this.reply(req, `${ACTIONS.send}Response`, PREFIX.shell, this.shells.send(req.selectors, req.body));
        case ACTIONS.signal:
          return this.reply(req, `${ACTIONS.signal}Response`, PREFIX.shell, this.shells.signal(req.selectors, req.body));
        default:
          throw new FaultError(FAULTS.actionNotSupported(req.action));
      }
    }

    if (uri.toLowerCase() === STDREGPROV_URI.toLowerCase()) {
      const prefix = `${STDREGPROV_URI}/`;
      if (!req.action.toLowerCase().startsWith(prefix.toLowerCase())) throw new FaultError(FAULTS.actionNotSupported(req.action));
      const method = req.action.slice(prefix.length);
      const out = invokeStdRegProv(method, req.body, this.state, this.environment());
      return this.reply(req, `${req.action}Response`, PREFIX.transfer, out);
    }

    throw new FaultError(FAULTS.unknownResource());
  }
}

