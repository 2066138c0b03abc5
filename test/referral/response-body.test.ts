import { describe, expect, it } from 'vitest';
import { parseAnswer } from '../../src/referral/response-body.js';

const where = (body: unknown) => {
  const r = parseAnswer(body);
  return r.ok ? [] : r.issues.map((i) => i.expression);
};

describe('provider answer body', () => {
  it('accepts the three answers with what each needs', () => {
    expect(parseAnswer({ status: 'accepted' })).toEqual({ ok: true, answer: { status: 'accepted' } });
    expect(
      parseAnswer({ status: 'declined', reason: { code: 'out-of-area', text: 'Not our district' } }),
    ).toEqual({
      ok: true,
      answer: { status: 'declined', reason: { code: 'out-of-area', text: 'Not our district' } },
    });
    expect(
      parseAnswer({ status: 'completed', outcome: 'rehoused', note: 'Moved in on Friday' }),
    ).toMatchObject({
      ok: true,
      answer: { status: 'completed', outcome: 'rehoused', note: 'Moved in on Friday' },
    });
  });

  it('reports every problem at once, each located', () => {
    expect(where({ status: 'declined', outcome: 'vanished', note: 5, colour: 'blue' })).toEqual([
      'colour',
      'reason',
      'outcome',
      'note',
    ]);
    expect(where({ status: 'completed' })).toEqual(['outcome']);
    expect(where({ status: 'accepted', outcome: 'rehoused' })).toEqual(['outcome']);
    expect(where({ status: 'declined', reason: { code: 'Bad Code', text: '', extra: 1 } })).toEqual([
      'reason.code',
      'reason.text',
      'reason.extra',
    ]);
    expect(where({ status: 'maybe' })).toEqual(['status']);
    expect(where({})).toEqual(['status']);
    expect(where([])).toEqual(['$']);
    expect(where({ status: 'accepted', note: 'x'.repeat(2001) })).toEqual(['note']);
  });
});

describe('milestone body (issue 19 item 3)', () => {
  const BY = { name: 'Jo Example', role: 'Housing link worker' };

  it('takes each milestone with who recorded it; move-date-set carries its date', () => {
    expect(parseAnswer({ status: 'contacted', recordedBy: BY, note: 'Met on the ward' })).toEqual({
      ok: true,
      answer: { status: 'contacted', recordedBy: BY, note: 'Met on the ward' },
    });
    expect(parseAnswer({ status: 'move-date-set', date: '2026-12-14', recordedBy: { name: 'Jo' } })).toEqual({
      ok: true,
      answer: { status: 'move-date-set', date: '2026-12-14', recordedBy: { name: 'Jo' } },
    });
    // An answer may name who recorded it too.
    expect(parseAnswer({ status: 'accepted', recordedBy: BY })).toEqual({
      ok: true,
      answer: { status: 'accepted', recordedBy: BY },
    });
  });

  it('a milestone must name who recorded it', () => {
    expect(where({ status: 'assessed' })).toEqual(['recordedBy']);
    expect(where({ status: 'assessed', recordedBy: {} })).toEqual(['recordedBy.name']);
    expect(where({ status: 'assessed', recordedBy: { name: 'Jo', phone: '1' } })).toEqual([
      'recordedBy.phone',
    ]);
    expect(where({ status: 'assessed', recordedBy: 'Jo' })).toEqual(['recordedBy']);
  });

  it('a move date is a real calendar day, given with move-date-set only', () => {
    expect(where({ status: 'move-date-set', recordedBy: BY })).toEqual(['date']);
    for (const date of ['2026-02-30', '14/12/2026', '2026-12-14T10:00:00Z', 20261214])
      expect(where({ status: 'move-date-set', date, recordedBy: BY })).toEqual(['date']);
    expect(where({ status: 'contacted', date: '2026-12-14', recordedBy: BY })).toEqual(['date']);
    expect(where({ status: 'accepted', date: '2026-12-14' })).toEqual(['date']);
  });

  it('a milestone takes no reason and no outcome', () => {
    expect(where({ status: 'moved-in', recordedBy: BY, reason: { code: 'x', text: 'y' } })).toEqual([
      'reason',
    ]);
    expect(where({ status: 'moved-in', recordedBy: BY, outcome: 'rehoused' })).toEqual(['outcome']);
  });
});
