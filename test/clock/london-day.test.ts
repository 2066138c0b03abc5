import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatLondonDay, londonDay, londonMidnight } from '../../src/london-day.js';

describe('londonDay (remembered per UTC hour)', () => {
  it('equals the formatted London day for any instant, across clock changes and midnights', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2020-01-01T00:00:00Z'),
          max: new Date('2040-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (at) => {
          expect(londonDay(at)).toEqual(formatLondonDay(at));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('gets the edges of British Summer Time right, minute by minute', () => {
    // BST 2026 starts 29 March 01:00 UTC and ends 25 October 01:00 UTC; midnight in London is
    // 23:00 UTC the day before while it lasts.
    for (const start of [
      '2026-03-28T22:00:00Z',
      '2026-03-29T22:00:00Z',
      '2026-10-24T22:00:00Z',
      '2026-10-25T22:00:00Z',
    ]) {
      for (let m = 0; m < 180; m++) {
        const at = new Date(Date.parse(start) + m * 60_000);
        expect(londonDay(at)).toEqual(formatLondonDay(at));
      }
    }
    expect(londonDay(new Date('2026-06-30T23:30:00Z'))).toEqual({ date: '2026-07-01', weekday: 'Wed' });
    expect(londonDay(new Date('2026-12-31T23:30:00Z'))).toEqual({ date: '2026-12-31', weekday: 'Thu' });
  });
});

describe('londonMidnight', () => {
  it('is the first instant of the day in England, every day of several years', () => {
    for (
      let t = Date.parse('2026-01-01T12:00:00Z');
      t < Date.parse('2029-01-01T00:00:00Z');
      t += 86_400_000
    ) {
      const date = new Date(t).toISOString().slice(0, 10);
      const midnight = londonMidnight(date);
      expect([date, formatLondonDay(midnight).date]).toEqual([date, date]);
      expect(formatLondonDay(new Date(midnight.getTime() - 1)).date).not.toBe(date);
    }
    expect(londonMidnight('2027-04-01')).toEqual(new Date('2027-03-31T23:00:00Z'));
    expect(londonMidnight('2028-01-01')).toEqual(new Date('2028-01-01T00:00:00Z'));
  });
});
