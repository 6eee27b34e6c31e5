// AllowEncryptionOracle (CVE-2018-0886 "Encryption Oracle Remediation").
// 0 Force Updated Clients, 1 Mitigated, 2 Vulnerable (KB4093492; docs/windows-facts.md);
// a change takes a reboot.

import { InvalidArgumentError, VerifyError } from "./errors";
import { Registry } from "./registry";
import type { WsmanHostApi } from "./host-api";
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
export async function getEncryptionOracle(api: WsmanHostApi): Promise<number | undefined> {
  return new Registry(api).getDword(ENCRYPTION_ORACLE_KEY, ENCRYPTION_ORACLE_VALUE);
}

/** Set the DWORD (creating its key), or delete it with null; returns the previous value. */
export async function setEncryptionOracle(
  api: WsmanHostApi,
  value: number | null,
): Promise<{ previous: number | undefined; changed: boolean }> {
  if (value !== null && !Object.values(ENCRYPTION_ORACLE_LEVELS).includes(value as 0 | 1 | 2)) {
    throw new InvalidArgumentError(`AllowEncryptionOracle must be 0, 1 or 2 (or null to delete), got ${value}`);
  }
  const reg = new Registry(api);
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

/** Whether the ...\CredSSP\Parameters key exists. */
export async function encryptionOracleKeyExists(api: WsmanHostApi): Promise<boolean> {
  return new Registry(api).keyExists(ENCRYPTION_ORACLE_KEY);
}
