// Custom WMI/CIM method invocation: Action = resourceUri + "/" + method, body
// <p:METHOD_INPUT xmlns:p="resourceUri"> with one element per parameter (arrays as
// repeated elements), reply <p:METHOD_OUTPUT> (MS-WSMV 3.1.4.16, WMI plugin).
import { ProtocolError } from "./errors";
import type { WsmanSession } from "./session";
import { elementToObject, escapeXml } from "./xml";
import type { WsmanObject } from "./xml";

export type InvokeInput = Record<string, string | number | boolean | Array<string | number>>;

function scalar(v: string | number | boolean): string {
  return typeof v === "boolean" ? (v ? "true" : "false") : String(v);
}

export function methodInputXml(resourceUri: string, method: string, input: InvokeInput): string {
  const params = Object.entries(input)
    .map(([name, value]) => {
      const values = Array.isArray(value) ? value : [value];
      return values.map((v) => `<p:${name}>${escapeXml(scalar(v))}</p:${name}>`).join("");
    })
    .join("");
  return `<p:${method}_INPUT xmlns:p="${escapeXml(resourceUri)}">${params}</p:${method}_INPUT>`;
}

const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export async function invokeMethod(
  session: WsmanSession, resourceUri: string, method: string, input: InvokeInput, selectors?: Record<string, string>,
): Promise<WsmanObject> {
  // Names become element names; refuse anything that would produce malformed XML.
  for (const name of [method, ...Object.keys(input)]) {
    if (!XML_NAME.test(name)) throw new ProtocolError(`"${name}" is not a valid method or parameter name`);
  }
  const res = await session.request({
    action: `${resourceUri}/${method}`,
    resourceUri,
    selectors,
    body: methodInputXml(resourceUri, method, input),
    idempotent: false,
  });
  if (!res.payload) throw new ProtocolError(`${method} returned an empty body`);
  return elementToObject(res.payload);
}
