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
