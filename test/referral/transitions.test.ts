import { describe, expect, it } from 'vitest';
import { MILESTONES, REFERRAL_STATUSES, type ReferralStatus } from '../../src/referral/status.js';
import { allowedMoves, isLegalMove, moveProblem, TRANSITIONS } from '../../src/referral/transitions.js';

describe('the transition table', () => {
  it.each([
    ['delivered', 'accepted', true],
    ['delivered', 'declined', true],
    ['acknowledged', 'accepted', true],
    ['acknowledged', 'declined', true],
    ['accepted', 'completed', true],
    ['queued', 'accepted', false],
    ['delivered', 'completed', false],
    ['accepted', 'declined', false],
    ['accepted', 'accepted', false],
    ['declined', 'accepted', false],
    ['completed', 'completed', false],
    ['cancelled', 'accepted', false],
    ['failed', 'accepted', false],
    // Milestones (issue 19 item 3): after acceptance, forwards only, then completed.
    ['accepted', 'contacted', true],
    ['accepted', 'moved-in', true],
    ['contacted', 'assessed', true],
    ['assessed', 'contacted', false],
    ['viewing-arranged', 'move-date-set', true],
    ['move-date-set', 'move-date-set', true],
    ['move-date-set', 'moved-in', true],
    ['moved-in', 'works-complete', false],
    ['works-complete', 'moved-in', false],
    ['moved-in', 'completed', true],
    ['works-complete', 'completed', true],
    ['acknowledged', 'contacted', false],
    ['delivered', 'contacted', false],
    ['contacted', 'declined', false],
  ] as const)('provider: %s -> %s allowed: %s', (from, to, allowed) => {
    expect(isLegalMove(from, to, 'provider')).toBe(allowed);
    expect(moveProblem(from, to, 'provider') === undefined).toBe(allowed);
  });

  it('names who may make each move: the provider cannot cancel, deliver or replay; the trust cannot answer', () => {
    expect(isLegalMove('accepted', 'cancelled', 'provider')).toBe(false);
    expect(isLegalMove('accepted', 'cancelled', 'trust')).toBe(true);
    expect(isLegalMove('queued', 'delivered', 'provider')).toBe(false);
    expect(isLegalMove('queued', 'delivered', 'gateway')).toBe(true);
    expect(isLegalMove('failed', 'queued', 'gateway')).toBe(false);
    expect(isLegalMove('failed', 'queued', 'operator')).toBe(true);
    expect(isLegalMove('delivered', 'accepted', 'trust')).toBe(false);
  });

  it('has a row for every status, and the final ones lead nowhere', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...REFERRAL_STATUSES].sort());
    for (const s of ['declined', 'completed', 'cancelled'] as const) expect(TRANSITIONS[s]).toEqual({});
    // Every status but the final ones can be cancelled by the trust.
    const open = REFERRAL_STATUSES.filter((s) => !['declined', 'completed', 'cancelled'].includes(s));
    for (const s of open) expect(isLegalMove(s, 'cancelled', 'trust')).toBe(true);
  });

  it('every milestone may be followed by any later one (the two ends of the work excepted)', () => {
    MILESTONES.forEach((from, i) => {
      for (const to of MILESTONES.slice(i + 1)) {
        const ends = from === 'moved-in' && to === 'works-complete';
        expect(isLegalMove(from, to, 'provider'), `${from} -> ${to}`).toBe(!ends);
      }
    });
  });

  it('says why a move is refused, naming the current status and the moves allowed from it', () => {
    expect(moveProblem('accepted', 'declined', 'provider')).toBe(
      'A referral that is accepted cannot become declined; allowed from accepted: contacted, assessed, options-identified, offer-made, viewing-arranged, move-date-set, moved-in, works-complete, completed',
    );
    expect(moveProblem('accepted', 'accepted', 'provider')).toMatch(
      /^The referral is already accepted; allowed/,
    );
    expect(moveProblem('queued', 'accepted', 'provider')).toMatch(
      /not been delivered to you yet: read it first/,
    );
    expect(moveProblem('completed', 'accepted', 'provider')).toMatch(/completed is final: no further moves/);
    expect(moveProblem('failed', 'accepted', 'provider')).toMatch(/no move from failed is yours to make/);
    expect(allowedMoves('delivered', 'provider')).toEqual<ReferralStatus[]>([
      'acknowledged',
      'accepted',
      'declined',
    ]);
  });
});
