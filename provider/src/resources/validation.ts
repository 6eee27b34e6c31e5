// Field-level validation shared by the four resources' zod schemas. Everything here
// runs in `check`, before any remote call, so a typo never reaches a Windows host.
import { isIP } from "node:net";
import { z } from "zod";

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** A DNS name (FQDN or short NetBIOS-style name), no wildcard. */
export function isHostName(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  const labels = value.replace(/\.$/, "").split(".");
  return labels.every((l) => LABEL.test(l));
}

export function isIpAddress(value: string): boolean {
  return isIP(value.replace(/^\[|\]$/g, "")) !== 0;
}

/**
 * The wildcard forms Windows accepts in delegation lists and TrustedHosts: a lone
 * `*`, or a leading `*.` followed by a domain. `srv*`, `*srv.corp` or `a.*.corp` are
 * not wildcards Windows matches, so they are refused rather than silently inert.
 */
export function wildcardProblem(value: string): string | undefined {
  if (!value.includes("*")) return undefined;
  if (value === "*") return undefined;
  if (value.startsWith("*.") && !value.slice(2).includes("*") && isHostName(value.slice(2))) return undefined;
  return `bad wildcard "${value}": only a lone "*" or a leading "*." before a domain (e.g. "*.corp.example.com") is allowed`;
}

/** A host as a connection target: name or IP, no wildcard. */
export function hostProblem(value: string): string | undefined {
  if (value.trim() !== value || value.length === 0) return `"${value}" is not a host name: it is empty or has surrounding spaces`;
  if (isIpAddress(value) || isHostName(value)) return undefined;
  return `"${value}" is not a valid host name or IP address`;
}

/**
 * A host pattern in a delegation list or TrustedHosts: name, IP, `*` or `*.domain`.
 * No trailing dot: Windows compares these names as text, so "srv01.corp." would be
 * a second entry next to "srv01.corp" that no client ever matches.
 */
export function hostPatternProblem(value: string): string | undefined {
  if (value.length > 1 && value.endsWith(".") && !isIpAddress(value)) {
    return `"${value}" ends with a dot: write "${value.replace(/\.+$/, "")}" (Windows matches these names as text, so the dotted form would be another entry)`;
  }
  if (value.includes("*")) return wildcardProblem(value);
  return hostProblem(value);
}

/** An SPN as the delegation policies hold it: `service/host`, optionally `:port`. */
export function spnProblem(value: string): string | undefined {
  const m = /^([A-Za-z][A-Za-z0-9-]*)\/(.+)$/.exec(value);
  if (!m) return `"${value}" is not an SPN: expected "service/host", e.g. "WSMAN/srv01.corp.example.com"`;
  let host = m[2];
  const port = /^(.*):(\d{1,5})$/.exec(host);
  if (port && !isIP(host)) {
    if (Number(port[2]) < 1 || Number(port[2]) > 65535) return `"${value}": port ${port[2]} is out of range`;
    host = port[1];
  }
  const problem = hostPatternProblem(host);
  return problem === undefined ? undefined : `SPN "${value}": ${problem}`;
}

/** The host part of an SPN (`WSMAN/10.0.0.5` → `10.0.0.5`). */
export function spnHost(spn: string): string {
  return spn.slice(spn.indexOf("/") + 1).replace(/:\d+$/, "");
}

/**
 * A UNC path as a command on Windows takes it: `\\host\share`, optionally followed by
 * `\folder…`; the host a name or IP address. No control characters (the path goes into a
 * PowerShell command line).
 */
