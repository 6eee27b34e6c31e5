// WS-Enumeration: Enumerate (optimized, optional WQL filter) then Pull until
// EndOfSequence (MS-WSMV 3.1.4.7-3.1.4.8).
import { ProtocolError } from "./errors";
import type { WsmanSession } from "./session";
import { ACTION } from "./soap";
import { NS, childElement, elementChildren, elementToObject, escapeXml, textOf } from "./xml";
import type { WsmanObject, XmlElement } from "./xml";

export const WQL_DIALECT = "http://schemas.microsoft.com/wbem/wsman/1/WQL";
const MAX_ELEMENTS = 32000;
/** Guards against a server that never ends the sequence. */
const MAX_PULLS = 10000;
/** The most items one enumeration collects (they are all held in memory). */
export const MAX_ENUMERATED_ITEMS = 50_000;

function itemsOf(response: XmlElement): WsmanObject[] {
  const items = childElement(response, NS.wsman, "Items") ?? childElement(response, NS.wsen, "Items");
  return items ? elementChildren(items).map(elementToObject) : [];
}

function isEnd(response: XmlElement): boolean {
  return !!(childElement(response, NS.wsman, "EndOfSequence") ?? childElement(response, NS.wsen, "EndOfSequence"));
}

function contextOf(response: XmlElement): string {
  const ctx = childElement(response, NS.wsen, "EnumerationContext");
  return ctx ? textOf(ctx).trim() : "";
}

export async function enumerateAll(session: WsmanSession, resourceUri: string, filter?: string): Promise<WsmanObject[]> {
  const filterXml = filter === undefined ? "" : `<wsman:Filter Dialect="${WQL_DIALECT}">${escapeXml(filter)}</wsman:Filter>`;
  const body =
    `<wsen:Enumerate xmlns:wsen="${NS.wsen}"><wsman:OptimizeEnumeration /><wsman:MaxElements>${MAX_ELEMENTS}</wsman:MaxElements>` +
    `${filterXml}</wsen:Enumerate>`;
  const first = await session.request({ action: ACTION.enumerate, resourceUri, body, idempotent: true });
  const response = first.payload;
  if (!response || response.localName !== "EnumerateResponse") throw new ProtocolError("Enumerate reply has no EnumerateResponse");
  const out = itemsOf(response);
  let end = isEnd(response);
  let context = contextOf(response);
  for (let i = 0; !end; i++) {
    if (!context) break; // nothing left to pull from
    if (i >= MAX_PULLS) throw new ProtocolError(`enumeration did not end after ${MAX_PULLS} pulls`);
    const pullBody =
      `<wsen:Pull xmlns:wsen="${NS.wsen}"><wsen:EnumerationContext>${escapeXml(context)}</wsen:EnumerationContext>` +
      `<wsen:MaxElements>${MAX_ELEMENTS}</wsen:MaxElements></wsen:Pull>`;
    const pulled = await session.request({ action: ACTION.pull, resourceUri, body: pullBody, idempotent: true });
    const pr = pulled.payload;
    if (!pr || pr.localName !== "PullResponse") throw new ProtocolError("Pull reply has no PullResponse");
    out.push(...itemsOf(pr));
    if (out.length > MAX_ENUMERATED_ITEMS) {
      throw new ProtocolError(`enumeration returned more than ${MAX_ENUMERATED_ITEMS} items; stopped`);
    }
    end = isEnd(pr);
    context = contextOf(pr);
  }
  return out;
}
