// NTSTATUS values a CredSSP server may put in TSRequest.errorCode (values from
// MS-ERREF 2.3.1; SEC_E_LOGON_DENIED is the HRESULT from winerror.h that SSPI uses).

const NAMES: Record<number, string> = {
  0xc0000001: "STATUS_UNSUCCESSFUL",
  0xc0000022: "STATUS_ACCESS_DENIED",
  0xc000005e: "STATUS_NO_LOGON_SERVERS",
  0xc0000064: "STATUS_NO_SUCH_USER",
  0xc000006a: "STATUS_WRONG_PASSWORD",
  0xc000006d: "STATUS_LOGON_FAILURE",
  0xc000006e: "STATUS_ACCOUNT_RESTRICTION",
  0xc000006f: "STATUS_INVALID_LOGON_HOURS",
  0xc0000070: "STATUS_INVALID_WORKSTATION",
  0xc0000071: "STATUS_PASSWORD_EXPIRED",
  0xc0000072: "STATUS_ACCOUNT_DISABLED",
  0xc00000bb: "STATUS_NOT_SUPPORTED",
  0xc0000133: "STATUS_TIME_DIFFERENCE_AT_DC",
  0xc000015b: "STATUS_LOGON_TYPE_NOT_GRANTED",
  0xc0000192: "STATUS_NETLOGON_NOT_STARTED",
  0xc0000193: "STATUS_ACCOUNT_EXPIRED",
  0xc0000224: "STATUS_PASSWORD_MUST_CHANGE",
  0xc0000234: "STATUS_ACCOUNT_LOCKED_OUT",
  0xc0000413: "STATUS_AUTHENTICATION_FIREWALL_FAILED",
  0x8009030c: "SEC_E_LOGON_DENIED",
};

/** Statuses that mean "these credentials cannot log on": the user must fix the account or password. */
const CREDENTIAL_STATUSES = new Set([
  0xc0000064, 0xc000006a, 0xc000006d, 0xc000006e, 0xc000006f, 0xc0000070, 0xc0000071, 0xc0000072,
  0xc000015b, 0xc0000193, 0xc0000224, 0xc0000234, 0x8009030c,
]);

export const STATUS_LOGON_FAILURE = 0xc000006d;

/** "STATUS_LOGON_FAILURE (0xC000006D)", or just the hex for a value we do not know. */
export function ntStatusName(status: number): string {
  const hex = `0x${(status >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;
  const name = NAMES[status >>> 0];
  return name ? `${name} (${hex})` : `NTSTATUS ${hex}`;
}

export function isCredentialStatus(status: number): boolean {
  return CREDENTIAL_STATUSES.has(status >>> 0);
}
