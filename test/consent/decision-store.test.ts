/**
 * The `decisions` table (src/consent/decision-store.ts): each decision is stored with what an IG
 * lead needs to re-read it. Real decisions from decide(), stored in an in-memory SQLite store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decide } from '../../src/consent/decide.js';
import {
  decisionCodesOf,
  lawfulBasisText,
  linkReferral,
  recordDecision,
} from '../../src/consent/decision-store.js';
import type { Decision } from '../../src/consent/types.js';
import { openStore, type Store } from '../../src/store/index.js';
import { DISCHARGE, dischargeEvent, input, permitFor } from './builders.js';

const AT = new Date('2026-11-23T10:00:00.000Z');
const permit = decide(input('homegroup-discharge', dischargeEvent, [permitFor('HHA01', DISCHARGE)]));
/** Withheld under an agreement: v1 of the discharge agreement was in force, and terminated. */
const withheldUnderAgreement = decide(
  input('homegroup-discharge', dischargeEvent, [permitFor('HHA01', DISCHARGE)], {
    now: new Date('2026-03-30T15:00:00Z'),
  }),
);
/** Withheld with no agreement examined: the person is recorded as deceased. */
const withheldBeforeAnyAgreement = decide(
  input('homegroup-discharge', { ...dischargeEvent, deceased: true }, [permitFor('HHA01', DISCHARGE)]),
);

let store: Store;
beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  for (const id of ['ev-1', 'ev-2']) {
    await store.db
      .insertInto('events')
      .values({
        id,
        sender: 'north-coast-trust',
        message_id: `msg-${id}`,
        event_code: 'admission',
        reason: null,
        received_at: AT.toISOString(),
        request_id: null,
        payload_sha256: '0'.repeat(64),
        payload: null,
        response: null,
        status: 'processed',
        resolved: null,
      })
      .execute();
  }
});
afterEach(async () => {
  await store.close();
});

const record = (id: string, eventId: string, decision: Decision) =>
  store.transaction((tx) => recordDecision(tx, { id, eventId, decision, at: AT }));
const row = (id: string) =>
  store.db.selectFrom('decisions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('decision store: what an IG lead re-reads', () => {
  it('a permit is stored with its reasons, agreement version, consents, lawful basis, purpose and fields', async () => {
    expect(permit.outcome).toBe('permit');
    if (permit.outcome !== 'permit') return;
    await record('d-1', 'ev-1', permit);
    expect(await row('d-1')).toEqual({
      id: 'd-1',
      event_id: 'ev-1',
      recipient: 'homegroup-discharge',
      outcome: 'permit',
      reasons: JSON.stringify(permit.reasons),
      agreement_id: 'dsa-north-coast-homestead-discharge',
      agreement_version: '2',
      consents: JSON.stringify(permit.consents),
      lawful_basis: lawfulBasisText(permit),
      purpose: DISCHARGE,
      fields: JSON.stringify(permit.fields),
      decided_at: '2026-11-23T10:00:00.000Z',
      referral_id: null,
    });
    expect(JSON.parse((await row('d-1')).fields)).toContain('name');
  });

  it('a withhold under an agreement names the agreement version but no lawful basis, purpose or fields', async () => {
    expect(withheldUnderAgreement.outcome).toBe('withhold');
    await record('d-2', 'ev-1', withheldUnderAgreement);
    expect(await row('d-2')).toMatchObject({
      outcome: 'withhold',
      reasons: JSON.stringify(withheldUnderAgreement.reasons),
      agreement_id: 'dsa-north-coast-homestead-discharge',
      agreement_version: '1',
      consents: JSON.stringify(withheldUnderAgreement.consents),
      lawful_basis: null,
      purpose: null,
      fields: '[]',
    });
  });

  it('a withhold decided before any agreement was examined stores no agreement', async () => {
    expect(withheldBeforeAnyAgreement.agreement).toBeUndefined();
    await record('d-3', 'ev-1', withheldBeforeAnyAgreement);
    expect(await row('d-3')).toMatchObject({
      outcome: 'withhold',
      agreement_id: null,
      agreement_version: null,
      lawful_basis: null,
      purpose: null,
      fields: '[]',
    });
  });

  it('linking a referral marks only that decision', async () => {
    await record('d-1', 'ev-1', permit);
    await record('d-2', 'ev-1', withheldUnderAgreement);
    await store.transaction((tx) => linkReferral(tx, 'd-1', 'ref-1'));
    expect((await row('d-1')).referral_id).toBe('ref-1');
    expect((await row('d-2')).referral_id).toBeNull();
  });

  it('the lawful basis reads as one line: article 6; article 9; basis', () => {
    if (permit.outcome !== 'permit') throw new Error('expected a permit');
    const { article6, article9 } = permit.lawfulBasis;
    expect(lawfulBasisText(permit)).toBe(`${article6}; ${article9}; explicit-consent`);
  });

  it("an event's decision codes are its own decisions' outcomes and reason codes", async () => {
    await record('d-1', 'ev-1', permit);
    await record('d-2', 'ev-1', withheldUnderAgreement);
    await record('d-3', 'ev-2', withheldBeforeAnyAgreement);
    const codes = await decisionCodesOf(store.db, 'ev-1');
    expect(codes).toHaveLength(2);
    expect(codes).toEqual(
      expect.arrayContaining([
        { outcome: 'permit', reasons: [] },
        { outcome: 'withhold', reasons: ['agreement-not-active'] },
      ]),
    );
    expect(await decisionCodesOf(store.db, 'ev-2')).toEqual([{ outcome: 'withhold', reasons: ['deceased'] }]);
  });
});
