/**
 * The pure rules of readmission links (issue 19 item 5): which earlier referral a new one follows,
 * what the recipient may learn of it, and who is routed first.
 */
import { describe, expect, it } from 'vitest';
import type { Agreement } from '../../src/config/registry-types.js';
import {
  type EndedReferral,
  offerFirst,
  readmissionFor,
  readmissionOfField,
} from '../../src/referral/readmissions.js';

const AT = new Date('2026-11-23T10:00:00Z');
const daysAgo = (n: number) => new Date(AT.getTime() - n * 86_400_000).toISOString();
const ended = (o: Partial<EndedReferral>): EndedReferral => ({
  id: 'r1',
  sender: 'trust-a',
  recipient: 'provider-a',
  episodeKey: 'trust-a|enc-1|person',
  outcome: 'completed',
  endedAt: daysAgo(5),
  ...o,
});
const agreement = (readmission?: Agreement['readmission'], recipient = 'provider-a') =>
  ({ discloser: 'trust-a', recipient, ...(readmission ? { readmission } : {}) }) as Agreement;
const ask = (recipient: string, a = agreement(), sender = 'trust-a') => ({
  recipient,
  sender,
  episode: 'trust-a|enc-2|person',
  agreement: a,
  at: AT,
});

describe('readmissionFor', () => {
  it("prefers the recipient's own ended referral, and tells it the id and outcome", () => {
    const history = [
      ended({ id: 'newer', recipient: 'provider-b', endedAt: daysAgo(1) }),
      ended({ id: 'own' }),
    ];
    const link = readmissionFor(history, ask('provider-a'));
    expect(link?.earlier.id).toBe('own');
    expect(readmissionOfField(link as NonNullable<typeof link>)).toEqual({
      sameRecipient: true,
      referralId: 'own',
      endedAt: daysAgo(5),
      outcome: 'completed',
    });
  });

  it("tells another recipient only that a referral ended, and when; never another trust's", () => {
    const history = [ended({ recipient: 'provider-b' })];
    const link = readmissionFor(history, ask('provider-c'));
    expect(readmissionOfField(link as NonNullable<typeof link>)).toEqual({
      sameRecipient: false,
      endedAt: daysAgo(5),
    });
    expect(readmissionFor(history, ask('provider-c', agreement(), 'trust-b'))).toBeUndefined();
  });

  it('keeps to the window (default 28 days), and never links the same stay', () => {
    expect(readmissionFor([ended({ endedAt: daysAgo(29) })], ask('provider-a'))).toBeUndefined();
    expect(readmissionFor([ended({ endedAt: daysAgo(28) })], ask('provider-a'))).toBeDefined();
    expect(
      readmissionFor([ended({ endedAt: daysAgo(80) })], ask('provider-a', agreement({ windowDays: 90 }))),
    ).toBeDefined();
    expect(
      readmissionFor([ended({ episodeKey: 'trust-a|enc-2|person' })], ask('provider-a')),
    ).toBeUndefined();
  });

  it('marks offered first only for an own referral under an agreement with follow-up', () => {
    expect(readmissionFor([ended({})], ask('provider-a', agreement({ followUp: true })))?.offeredFirst).toBe(
      true,
    );
    expect(readmissionFor([ended({})], ask('provider-a'))?.offeredFirst).toBe(false);
    const other = readmissionFor(
      [ended({ recipient: 'provider-b' })],
      ask('provider-a', agreement({ followUp: true })),
    );
    expect(other?.offeredFirst).toBe(false);
  });
});

describe('offerFirst', () => {
  it('routes the earlier recipient first only when its agreement allows follow-up and the ending is in its window', () => {
    const recipients = [{ id: 'provider-b' }, { id: 'provider-a' }];
    const history = [ended({})];
    const o = { sender: 'trust-a', history, at: AT };
    expect(offerFirst(recipients, [agreement({ followUp: true })], o).map((r) => r.id)).toEqual([
      'provider-a',
      'provider-b',
    ]);
    expect(offerFirst(recipients, [agreement()], o).map((r) => r.id)).toEqual(['provider-b', 'provider-a']);
    const old = { ...o, history: [ended({ endedAt: daysAgo(40) })] };
    expect(offerFirst(recipients, [agreement({ followUp: true })], old).map((r) => r.id)).toEqual([
      'provider-b',
      'provider-a',
    ]);
  });
});
