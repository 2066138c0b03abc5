/**
 * The NHS number: ten digits whose last is a Modulus 11 check digit (NHS Data Dictionary,
 * "NHS NUMBER" data element; the algorithm is described there under "Validation").
 * It is the identifier consents, referrals and the audit subject hash are keyed on, so it is
 * branded: a plain string cannot be passed where a checked NHS number is required.
 */
export type NhsNumber = string & { readonly __brand: 'NhsNumber' };

export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

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
 * UK Core England `01`, and the retired UK Core code `number-present-and-verified`
 * (https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus, superseded in UK Core STU2).
 */
export const VERIFIED_STATUS_CODES: ReadonlySet<string> = new Set(['01', 'number-present-and-verified']);
