/**
 * Which of a person's addresses is current (issue 17 item 3). R4 Address.period is "time period
 * when address was/is in use" and Address.use `old` marks one no longer in use: PDS sends the
 * whole history, previous addresses with an ended period (PDS FHIR API, Address schema: "end
 * date ... can be a future date"). An address is current when its period covers the instant
 * asked about; an address that has ended is a previous address, never "no fixed abode".
 * Catchment (via the parsed postcode) and the referral's contact details both ask here, so they
 * always agree on where the person lives.
 */
import type { Address } from 'fhir/r4.js';
import { londonDay } from '../london-day.js';

/** NHS "no fixed abode" pseudo-postcode (NHS Data Dictionary, POSTCODE OF USUAL ADDRESS). */
export const NO_FIXED_ABODE_POSTCODE = 'ZZ99 3VZ';

export const isNoFixedAbode = (postcode: string | undefined): boolean =>
  postcode?.replace(/\s+/g, '').toUpperCase() === NO_FIXED_ABODE_POSTCODE.replace(' ', '');

/**
 * `value` (a FHIR date or dateTime) compared with `at`: a dateTime as an instant, a date (or a
 * partial date) as the English calendar day at its own precision, so an end date is inclusive.
 */
function compare(value: string, at: Date): number {
  if (value.includes('T')) return Math.sign(Date.parse(value) - at.getTime());
  const day = londonDay(at).date.slice(0, value.length);
  return value < day ? -1 : value > day ? 1 : 0;
}

export function isCurrentAddress(a: Address, at: Date): boolean {
  if (a.use === 'old') return false;
  const { start, end } = a.period ?? {};
  if (start && compare(start, at) > 0) return false;
  return !(end && compare(end, at) < 0);
}

/**
 * Where the person lives: a usual (home) address first, then one with no use stated, then a
 * temporary one. Work and billing addresses say where a person works or pays, not where they
 * live, so they never place the person in a catchment.
 */
const PREFERENCE: ReadonlyArray<Address['use']> = ['home', undefined, 'temp'];

export function currentAddress(addresses: readonly Address[] | undefined, at: Date): Address | undefined {
  const current = (addresses ?? []).filter((a) => isCurrentAddress(a, at));
  for (const use of PREFERENCE) {
    const found = current.find((a) => a.use === use);
    if (found) return found;
  }
  return undefined;
}
