/**
 * SLA clocks (issue 8 item 6): when a provider's answer to a referral is due. An agreement
 * gives a duration per priority, in clock hours or in working days; working days skip
 * weekends and the bank holidays of England and Wales, from the maintained `date-holidays`
 * library (region GB-ENG, its `public` holidays: the bank holidays, substitute days and one-off
 * ones such as a coronation), for any year: no calendar file that runs out (issue 25 item 7).
 */
import Holidays from 'date-holidays';
import type { Agreement, Priority, SlaDuration } from '../config/registry-types.js';
import { londonDay } from '../london-day.js';

const ENGLAND_AND_WALES = new Holidays('GB', 'ENG');
const byYear = new Map<number, ReadonlySet<string>>();
const DAY_MS = 86_400_000;

/** The bank holidays of a year as YYYY-MM-DD (London dates), computed once per year. */
export function bankHolidays(year: number): ReadonlySet<string> {
  let days = byYear.get(year);
  if (!days) {
    days = new Set(
      ENGLAND_AND_WALES.getHolidays(year)
        .filter((h) => h.type === 'public')
        .map((h) => h.date.slice(0, 10)),
    );
    byYear.set(year, days);
  }
  return days;
}

export function isWorkingDay(at: Date): boolean {
  const { date, weekday } = londonDay(at);
  return weekday !== 'Sat' && weekday !== 'Sun' && !bankHolidays(Number(date.slice(0, 4))).has(date);
}

/**
 * `start` plus the duration. Working days: the same time of day on the Nth working day after
 * the start day (so a referral made on Friday afternoon with three working days is due on
 * Wednesday afternoon, or later around bank holidays). Clock hours: exact.
 */
export function addSla(start: Date, sla: SlaDuration): Date {
  if ('hours' in sla) return new Date(start.getTime() + sla.hours * 3_600_000);
  let at = start;
  let counted = 0;
  while (counted < sla.workingDays) {
    at = new Date(at.getTime() + DAY_MS);
    if (isWorkingDay(at)) counted++;
  }
  return at;
}

/** From most to least urgent: a priority the agreement does not list takes the next less urgent one it does. */
const ORDER: readonly Priority[] = ['stat', 'asap', 'urgent', 'routine'];

export function slaFor(agreement: Pick<Agreement, 'sla'>, priority: Priority): SlaDuration {
  for (const p of ORDER.slice(ORDER.indexOf(priority))) {
    const sla = agreement.sla[p];
    if (sla) return sla;
  }
  return agreement.sla.routine;
}

export function dueBy(agreement: Pick<Agreement, 'sla'>, priority: Priority, from: Date): Date {
  return addSla(from, slaFor(agreement, priority));
}
