/**
 * The instants a FHIR `date`/`dateTime` covers (FHIR R4 datatypes, dateTime: "the precision of
 * the value is the precision of the time": `2015` is the whole year, `2015-02` the whole month,
 * `2015-02-01` the whole day). A value without a time has no zone: the gateway reads it as a
 * calendar day in England (Europe/London), as it reads agreement dates (agreement-rules.ts).
 * Used for Consent `provision.period` and `provision.dataPeriod`, both inclusive at each end.
 */
import { londonDay } from '../london-day.js';

const HOUR_MS = 3_600_000;

/** The first instant of London calendar day y-m-d (month 0-based; overflow rolls over). */
function londonMidnight(y: number, m: number, d: number): number {
  const utc = Date.UTC(y, m, d);
  if (Number.isNaN(utc)) return Number.NaN;
  const day = new Date(utc).toISOString().slice(0, 10);
  // London is UTC or UTC+1: in summer time its midnight is 23:00 UTC of the day before.
  return londonDay(new Date(utc - HOUR_MS)).date === day ? utc - HOUR_MS : utc;
}

/** Year, month (0-based) and day of a FHIR date `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (month and day default to the first). */
function parts(v: string): { y: number; m: number; d: number } {
  const [y = Number.NaN, m = 1, d = 1] = v.split('-').map(Number);
  return { y, m: m - 1, d };
}

/** The first instant `v` covers (NaN when it is not a FHIR date or dateTime). */
export function earliest(v: string): number {
  if (v.length > 10) return Date.parse(v);
  const { y, m, d } = parts(v);
  return londonMidnight(y, m, d);
}

/** The last instant `v` covers: the end of its year, month or day, or the instant itself. */
export function latest(v: string): number {
  if (v.length > 10) return Date.parse(v);
  const { y, m, d } = parts(v);
  // The precision is the length written: `YYYY` (4), `YYYY-MM` (7), otherwise a day.
  const next =
    v.length === 4
      ? londonMidnight(y + 1, 0, 1)
      : v.length === 7
        ? londonMidnight(y, m + 1, 1)
        : londonMidnight(y, m, d + 1);
  return next - 1;
}
