// Where the WinRM listener is: host, port, scheme and the /wsman URL.
import { isIP } from "node:net";
import type { Scheme } from "./errors";

export interface Endpoint {
  host: string;
  port: number;
  scheme: Scheme;
  /** Full URL sent as wsa:To, e.g. "https://srv01.corp.example.com:5986/wsman". */
  url: string;
  /** Request path. */
  path: string;
  /** Host header value (port always included, as Windows clients send it). */
  hostHeader: string;
}

export const DEFAULT_PORTS: Record<Scheme, number> = { http: 5985, https: 5986 };

export function makeEndpoint(host: string, scheme: Scheme, port?: number): Endpoint {
  const p = port ?? DEFAULT_PORTS[scheme];
  // IPv6 literals must be bracketed in URLs and Host headers.
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const hostPart = isIP(bare) === 6 ? `[${bare}]` : bare;
  const path = "/wsman";
  return {
    host: bare,
    port: p,
    scheme,
    path,
    url: `${scheme}://${hostPart}:${p}${path}`,
    hostHeader: `${hostPart}:${p}`,
  };
}
