// Kerberos as a GSS-API mechanism: framing, the initiator and acceptor context
// establishment, and the per-message sessions they produce.

export type { GssRole, GssSession, WinrmWrapped } from "./session";
export { frameToken, frameWithTokId, isKerberosToken, TokId, unframeToken } from "./framing";
export { gssChecksum, parseGssChecksum } from "./authenticator-checksum";

export { openSession } from "./open-session";
export { KerberosInitiator, INITIATOR_FLAGS } from "./initiator";
export type { KerberosInitiatorOptions } from "./initiator";
export { KerberosAcceptor, ReplayCache } from "./acceptor";
export type { AcceptedContext, KerberosAcceptorOptions } from "./acceptor";
export { KerberosClientContext } from "./client-context";
export type { KerberosClientContextOptions } from "./client-context";
