// Ownership of Client/TrustedHosts entries. Windows keeps the list as one string that
// Set-Item replaces whole, so every change here is an edit of that string, read once
// and written once per operation: appended entries at the end, removals by token,
// every other entry's exact text, case and spacing kept. The ledger holds each entry
// (declared present, or absent by an `exclusive` resource that removed a foreign
// one), and the whole string as it was before the first TrustedHosts resource came,
// which the last one to leave writes back exactly when the entries match it.
import {
  addToTrustedHostsRaw,
  getTrustedHosts,
  hasTrustedHost,
  parseTrustedHosts,
  removeFromTrustedHostsRaw,
  setTrustedHosts,
  TRUSTED_HOSTS_SETTING,
} from "../windows";
import type { SubjectId } from "./ledger";
import { othersWantPresent, Ownership } from "./ownership";
import { parseSubject, subjects } from "./subjects";

export interface DesiredHosts {
  hosts: string[];
  /** Remove every entry not in `hosts` that no other resource declares (restored when this one leaves). */
  exclusive: boolean;
}

const key = (h: string): string => h.trim().toLowerCase();
const entrySet = (raw: string): string => [...new Set(parseTrustedHosts(raw).map(key))].sort().join(",");

const isTrustedHosts = (s: SubjectId): boolean => {
  const kind = parseSubject(s)?.kind;
  return kind === "trustedHost" || kind === "trustedHostsText";
};

/**
 * Declares `want` and releases the TrustedHosts subjects the resource no longer
 * declares — or, without `want`, releases `release` — in one read and at most one
 * write. Returns the string now on the host.
 */
export async function editTrustedHosts(own: Ownership, want: DesiredHosts | undefined, release: SubjectId[] = []): Promise<string> {
  const { op } = own;
  op.working(TRUSTED_HOSTS_SETTING);
  const raw = await getTrustedHosts(op.api);
  let text = raw;

  if (want) {
    own.declare(subjects.trustedHostsText(), true, { before: raw });
    for (const host of want.hosts) {
      const present = parseTrustedHosts(text).find((e) => key(e) === key(host));
      own.declare(subjects.trustedHost(host), true, present !== undefined ? { before: present, adopted: true } : { before: null });
      if (present === undefined) text = addToTrustedHostsRaw(text, [host]);
    }
    if (want.exclusive) {
      for (const entry of parseTrustedHosts(text)) {
        if (hasTrustedHost(want.hosts, entry)) continue;
        const s = subjects.trustedHost(entry);
        if (othersWantPresent(own.ledger, s)) continue; // another resource declares it: not ours to remove
        own.declare(s, false, { before: entry });
        text = removeFromTrustedHostsRaw(text, [entry]);
      }
    }
    release = own.undeclared().filter(isTrustedHosts);
  }

  const entries = release.filter((s) => parseSubject(s)?.kind === "trustedHost");
  for (const s of entries) {
    const item = parseSubject(s)?.item ?? "";
    const { mine, remaining, record } = own.withdraw(s);
    if (mine === undefined || record === undefined) continue;
    const present = hasTrustedHost(parseTrustedHosts(text), item);
    const wantPresent = remaining.length > 0 ? remaining.includes(true) : record.before !== null;
    if (mine === true && present && !wantPresent) text = removeFromTrustedHostsRaw(text, [item]);
    if (mine === false && !present && wantPresent) text = addToTrustedHostsRaw(text, [typeof record.before === "string" ? record.before : item]);
  }
  if (release.includes(subjects.trustedHostsText())) {
    const { mine, remaining, record } = own.withdraw(subjects.trustedHostsText());
    const before = record?.before;
    // The last TrustedHosts resource is gone and the entries are those found before the
    // first: write that string back exactly (order, case and spacing included).
    if (mine !== undefined && remaining.length === 0 && !record?.adopted && typeof before === "string" && entrySet(text) === entrySet(before)) {
      text = before;
    }
  }

  if (text !== raw) {
    await own.write(`${TRUSTED_HOSTS_SETTING}: "${raw}" -> "${text}"`, () => setTrustedHosts(op.api, text, { host: op.host }));
    op.changes.push(`${TRUSTED_HOSTS_SETTING}: "${raw}" -> "${text}"`);
  }
  return text;
}
