// Principal names (RFC 4120 5.2.2, 6.2) and their text form "comp1/comp2@REALM" with
// the escapes MIT uses (\/, \@, \\) for those characters inside a component.

import { explicit, Fields, fieldsOf, integer, kerberosString, KrbTag, sequence, sequenceOf } from "./asn1";
import { NameType } from "./constants";
import { KerberosConfigError, KerberosProtocolError } from "./errors";
import type { Tlv } from "../ntlm/der";

export interface PrincipalName {
  nameType: number;
  components: string[];
}

export interface Principal {
  name: PrincipalName;
  realm: string;
}

function escapeComponent(c: string): string {
  return c.replace(/[\\/@]/g, (ch) => `\\${ch}`);
}

/** "HTTP/srv01.corp.test" (no realm). */
function formatName(name: PrincipalName): string {
  return name.components.map(escapeComponent).join("/");
}

/** "HTTP/srv01.corp.test@CORP.TEST". */
export function formatPrincipal(p: Principal): string {
  return `${formatName(p.name)}@${p.realm.replace(/[\\@]/g, (ch) => `\\${ch}`)}`;
}

/**
 * Parse "name[/instance...][@REALM]". Without a realm, `defaultRealm` is used (and its
 * absence is a config error). Name type: SRV_INST for krbtgt, PRINCIPAL otherwise,
 * unless given.
 */
export function parsePrincipal(text: string, defaultRealm?: string, nameType?: number): Principal {
  const components: string[] = [];
  let current = "";
  let realm: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\") {
      if (i + 1 >= text.length) throw new KerberosConfigError(`principal "${text}" ends with a backslash`);
      current += text[++i];
    } else if (realm === undefined && (ch === "/" || ch === "@")) {
      components.push(current);
      current = "";
      if (ch === "@") realm = "";
    } else {
      current += ch;
    }
  }
  if (realm === undefined) components.push(current);
  else realm = current;
  if (components.some((c) => c === "")) throw new KerberosConfigError(`principal "${text}" has an empty component`);
  const effectiveRealm = realm || defaultRealm;
  if (!effectiveRealm) throw new KerberosConfigError(`principal "${text}" names no realm and no default realm is configured`);
  const type = nameType ?? (components[0] === "krbtgt" ? NameType.SRV_INST : NameType.PRINCIPAL);
  return { name: { nameType: type, components }, realm: effectiveRealm };
}

/** The host-based service principal service/host@REALM (GSS_C_NT_HOSTBASED_SERVICE). */
export function servicePrincipal(service: string, host: string, realm: string): Principal {
  return { name: { nameType: NameType.SRV_HST, components: [service, host.toLowerCase()] }, realm };
}

/** krbtgt/REALM@REALM. */
export function tgsPrincipal(realm: string): Principal {
  return { name: { nameType: NameType.SRV_INST, components: ["krbtgt", realm] }, realm };
}

/** Name equality as KDCs compare them: the components, not the name type. */
export function sameName(a: PrincipalName, b: PrincipalName): boolean {
  return a.components.length === b.components.length && a.components.every((c, i) => c === b.components[i]);
}

export function samePrincipal(a: Principal, b: Principal): boolean {
  return a.realm === b.realm && sameName(a.name, b.name);
}

/** PrincipalName ::= SEQUENCE { name-type [0] Int32, name-string [1] SEQUENCE OF KerberosString }. */
export function encodePrincipalName(name: PrincipalName): Buffer {
  return sequence(
    explicit(0, integer(name.nameType)),
    explicit(1, sequenceOf(name.components.map(kerberosString))),
  );
}

export function decodePrincipalName(t: Tlv, what = "PrincipalName"): PrincipalName {
  const f: Fields = fieldsOf(t, what);
  const components = f.list(1).map((c) => {
    if (c.tag !== KrbTag.GENERAL_STRING && (c.tag & 0x20) !== 0) throw new KerberosProtocolError(`${what}: name component is not a string`);
    return c.value.toString("utf8");
  });
  return { nameType: f.int(0), components };
}
