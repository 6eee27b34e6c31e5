// WS-Transfer: Get, Put, Create, Delete (MS-WSMV 3.1.4.1-3.1.4.4).
import type { WsmanSession } from "./session";
import { ACTION } from "./soap";
import { elementToObject } from "./xml";
import type { WsmanObject } from "./xml";

export async function transferGet(session: WsmanSession, resourceUri: string, selectors?: Record<string, string>): Promise<WsmanObject> {
  const res = await session.request({ action: ACTION.get, resourceUri, selectors, idempotent: true });
  return res.payload ? elementToObject(res.payload) : {};
}

/** `body` is the XML of the (partial) resource element, with its own namespace declarations. */
export async function transferPut(
  session: WsmanSession, resourceUri: string, body: string, selectors?: Record<string, string>,
): Promise<WsmanObject> {
  const res = await session.request({ action: ACTION.put, resourceUri, selectors, body, idempotent: false });
  return res.payload ? elementToObject(res.payload) : {};
}

/** Returns the first element of the reply body (x:ResourceCreated on Windows). */
export async function transferCreate(
  session: WsmanSession, resourceUri: string, body: string, selectors?: Record<string, string>,
): Promise<WsmanObject> {
  const res = await session.request({ action: ACTION.create, resourceUri, selectors, body, idempotent: false });
  return res.payload ? elementToObject(res.payload) : {};
}

export async function transferDelete(session: WsmanSession, resourceUri: string, selectors?: Record<string, string>): Promise<void> {
  await session.request({ action: ACTION.delete, resourceUri, selectors, idempotent: false });
}
