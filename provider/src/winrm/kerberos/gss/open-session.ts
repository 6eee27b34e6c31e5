import { Etype } from "../constants";
import { CfxSession } from "./cfx";
import { Rc4Session } from "./rc4";
import type { GssSession, SessionKeys } from "./session";

/** The per-message session for a context key: RFC 4757 tokens for rc4-hmac, RFC 4121 otherwise. */
export function openSession(keys: SessionKeys): GssSession {
  return keys.enctype === Etype.RC4_HMAC ? new Rc4Session(keys) : new CfxSession(keys);
}
