import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidNhsNumber, nhsCheckDigit, VERIFIED_STATUS_CODES } from '../../src/fhir/nhs-number.js';

describe('NHS number Modulus 11 (NHS Data Dictionary)', () => {
  it.each([
    '9990079196',
    '9990237573',
    '9990395950',
    // The published worked example: 943 476 5919.
    '9434765919',
  ])('accepts %s', (n) => {
    expect(isValidNhsNumber(n)).toBe(true);
  });

  it.each([
    ['wrong check digit', '9990079197'],
    ['check digit would be 10 (never issued)', '9990000000'],
    ['spaces (FHIR carries it unformatted)', '999 007 9196'],
    ['nine digits', '999007919'],
    ['letters', '99900791OX'],
    ['empty', ''],
    // The first ten digits are a valid number: only the end anchor of the check refuses these.
    ['an eleventh digit after a valid number', '99900791961'],
    ['a valid number with a newline after it', '9990079196\n'],
    ['two valid numbers in one value', '9990079196 9990237573'],
  ])('rejects %s', (_why, n) => {
    expect(isValidNhsNumber(n)).toBe(false);
  });

  it.each([
    ['eight digits', '99900791'],
    ['ten digits', '9990079190'],
    ['a letter before nine digits', 'x999007919'],
    ['a letter in place of a digit', '99900791O'],
  ])('gives no check digit for anything but exactly nine digits: %s', (_why, s) => {
    expect(nhsCheckDigit(s)).toBeUndefined();
  });

  it('gives no check digit where the remainder makes it 10', () => {
    expect(nhsCheckDigit('999000000')).toBeUndefined();
    expect(nhsCheckDigit('943476591')).toBe(9);
  });

  it('accepts exactly one last digit for any nine digits, or none', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{9}$/), (nine) => {
        const valid = [...'0123456789'].filter((d) => isValidNhsNumber(nine + d));
        const check = nhsCheckDigit(nine);
        expect(valid).toEqual(check === undefined ? [] : [String(check)]);
      }),
    );
  });

  // The national code 01 and the UK Core STU1 / BaRS word code say the same: traced against PDS.
  it('counts only "number present and verified" (01, in either spelling) as a verified number', () => {
    expect([...VERIFIED_STATUS_CODES].sort()).toEqual(['01', 'number-present-and-verified']);
    for (const unverified of ['02', '03', '', 'number-present-but-not-traced'])
      expect(VERIFIED_STATUS_CODES.has(unverified)).toBe(false);
  });
});
