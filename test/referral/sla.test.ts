import { describe, expect, it } from 'vitest';
import { addSla, calendarOutOfDate, dueBy, isWorkingDay, slaFor } from '../../src/referral/sla.js';

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

  it('knows when its holiday calendar needs extending', () => {
    expect(calendarOutOfDate(new Date('2028-06-01T00:00:00Z'))).toBe(false);
    expect(calendarOutOfDate(new Date('2029-01-02T00:00:00Z'))).toBe(true);
  });
});
