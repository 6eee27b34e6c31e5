// Pure operations on the Client/TrustedHosts string. Windows keeps it as one
// comma-separated xs:string and Set-Item replaces it whole, so owning "some entries"
// means editing the string. Matching is case-insensitive (host names are), while
// foreign entries keep their exact text, case and order.

/** Entries in order: split on commas, trimmed, empties dropped, case kept. */
export function parseTrustedHosts(raw: string): string[] {
  return raw
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/** The canonical string for a list (what Set-Item -Concatenate produces: comma, no spaces). */
export function formatTrustedHosts(list: readonly string[]): string {
  return list.join(",");
}

const key = (entry: string): string => entry.trim().toLowerCase();

/** True when `host` is in the list, ignoring case. */
export function hasTrustedHost(list: readonly string[], host: string): boolean {
  return list.some((entry) => key(entry) === key(host));
}

/** The hosts not yet in the list, in the order given, each once. */
export function missingTrustedHosts(list: readonly string[], hosts: readonly string[]): string[] {
  const seen = new Set(list.map(key));
  const missing: string[] = [];
  for (const host of hosts) {
    const k = key(host);
    if (k.length === 0 || seen.has(k)) continue;
    seen.add(k);
    missing.push(host.trim());
  }
  return missing;
}

/**
 * Append the missing hosts to the raw string, leaving the existing text byte-for-byte
 * (spacing included). Returns `raw` itself when nothing is missing, so callers can
 * skip the write.
 */
export function addToTrustedHostsRaw(raw: string, hosts: readonly string[]): string {
  const missing = missingTrustedHosts(parseTrustedHosts(raw), hosts);
  if (missing.length === 0) return raw;
  const kept = raw.replace(/[\s,]+$/, "");
  return kept.trim().length === 0 ? formatTrustedHosts(missing) : `${kept},${formatTrustedHosts(missing)}`;
}

/**
 * Remove the given hosts from the raw string, keeping every other token's exact text,
 * so that add-then-remove restores the original string. Returns `raw` itself when
 * none of the hosts is present.
 */
export function removeFromTrustedHostsRaw(raw: string, hosts: readonly string[]): string {
  const drop = new Set(hosts.map(key).filter((k) => k.length > 0));
  const tokens = raw.split(",");
  const kept = tokens.filter((token) => !drop.has(key(token)));
  if (kept.length === tokens.length) return raw;
  return kept.every((token) => token.trim().length === 0) ? "" : kept.join(",");
}