export function uncPathProblem(value: string): string | undefined {
  if (/[\u0000-\u001f]/.test(value)) return `"${JSON.stringify(value).slice(1, -1)}" holds a control character`;
  const m = /^\\\\([^\\/]+)\\([^\\/]+)(\\[^/]*)?$/.exec(value);
  if (!m) return `"${value}" is not a UNC path: expected \\\\host\\share[\\folder], e.g. \\\\fs01.corp.example.com\\share (in a JS string literal each backslash is doubled)`;
  const host = hostProblem(m[1]);
  if (host !== undefined) return `"${value}": ${host}`;
  if (/[<>:"|?*]/.test(m[2])) return `"${value}": "${m[2]}" is not a share name`;
  return undefined;
}

/** A zod string refined by one of the problem functions above. */
export function checked(problem: (v: string) => string | undefined) {
  return z.string().superRefine((v, ctx) => {
    const p = problem(v);
    if (p !== undefined) ctx.addIssue({ code: "custom", message: p });
  });
}

/** A non-empty list of unique (case-insensitive) items, each checked. */
export function uniqueList(item: z.ZodType<string>, what: string) {
  return z
    .array(item)
    .min(1, `the list is empty: give at least one ${what}, or leave the property out`)
    .superRefine((list, ctx) => {
      const seen = new Map<string, number>();
      list.forEach((v, i) => {
        const k = v.toLowerCase();
        const first = seen.get(k);
        if (first !== undefined) {
          ctx.addIssue({ code: "custom", path: [i], message: `duplicate ${what} "${v}" (same as item ${first}, ignoring case)` });
        } else {
          seen.set(k, i);
        }
      });
    });
}

/** True for a single-label name (`srv01`): not an FQDN, an IP address or a wildcard. */
export function isShortName(host: string): boolean {
  return !host.includes(".") && !host.includes("*") && !isIpAddress(host) && isHostName(host);
}

/**
 * Advice for an SPN in a delegation list, or undefined when it is fine: an IP address
 * (NTLM-only route), a short name (the client must then connect by exactly that
 * name), or a service other than WSMAN (PowerShell remoting asks for WSMAN/<host>).
 */
export function spnAdvice(field: string, spn: string): string | undefined {
  if (spnProblem(spn) !== undefined) return undefined; // check refuses it: no advice on top
  const host = spnHost(spn);
  const service = spn.slice(0, spn.indexOf("/"));
  if (/^https?$/i.test(service)) {
    return (
      `${field}: "${spn}" is an ${service.toUpperCase()} SPN. PowerShell remoting (WinRM) delegates to "WSMAN/${host}", so this entry ` +
      `does not allow the double hop; use "WSMAN/${host}" (${service.toUpperCase()}/ is for other services, e.g. a web server using Kerberos).`
    );
  }
  if (isIpAddress(host)) return ipDelegationWarning(field, spn);
  if (isShortName(host)) return shortNameWarning(field, spn, host);
  return undefined;
}

/** Advice for a CredSSPClient delegate computer (its SPN is wsman/<computer>). */
export function computerAdvice(field: string, computer: string): string | undefined {
  if (hostPatternProblem(computer) !== undefined) return undefined; // check refuses it
  if (isIpAddress(computer)) return ipDelegationWarning(field, computer);
  if (isShortName(computer)) return shortNameWarning(field, computer, computer);
  return undefined;
}

function shortNameWarning(field: string, value: string, host: string): string {
  return (
    `${field}: "${value}" names the server by its short name. Delegation is then allowed only when the client connects ` +
    `to exactly "${host}" (Enter-PSSession -ComputerName ${host}); connecting by its FQDN is not covered, the most common ` +
    `cause of "A computer policy does not allow the delegation". Prefer the FQDN (or a "*.<domain>" wildcard).`
  );
}

/** The advice given when a delegation target is an IP address (the top CredSSP mistake). */
export function ipDelegationWarning(field: string, value: string): string {
  return (
    `${field}: "${value}" is an IP address. Kerberos cannot authenticate a server by IP, so CredSSP ` +
    `delegation to it only works through the NTLM-only policy (AllowFreshCredentialsWhenNTLMOnly with ` +
    `"WSMAN/${spnHost(value)}") plus a TrustedHosts entry. Prefer the server's FQDN.`
  );
}
