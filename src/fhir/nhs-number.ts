/**
 * The NHS number: ten digits whose last is a Modulus 11 check digit (NHS Data Dictionary,
 * "NHS NUMBER" data element; the algorithm is described there under "Validation").
 * It is the identifier consents, referrals and the audit subject hash are keyed on, so it is
 * branded: a plain string cannot be passed where a checked NHS number is required.
 */
export type NhsNumber = string & { readonly __brand: 'NhsNumber' };

/** The spelling the gateway writes; readers accept every one in systems.ts. */
export { isNhsNumberSystem, NHS_NUMBER_SYSTEM } from './systems.js';

/**
 * Modulus 11: weight the first nine digits 10 down to 2, sum, take the remainder mod 11 and
 * subtract it from 11. 11 means a check digit of 0; 10 means the number is invalid (never issued).
 */
export function nhsCheckDigit(firstNine: string): number | undefined {
  if (!/^\d{9}$/.test(firstNine)) return undefined;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(firstNine[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  return check === 10 ? undefined : check;
}

/** True for exactly ten digits (no spaces: FHIR carries the number unformatted) with a valid check digit. */
export function isValidNhsNumber(value: string): value is NhsNumber {
  if (!/^\d{10}$/.test(value)) return false;
  return nhsCheckDigit(value.slice(0, 9)) === Number(value[9]);
}

/**
 * Verification status codes meaning "number present and verified" (traced against PDS):
 * the national code `01` (under any of the CodeSystems in systems.ts), and the UK Core STU1 / BaRS
 * word code `number-present-and-verified` for the same status.
 */
export const VERIFIED_STATUS_CODES: ReadonlySet<string> = new Set(['01', 'number-present-and-verified']);
