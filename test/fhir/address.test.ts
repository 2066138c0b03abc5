/** Which address is current (issue 17 item 3): an ended period is a previous address. */
import type { Address } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import { currentAddress, isCurrentAddress, isNoFixedAbode } from '../../src/fhir/address.js';

const AT = new Date('2026-11-23T10:00:00Z');

describe('current address', () => {
  it.each<[string, Address, boolean]>([
    ['no period', { use: 'home' }, true],
    ['started, not ended', { period: { start: '2025-09-01' } }, true],
    ['ends in the future (PDS: "can be a future date")', { period: { end: '2027-06-30' } }, true],
    ['ends today (an end date is inclusive)', { period: { end: '2026-11-23' } }, true],
    ['ended yesterday', { period: { end: '2026-11-22' } }, false],
    ['ended an hour ago (dateTime)', { period: { end: '2026-11-23T09:00:00Z' } }, false],
    ['ended last month (partial date)', { period: { end: '2026-10' } }, false],
    ['ends this month (partial date)', { period: { end: '2026-11' } }, true],
    ['starts tomorrow', { period: { start: '2026-11-24' } }, false],
    ['use old, no period', { use: 'old' }, false],
  ])('%s: current %s', (_name, address, current) => {
    expect(isCurrentAddress(address, AT)).toBe(current);
  });

  it('prefers the current home address, then one with no use, then a temporary one; never work or billing', () => {
    const previous: Address = { use: 'home', postalCode: 'DH1 3LE', period: { end: '2025-08-31' } };
    const temp: Address = { use: 'temp', postalCode: 'NE6 1AA' };
    const plain: Address = { postalCode: 'NE4 6JH' };
    const home: Address = { use: 'home', postalCode: 'NE2 1XD', period: { start: '2025-09-01' } };
    const work: Address = { use: 'work', postalCode: 'NE1 4ST' };
    expect(currentAddress([previous, temp, plain, home, work], AT)).toBe(home);
    expect(currentAddress([previous, temp, plain, work], AT)).toBe(plain);
    expect(currentAddress([previous, temp, work], AT)).toBe(temp);
    expect(currentAddress([previous, work], AT)).toBeUndefined();
    expect(currentAddress(undefined, AT)).toBeUndefined();
  });

  it('knows the no fixed abode pseudo-postcode however it is spaced', () => {
    expect(isNoFixedAbode('ZZ99 3VZ')).toBe(true);
    expect(isNoFixedAbode('zz993vz')).toBe(true);
    expect(isNoFixedAbode('NE2 1XD')).toBe(false);
    expect(isNoFixedAbode(undefined)).toBe(false);
  });
});
