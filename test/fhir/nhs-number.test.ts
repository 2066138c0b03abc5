import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidNhsNumber, nhsCheckDigit } from '../../src/fhir/nhs-number.js';

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
  ])('rejects %s', (_why, n) => {
    expect(isValidNhsNumber(n)).toBe(false);
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
});
