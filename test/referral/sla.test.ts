import { describe, expect, it } from 'vitest';
import { addSla, bankHolidays, dueBy, isWorkingDay, slaFor } from '../../src/referral/sla.js';

const agreement = { sla: { routine: { workingDays: 3 }, urgent: { hours: 24 } } } as const;

describe('SLA clocks', () => {
  it.each([
    ['a weekday', '2026-11-23T10:00:00Z', true],
    ['a Saturday', '2026-11-28T10:00:00Z', false],
    ['a Sunday', '2026-11-29T10:00:00Z', false],
    ['Christmas Day 2026', '2026-12-25T10:00:00Z', false],
    ['the Boxing Day substitute (Monday 28 December 2026)', '2026-12-28T10:00:00Z', false],
    ['Good Friday 2027', '2027-03-26T10:00:00Z', false],
    ['late evening UTC that is already the next day in London (BST)', '2026-05-24T23:30:00Z', false],
  ])('%s is a working day: %s', (_name, at, working) => {
    expect(isWorkingDay(new Date(at))).toBe(working);
  });

  it('counts working days over a weekend', () => {
    // Friday 27 Nov 2026 14:00 + 3 working days -> Wednesday 2 Dec 14:00
    expect(addSla(new Date('2026-11-27T14:00:00Z'), { workingDays: 3 }).toISOString()).toBe(
      '2026-12-02T14:00:00.000Z',
    );
  });

  it('skips bank holidays over Christmas', () => {
    // Thursday 24 Dec 2026 + 3 working days: 25 (hol), 26-27 (weekend), 28 (hol) -> 29, 30, 31 Dec
    expect(addSla(new Date('2026-12-24T09:00:00Z'), { workingDays: 3 }).toISOString()).toBe(
      '2026-12-31T09:00:00.000Z',
    );
  });

  it('counts from a weekend start to the next working days', () => {
    expect(addSla(new Date('2026-11-28T10:00:00Z'), { workingDays: 1 }).toISOString()).toBe(
      '2026-11-30T10:00:00.000Z',
    );
  });

  it('adds clock hours exactly, weekends included', () => {
    expect(addSla(new Date('2026-11-28T10:00:00Z'), { hours: 24 }).toISOString()).toBe(
      '2026-11-29T10:00:00.000Z',
    );
  });

  it('maps priorities onto the agreement: a missing one takes the next less urgent that is listed', () => {
    expect(slaFor(agreement, 'routine')).toEqual({ workingDays: 3 });
    expect(slaFor(agreement, 'urgent')).toEqual({ hours: 24 });
    expect(slaFor(agreement, 'stat')).toEqual({ hours: 24 });
    expect(slaFor(agreement, 'asap')).toEqual({ hours: 24 });
    expect(slaFor({ sla: { routine: { workingDays: 5 } } }, 'stat')).toEqual({ workingDays: 5 });
    expect(dueBy(agreement, 'urgent', new Date('2026-11-23T10:00:00Z')).toISOString()).toBe(
      '2026-11-24T10:00:00.000Z',
    );
  });

  // GOV.UK's published bank holidays for England and Wales (https://www.gov.uk/bank-holidays),
  // as the gateway's own calendar file listed them before the library replaced it.
  const GOV_UK = [
    '2025-01-01',
    '2025-04-18',
    '2025-04-21',
    '2025-05-05',
    '2025-05-26',
    '2025-08-25',
    '2025-12-25',
    '2025-12-26',
    '2026-01-01',
    '2026-04-03',
    '2026-04-06',
    '2026-05-04',
    '2026-05-25',
    '2026-08-31',
    '2026-12-25',
    '2026-12-28',
    '2027-01-01',
    '2027-03-26',
    '2027-03-29',
    '2027-05-03',
    '2027-05-31',
    '2027-08-30',
    '2027-12-27',
    '2027-12-28',
    '2028-01-03',
    '2028-04-14',
    '2028-04-17',
    '2028-05-01',
    '2028-05-29',
    '2028-08-28',
    '2028-12-25',
    '2028-12-26',
  ];
  const weekdayHolidays = (year: number) =>
    [...bankHolidays(year)].filter((d) => ![0, 6].includes(new Date(`${d}T12:00:00Z`).getUTCDay())).sort();

  it('the bank holidays that fall on working days are the ones GOV.UK published for 2025 to 2028', () => {
    expect([2025, 2026, 2027, 2028].flatMap(weekdayHolidays)).toEqual(GOV_UK);
  });

  it.each([
    // Easter Sunday of each year (the one moveable feast): Good Friday before, Easter Monday after.
    [2029, '2029-03-30', '2029-04-02'],
    [2030, '2030-04-19', '2030-04-22'],
    [2031, '2031-04-11', '2031-04-14'],
    [2032, '2032-03-26', '2032-03-29'],
    [2033, '2033-04-15', '2033-04-18'],
    [2034, '2034-04-07', '2034-04-10'],
    [2035, '2035-03-23', '2035-03-26'],
  ])('SLA clocks keep skipping bank holidays after the old file ended: %i has eight, Easter on %s and %s', (year, friday, monday) => {
    const days = weekdayHolidays(year);
    expect(days).toHaveLength(8);
    expect(days).toEqual(expect.arrayContaining([friday, monday]));
    // The first and last Mondays of May and the last Monday of August.
    const mondays = (month: number) =>
      Array.from({ length: 31 }, (_, i) => new Date(Date.UTC(year, month, i + 1)))
        .filter((d) => d.getUTCMonth() === month && d.getUTCDay() === 1)
        .map((d) => d.toISOString().slice(0, 10));
    expect(days).toEqual(
      expect.arrayContaining([mondays(4)[0], mondays(4).at(-1), mondays(7).at(-1)] as string[]),
    );
    // Christmas and Boxing Day, or the weekdays standing in for them.
    expect(days.filter((d) => d >= `${year}-12-25`)).toHaveLength(2);
    expect(isWorkingDay(new Date(`${friday}T10:00:00Z`))).toBe(false);
  });

  it('a working-day SLA across Easter 2035 skips Good Friday and Easter Monday', () => {
    // Thursday 22 March 2035 + 1 working day: Friday 23 and Monday 26 are holidays -> Tuesday 27.
    expect(addSla(new Date('2035-03-22T10:00:00Z'), { workingDays: 1 }).toISOString()).toBe(
      '2035-03-27T10:00:00.000Z',
    );
  });
});
