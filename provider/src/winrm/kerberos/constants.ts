// Kerberos V5 numbers, each named once (RFC 4120 section 7.5, RFC 3961 section 8,
// RFC 4121 section 2, RFC 4757). Everything else in kerberos/ imports them from here.

/** Message types: the APPLICATION tag number of each message (RFC 4120 7.5.7). */
export const MsgType = {
  AS_REQ: 10,
  AS_REP: 11,
  TGS_REQ: 12,
  TGS_REP: 13,
  AP_REQ: 14,
  AP_REP: 15,
  KRB_ERROR: 30,
} as const;

/** APPLICATION tags of the structures that are not messages (RFC 4120 section 5). */
export const AppTag = {
  TICKET: 1,
  AUTHENTICATOR: 2,
  ENC_TICKET_PART: 3,
  ENC_AS_REP_PART: 25,
  ENC_TGS_REP_PART: 26,
  ENC_AP_REP_PART: 27,
} as const;

/** Principal name types (RFC 4120 6.2). */
export const NameType = {
  UNKNOWN: 0,
  PRINCIPAL: 1,
  SRV_INST: 2,
  SRV_HST: 3,
  ENTERPRISE: 10,
} as const;

/** Pre-authentication data types (RFC 4120 7.5.2, RFC 6113). */
export const PaType = {
  TGS_REQ: 1,
  ENC_TIMESTAMP: 2,
  PW_SALT: 3,
  ETYPE_INFO: 11,
  ETYPE_INFO2: 19,
  PAC_REQUEST: 128,
  FX_FAST: 136,
  ENCRYPTED_CHALLENGE: 138,
} as const;

/** Encryption types we implement (RFC 3962, RFC 4757). */
export const Etype = {
  AES256_CTS_HMAC_SHA1_96: 18,
  AES128_CTS_HMAC_SHA1_96: 17,
  RC4_HMAC: 23,
} as const;

/** Checksum types (RFC 3961 8, RFC 3962, RFC 4757, RFC 4121 4.1.1). */
export const CksumType = {
  RSA_MD5: 7,
  HMAC_SHA1_96_AES128: 15,
  HMAC_SHA1_96_AES256: 16,
  HMAC_MD5_RC4: -138,
  /** The GSS-API authenticator checksum that carries channel bindings and flags. */
  GSSAPI: 0x8003,
} as const;

/**
 * Key usage numbers (RFC 4120 7.5.1, RFC 4121 2). They select the derived key, so a
 * ciphertext made for one purpose can never be replayed as another.
 */
export const KeyUsage = {
  AS_REQ_PA_ENC_TIMESTAMP: 1,
  KDC_REP_TICKET: 2,
  AS_REP_ENC_PART: 3,
  TGS_REQ_AUTH_DATA_SESSION_KEY: 4,
  TGS_REQ_AUTH_DATA_SUBKEY: 5,
  TGS_REQ_PA_AUTHENTICATOR_CKSUM: 6,
  TGS_REQ_PA_AUTHENTICATOR: 7,
  TGS_REP_ENC_PART_SESSION_KEY: 8,
  TGS_REP_ENC_PART_SUBKEY: 9,
  AP_REQ_AUTHENTICATOR_CKSUM: 10,
  AP_REQ_AUTHENTICATOR: 11,
  AP_REP_ENC_PART: 12,
  GSS_ACCEPTOR_SEAL: 22,
  GSS_ACCEPTOR_SIGN: 23,
  GSS_INITIATOR_SEAL: 24,
  GSS_INITIATOR_SIGN: 25,
} as const;

/** KDCOptions bits (RFC 4120 5.4.1), numbered from the most significant bit. */
export const KdcOption = {
  FORWARDABLE: 1,
  FORWARDED: 2,
  PROXIABLE: 3,
  RENEWABLE: 8,
  CANONICALIZE: 15,
  RENEWABLE_OK: 27,
} as const;

/** APOptions bits (RFC 4120 5.5.1). */
export const ApOption = {
  USE_SESSION_KEY: 1,
  MUTUAL_REQUIRED: 2,
} as const;

/** GSS-API context flags carried in the 0x8003 checksum (RFC 4121 4.1.1.1). */
export const GssFlag = {
  DELEG: 1,
  MUTUAL: 2,
  REPLAY: 4,
  SEQUENCE: 8,
  CONF: 16,
  INTEG: 32,
} as const;

/** The Kerberos V5 GSS-API mechanism OID (RFC 1964 1.1). */
export const KRB5_MECH_OID = "1.2.840.113554.1.2.2";
/** The OID Microsoft's SSPI historically sent for Kerberos in SPNEGO; accepted as a synonym. */
export const MS_KRB5_MECH_OID = "1.2.840.48018.1.2.2";

/** Default maximum clock difference between peers (RFC 4120 1.6; MIT and Windows use 5 minutes). */
export const DEFAULT_CLOCK_SKEW_SECONDS = 300;

/** KDC port (RFC 4120 7.2.3). */
export const KDC_PORT = 88;

/**
 * KRB-ERROR codes (RFC 4120 7.5.9) by number, with their standard names. Codes the
 * client turns into a specific typed error are named in errors.ts.
 */
