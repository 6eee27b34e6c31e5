// MIT keytab files (format 0x0502, big-endian; see MIT's "Keytab file format"): the
// long-term keys of service principals, as `kadmin ktadd` / `ktutil` / Windows' ktpass
// write them. The acceptor looks keys up by principal, key version and enctype.

import * as fs from "node:fs";
import { KerberosConfigError } from "./errors";
import { FileReader } from "./file-reader";
import { Principal, samePrincipal } from "./principal";

export interface KeytabEntry {
  principal: Principal;
  timestamp: number;
  kvno: number;
  enctype: number;
  key: Buffer;
}

export function parseKeytab(buf: Buffer, file: string): KeytabEntry[] {
  const r = new FileReader(buf, file);
  if (r.u8() !== 5) r.fail("not a keytab (bad magic)");
  const version = r.u8();
  if (version !== 2) r.fail(`keytab format version ${version} is not supported (only 2, which every current tool writes)`);
  const entries: KeytabEntry[] = [];
  while (r.remaining >= 4) {
    const size = r.s32();
    if (size === 0) break;
    if (size < 0) {
      r.bytes(-size); // a hole left by a deleted entry
      continue;
    }
    const end = r.pos + size;
    const count = r.u16();
    const realm = r.counted16().toString("utf8");
    const components: string[] = [];
    for (let i = 0; i < count; i++) components.push(r.counted16().toString("utf8"));
    const nameType = r.u32();
    const timestamp = r.u32() * 1000;
    let kvno = r.u8();
    const enctype = r.u16();
    const key = r.counted16();
    // A 32-bit kvno follows when the record has room for it; it wins unless zero.
    if (end - r.pos >= 4) {
      const kvno32 = r.u32();
      if (kvno32 !== 0) kvno = kvno32;
    }
    r.pos = end;
    entries.push({ principal: { name: { nameType, components }, realm }, timestamp, kvno, enctype, key });
  }
  return entries;
}

export function loadKeytab(file: string): KeytabEntry[] {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    throw new KerberosConfigError(`cannot read keytab ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseKeytab(buf, file);
}

/**
 * The key for (principal, enctype[, kvno]): the exact version when asked, else the
 * highest version present.
 */
export function findKey(entries: KeytabEntry[], principal: Principal, enctype: number, kvno?: number): KeytabEntry | undefined {
  const matches = entries.filter((e) => e.enctype === enctype && samePrincipal(e.principal, principal));
  if (kvno !== undefined) return matches.find((e) => e.kvno === kvno || e.kvno === (kvno & 0xff));
  return matches.sort((a, b) => b.kvno - a.kvno)[0];
}
