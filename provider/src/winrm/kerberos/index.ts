// Kerberos V5 for WinRM (RFC 4120/3961/3962/4757/4121): crypto, messages, the KDC client,
// krb5.conf / ccache / keytab readers, the GSS-API initiator and acceptor, and WinRM's
// Kerberos message encryption. Pure library code shared by the client and the simulator.

export {
  KerberosError,
  KerberosProtocolError,
  KerberosIntegrityError,
  KerberosConfigError,
  KerberosNoCredentialsError,
  KdcUnreachableError,
  KerberosRejection,
  KerberosRejectedError,
  KerberosClockSkewError,
  KerberosPrincipalUnknownError,
  KerberosBadPasswordError,
  KerberosNoSpnError,
  ApReqRejectedError,
  errorFromKrbError,
} from "./errors";
export { Etype, KrbErrorCode, krbErrorName, KRB5_MECH_OID, MS_KRB5_MECH_OID } from "./constants";
export { SUPPORTED_ENCTYPES, enctypeById, findEnctype } from "./crypto";
export type { Enctype } from "./crypto";
export { parsePrincipal, formatPrincipal, servicePrincipal, samePrincipal } from "./principal";
export type { Principal, PrincipalName } from "./principal";
export { KdcClient } from "./kdc-client";
export type { Credential, KdcClientOptions } from "./kdc-client";
export { sendToKdc } from "./kdc-transport";
export type { KdcTransportOptions } from "./kdc-transport";
export { loadKrb5Config, parseKrb5Config, realmForHost, kdcsForRealm, parseKdcAddress } from "./krb5-conf";
export type { Krb5Config, KdcAddress } from "./krb5-conf";
export { loadCcache, parseCcache, resolveCcachePath } from "./ccache";
export type { CredentialCache, CachedCredential } from "./ccache";
export { loadKeytab, parseKeytab, findKey } from "./keytab";
export type { KeytabEntry } from "./keytab";
export { getServiceTicket, clientPrincipal, WINRM_SERVICE_CLASS } from "./credentials";
export type { KerberosCredentialOptions, ServiceTicket } from "./credentials";
export { KerberosInitiator, KerberosAcceptor, KerberosClientContext, ReplayCache, isKerberosToken, INITIATOR_FLAGS } from "./gss";
export type {
  GssSession,
  WinrmWrapped,
  AcceptedContext,
  KerberosAcceptorOptions,
  KerberosInitiatorOptions,
  KerberosClientContextOptions,
} from "./gss";
export {
  encryptWithKerberos,
  decryptWithKerberos,
  encryptedContentType,
  kerberosProtocolOf,
  KERBEROS_ENCRYPTED_PROTOCOL,
  SPNEGO_ENCRYPTED_PROTOCOL,
} from "./winrm-encryption";
export type { KerberosEncryptionProtocol } from "./winrm-encryption";
