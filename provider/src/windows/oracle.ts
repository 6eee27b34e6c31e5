// AllowEncryptionOracle (CVE-2018-0886 "Encryption Oracle Remediation").
// The value meanings are from non-Microsoft pages (unverified); a change takes a reboot.

import { VerifyError } from "./errors";
import { Registry } from "./registry";
import type { WsmanTransport } from "./transport";
import { ENCRYPTION_ORACLE_KEY, ENCRYPTION_ORACLE_VALUE, hklmPath } from "./uris";

export const ENCRYPTION_ORACLE_LEVELS = {
  forceUpdatedClients: 0,
  mitigated: 1,
  vulnerable: 2,
} as const;

export type EncryptionOracleLevel = keyof typeof ENCRYPTION_ORACLE_LEVELS;

/** The level name for a DWORD, or undefined for a value outside 0..2. */
export function encryptionOracleLevelName(value: number): EncryptionOracleLevel | undefined {
  const found = Object.entries(ENCRYPTION_ORACLE_LEVELS).find(([, v]) => v === value);
  return found?.[0] as EncryptionOracleLevel | undefined;
}

/** The DWORD, or undefined when absent (Windows then applies its default). */
export async function getEncryptionOracle(t: WsmanTransport): Promise<number | undefined> {
  return new Registry(t).getDword(ENCRYPTION_ORACLE_KEY, ENCRYPTION_ORACLE_VALUE);
}

/** Set the DWORD (creating its key), or delete it with null; returns the previous value. */
export async function setEncryptionOracle(
  t: WsmanTransport,
  value: number | null,
): Promise<{ previous: number | undefined; changed: boolean }> {
  if (value !== null && !Object.values(ENCRYPTION_ORACLE_LEVELS).includes(value as 0 | 1 | 2)) {
    throw new RangeError(`AllowEncryptionOracle must be 0, 1 or 2 (or null to delete), got ${value}`);
  }
  const reg = new Registry(t);
  const previous = await reg.getDword(ENCRYPTION_ORACLE_KEY, ENCRYPTION_ORACLE_VALUE);
  if ((value ?? undefined) === previous) return { previous, changed: false };
  if (value === null) {
    await reg.deleteValue(ENCRYPTION_ORACLE_KEY, ENCRYPTION_ORACLE_VALUE);
  } else {
    await reg.createKey(ENCRYPTION_ORACLE_KEY);
    await reg.setDword(ENCRYPTION_ORACLE_KEY, ENCRYPTION_ORACLE_VALUE, value);
  }
  const after = await reg.getDword(ENCRYPTION_ORACLE_KEY, ENCRYPTION_ORACLE_VALUE);
  if (after !== (value ?? undefined)) {
    throw new VerifyError(hklmPath(ENCRYPTION_ORACLE_KEY, ENCRYPTION_ORACLE_VALUE), value, after);
  }
  return { previous, changed: true };
}

/**
 * Delete the ...\CredSSP\Parameters key, then ...\CredSSP, while they are empty. They do
 * not exist on a default host; a caller that created them (by setting the value) calls
 * this after deleting the value so the registry ends as it began.
 */
export async function deleteEncryptionOracleKeysIfEmpty(t: WsmanTransport): Promise<void> {
  const reg = new Registry(t);
  if (await reg.deleteKeyIfEmpty(ENCRYPTION_ORACLE_KEY)) {
    await reg.deleteKeyIfEmpty(ENCRYPTION_ORACLE_KEY.slice(0, ENCRYPTION_ORACLE_KEY.lastIndexOf("\\")));
  }
}

/** Whether the ...\CredSSP\Parameters key exists. */
export async function encryptionOracleKeyExists(t: WsmanTransport): Promise<boolean> {
  return new Registry(t).keyExists(ENCRYPTION_ORACLE_KEY);
}