const KRB_ERROR_NAMES: Readonly<Record<number, string>> = {
  0: "KDC_ERR_NONE",
  1: "KDC_ERR_NAME_EXP",
  2: "KDC_ERR_SERVICE_EXP",
  3: "KDC_ERR_BAD_PVNO",
  4: "KDC_ERR_C_OLD_MAST_KVNO",
  5: "KDC_ERR_S_OLD_MAST_KVNO",
  6: "KDC_ERR_C_PRINCIPAL_UNKNOWN",
  7: "KDC_ERR_S_PRINCIPAL_UNKNOWN",
  8: "KDC_ERR_PRINCIPAL_NOT_UNIQUE",
  9: "KDC_ERR_NULL_KEY",
  10: "KDC_ERR_CANNOT_POSTDATE",
  11: "KDC_ERR_NEVER_VALID",
  12: "KDC_ERR_POLICY",
  13: "KDC_ERR_BADOPTION",
  14: "KDC_ERR_ETYPE_NOSUPP",
  15: "KDC_ERR_SUMTYPE_NOSUPP",
  16: "KDC_ERR_PADATA_TYPE_NOSUPP",
  17: "KDC_ERR_TRTYPE_NOSUPP",
  18: "KDC_ERR_CLIENT_REVOKED",
  19: "KDC_ERR_SERVICE_REVOKED",
  20: "KDC_ERR_TGT_REVOKED",
  21: "KDC_ERR_CLIENT_NOTYET",
  22: "KDC_ERR_SERVICE_NOTYET",
  23: "KDC_ERR_KEY_EXPIRED",
  24: "KDC_ERR_PREAUTH_FAILED",
  25: "KDC_ERR_PREAUTH_REQUIRED",
  26: "KDC_ERR_SERVER_NOMATCH",
  27: "KDC_ERR_MUST_USE_USER2USER",
  28: "KDC_ERR_PATH_NOT_ACCEPTED",
  29: "KDC_ERR_SVC_UNAVAILABLE",
  31: "KRB_AP_ERR_BAD_INTEGRITY",
  32: "KRB_AP_ERR_TKT_EXPIRED",
  33: "KRB_AP_ERR_TKT_NYV",
  34: "KRB_AP_ERR_REPEAT",
  35: "KRB_AP_ERR_NOT_US",
  36: "KRB_AP_ERR_BADMATCH",
  37: "KRB_AP_ERR_SKEW",
  38: "KRB_AP_ERR_BADADDR",
  39: "KRB_AP_ERR_BADVERSION",
  40: "KRB_AP_ERR_MSG_TYPE",
  41: "KRB_AP_ERR_MODIFIED",
  42: "KRB_AP_ERR_BADORDER",
  44: "KRB_AP_ERR_BADKEYVER",
  45: "KRB_AP_ERR_NOKEY",
  46: "KRB_AP_ERR_MUT_FAIL",
  47: "KRB_AP_ERR_BADDIRECTION",
  48: "KRB_AP_ERR_METHOD",
  49: "KRB_AP_ERR_BADSEQ",
  50: "KRB_AP_ERR_INAPP_CKSUM",
  51: "KRB_AP_PATH_NOT_ACCEPTED",
  52: "KRB_ERR_RESPONSE_TOO_BIG",
  60: "KRB_ERR_GENERIC",
  61: "KRB_ERR_FIELD_TOOLONG",
  62: "KDC_ERROR_CLIENT_NOT_TRUSTED",
  63: "KDC_ERROR_KDC_NOT_TRUSTED",
  64: "KDC_ERROR_INVALID_SIG",
  65: "KDC_ERR_KEY_TOO_WEAK",
  66: "KDC_ERR_CERTIFICATE_MISMATCH",
  67: "KRB_AP_ERR_NO_TGT",
  68: "KDC_ERR_WRONG_REALM",
  69: "KRB_AP_ERR_USER_TO_USER_REQUIRED",
  70: "KDC_ERR_CANT_VERIFY_CERTIFICATE",
  71: "KDC_ERR_INVALID_CERTIFICATE",
  72: "KDC_ERR_REVOKED_CERTIFICATE",
  73: "KDC_ERR_REVOCATION_STATUS_UNKNOWN",
  74: "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE",
  75: "KDC_ERR_CLIENT_NAME_MISMATCH",
  76: "KDC_ERR_KDC_NAME_MISMATCH",
};

/** KRB-ERROR codes the protocol code branches on. */
export const KrbErrorCode = {
  C_PRINCIPAL_UNKNOWN: 6,
  S_PRINCIPAL_UNKNOWN: 7,
  ETYPE_NOSUPP: 14,
  CLIENT_REVOKED: 18,
  KEY_EXPIRED: 23,
  PREAUTH_FAILED: 24,
  PREAUTH_REQUIRED: 25,
  AP_ERR_BAD_INTEGRITY: 31,
  AP_ERR_TKT_EXPIRED: 32,
  AP_ERR_TKT_NYV: 33,
  AP_ERR_REPEAT: 34,
  AP_ERR_BADMATCH: 36,
  AP_ERR_SKEW: 37,
  AP_ERR_MSG_TYPE: 40,
  AP_ERR_MODIFIED: 41,
  AP_ERR_BADKEYVER: 44,
  AP_ERR_NOKEY: 45,
  AP_ERR_INAPP_CKSUM: 50,
  RESPONSE_TOO_BIG: 52,
  GENERIC: 60,
  WRONG_REALM: 68,
} as const;

export function krbErrorName(code: number): string {
  return KRB_ERROR_NAMES[code] ?? `KRB_ERROR_${code}`;
}
