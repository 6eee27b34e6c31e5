// AV_PAIR lists (MS-NLMP 2.2.2.1): the server's TargetInfo and the client's copy of it
// inside the NTLMv2 response. Kept as an ordered list because MIC/NTProofStr cover the
// exact bytes, and a re-encode must preserve order.

import { AvId } from "./constants";
import { NtlmMessageError } from "./errors";

export interface AvPair {
  id: number;
  value: Buffer;
}

export function decodeAvPairs(data: Buffer): AvPair[] {
  const pairs: AvPair[] = [];
  let pos = 0;
  while (true) {
    if (pos + 4 > data.length) throw new NtlmMessageError("AV_PAIR list is truncated (no MsvAvEOL)");
    const id = data.readUInt16LE(pos);
    const len = data.readUInt16LE(pos + 2);
    pos += 4;
    if (id === AvId.EOL) return pairs;
    if (pos + len > data.length) throw new NtlmMessageError(`AV_PAIR ${id} overruns the list`);
    pairs.push({ id, value: Buffer.from(data.subarray(pos, pos + len)) });
    pos += len;
  }
}

/** Encode pairs followed by MsvAvEOL. */
export function encodeAvPairs(pairs: AvPair[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of pairs) {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(p.id, 0);
    head.writeUInt16LE(p.value.length, 2);
    parts.push(head, p.value);
  }
  parts.push(Buffer.alloc(4)); // MsvAvEOL, length 0
  return Buffer.concat(parts);
}

export function findAv(pairs: AvPair[], id: number): Buffer | undefined {
  return pairs.find((p) => p.id === id)?.value;
}

export function avString(value: string): Buffer {
  return Buffer.from(value, "utf16le");
}
