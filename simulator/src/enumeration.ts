// WS-Enumeration (Enumerate/Pull, MS-WSMV 3.1.4.7-3.1.4.8) for the enumerable resources
// the simulator has: winrm/config/listener and the open shells (windows/shell).
//
// With wsman:OptimizeEnumeration the items come back in the Enumerate response itself
// (w:Items + w:EndOfSequence); otherwise the client gets a context and Pulls them.

import { randomUUID } from "node:crypto";
import type { Element as XmlElement } from "@xmldom/xmldom";
import { childByLocalName, FaultError, NS, WsmanFault } from "./soap";

const invalidContext = (): WsmanFault => ({
  // ERROR_WSMAN_ENUMERATE_INVALID_ENUMERATION_CONTEXT (0x8033801B), wsen:InvalidEnumerationContext
  code: "s:Receiver",
  subcode: "n:InvalidEnumerationContext",
  reason: "The WS-Enumeration context in the enumeration is not valid. ",
  wsmanCode: 2150858779,
  message: "The WS-Enumeration context in the enumeration is not valid. ",
});

export class Enumerations {
  private contexts = new Map<string, string[]>();

  clear(): void {
    this.contexts.clear();
  }

  /** Body of the EnumerateResponse for these serialised items. */
  enumerate(body: XmlElement | undefined, items: string[]): string {
    const optimize = body ? childByLocalName(body, "OptimizeEnumeration", NS.w) !== undefined : false;
    const maxText = body ? childByLocalName(body, "MaxElements", NS.w)?.textContent : undefined;
    const max = maxText ? Math.max(1, Number(maxText) || 1) : 20;
    if (!optimize) {
      const id = `uuid:${randomUUID().toUpperCase()}`;
      this.contexts.set(id, items);
      return `<n:EnumerateResponse><n:EnumerationContext>${id}</n:EnumerationContext></n:EnumerateResponse>`;
    }
    const first = items.slice(0, max);
    const rest = items.slice(max);
    if (rest.length === 0) {
      return `<n:EnumerateResponse><n:EnumerationContext></n:EnumerationContext><w:Items>${first.join("")}</w:Items><w:EndOfSequence/></n:EnumerateResponse>`;
    }
    const id = `uuid:${randomUUID().toUpperCase()}`;
    this.contexts.set(id, rest);
    return `<n:EnumerateResponse><n:EnumerationContext>${id}</n:EnumerationContext><w:Items>${first.join("")}</w:Items></n:EnumerateResponse>`;
  }

  pull(body: XmlElement | undefined): string {
    const id = (body ? childByLocalName(body, "EnumerationContext", NS.n)?.textContent : "")?.trim() ?? "";
    const items = this.contexts.get(id);
    if (!items) throw new FaultError(invalidContext());
    const maxText = body ? childByLocalName(body, "MaxElements", NS.n)?.textContent : undefined;
    const max = maxText ? Math.max(1, Number(maxText) || 1) : 1;
    const batch = items.splice(0, max);
    if (items.length === 0) {
      this.contexts.delete(id);
      return `<n:PullResponse><n:Items>${batch.join("")}</n:Items><n:EndOfSequence/></n:PullResponse>`;
    }
    return `<n:PullResponse><n:EnumerationContext>${id}</n:EnumerationContext><n:Items>${batch.join("")}</n:Items></n:PullResponse>`;
  }
}

