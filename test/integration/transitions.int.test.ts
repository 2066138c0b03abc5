/**
 * Issue 19 acceptance: "a transition-table test: every illegal move answers 409 and changes
 * nothing; every legal move is audited and shows in the Task". Every (from, to) pair of referral
 * statuses, on both store backends: through the provider API where a route exists
 * (POST /referrals/:id/acknowledge, POST /referrals/:id/status: answers and milestones), through
 * the referral stage's function for the rest (the gateway's, the trust's and the operator's moves:
 * moveReferral). "Changes nothing" is the referral row, its steps, the audit and the outbox as
 * they were. The legal moves are written out here, from design.md's lifecycle, so the
 * table in src/referral/transitions.ts is checked against them, not against itself.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Partner } from '../../src/config/registry-types.js';
import { moveReferral } from '../../src/referral/move.js';
import {
  isMilestone,
  MILESTONES,
  REFERRAL_STATUSES,
  type ReferralStatus,
} from '../../src/referral/status.js';
import type { Mover } from '../../src/referral/transitions.js';
import { type Harness, harness, wearmouthRequest, withPartner } from '../delivery/harness.js';
import { testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';
import { BACKENDS, freshDatabase } from '../store/backends.js';

const OPEN_BEFORE_ACCEPTANCE = ['queued', 'failed', 'delivered', 'acknowledged'] as const;
const AFTER_ACCEPTANCE = ['accepted', ...MILESTONES] as const;

/** The legal moves (design.md, Referral lifecycle; issue 19 item 3 for the milestones). */
function legalTargets(from: ReferralStatus): ReferralStatus[] {
  const cancel: ReferralStatus[] = ['cancelled'];
  switch (from) {
    case 'queued':
      return ['delivered', 'failed', ...cancel];
    case 'failed':
      return ['queued', 'delivered', ...cancel];
    case 'delivered':
      return ['acknowledged', 'accepted', 'declined', ...cancel];
    case 'acknowledged':
      return ['accepted', 'declined', ...cancel];
    case 'declined':
    case 'completed':
    case 'cancelled':
      return [];
    default: {
      // accepted or a milestone: any later milestone (the two ends of the work exclude each
      // other; a move date may be set again), completed, or cancelled.
      const at = from === 'accepted' ? -1 : MILESTONES.indexOf(from);
      const ends = ['moved-in', 'works-complete'];
      const later = ends.includes(from) ? [] : MILESTONES.filter((_, i) => i > at);
      return [
        ...(from === 'move-date-set' ? ['move-date-set' as const] : []),
        ...later,
        'completed',
        ...cancel,
      ];
    }
  }
}

/** Who makes a move to `to` (the only one who can reach it through the gateway). */
const moverOf = (to: ReferralStatus): Mover =>
  to === 'delivered' || to === 'failed'
    ? 'gateway'
    : to === 'queued'
      ? 'operator'
      : to === 'cancelled'
        ? 'trust'
        : 'provider';

const RECORDED_BY = { name: 'Alex Example', role: 'Housing options officer' };
const ANSWER_BODY: Partial<Record<ReferralStatus, object>> = {
  accepted: { status: 'accepted' },
  declined: { status: 'declined', reason: { code: 'no-local-connection', text: 'Synthetic reason' } },
  completed: { status: 'completed', outcome: 'rehoused' },
  ...Object.fromEntries(
    MILESTONES.map((m) => [
      m,
      { status: m, recordedBy: RECORDED_BY, ...(m === 'move-date-set' ? { date: '2026-12-14' } : {}) },
    ]),
  ),
};

describe.each(BACKENDS)('every move of the transition table (%s)', (backend) => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let h: Harness;
  let app: Awaited<ReturnType<typeof testApp>>['app'];
  let deps: Awaited<ReturnType<typeof testApp>>['deps'];
  let id: string;
  let provider: { authorization: string };
  let trust: { authorization: string };

  beforeAll(async () => {
    db = await freshDatabase(backend);
    // The trust takes status pushes, so a provider's legal move also writes the outbox.
    h = await harness({
      store: await db.open(),
      registry: (r) =>
        withPartner(r, {
          ...(r.partner('north-coast-trust') as Partner),
          statusWebhook: { url: 'https://trust.example/status', secretRef: 'env:TEST_WEBHOOK_SECRET' },
        }),
    });
    ({ app, deps } = await testApp({
      store: h.store,
      registry: h.registry,
      clock: h.clock,
      keys: h.keys,
      audit: h.pipeline.audit,
    }));
    provider = { authorization: await bearer(deps, 'wearmouth-council') };
    trust = { authorization: await bearer(deps, 'north-coast-trust') };
    const [made] = await h.refer(wearmouthRequest());
    id = made?.referralId ?? '';
    await request(app).get(`/referrals/${id}`).set(provider).expect(200);
  });
  afterAll(async () => {
    await db.dispose();
  });

  /** Everything a move may touch: the referral row, the audit, the outbox. */
  const snapshot = async () => ({
    referral: await h.store.db
      .selectFrom('referrals')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow(),
    steps: await h.store.db
      .selectFrom('referral_steps')
      .selectAll()
      .where('referral_id', '=', id)
      .orderBy('step_no')
      .execute(),
    audit: await h.store.db.selectFrom('audit').select(['seq', 'hash']).orderBy('seq').execute(),
    outbox: await h.store.db.selectFrom('deliveries').selectAll().orderBy('id').execute(),
  });

  /** Make the move the way its mover does; returns whether it was accepted, and the refusal. */
  async function attempt(to: ReferralStatus): Promise<{ ok: boolean; refusal?: string; http?: number }> {
    const at = h.clock.now();
    expect(isMilestone(to) ? ANSWER_BODY[to] : true).toBeTruthy();
    if (to === 'acknowledged' || ANSWER_BODY[to]) {
      const res =
        to === 'acknowledged'
          ? await request(app).post(`/referrals/${id}/acknowledge`).set(provider)
          : await request(app)
              .post(`/referrals/${id}/status`)
              .set(provider)
              .send(ANSWER_BODY[to] as object);
      return { ok: res.status === 200, http: res.status, refusal: res.body.detail };
    }
    const r = await h.store.transaction(async (tx) => {
      const row = await tx
        .selectFrom('referrals')
        .select(['id', 'status'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return moveReferral(tx, h.pipeline.audit, row, {
        to,
        by: moverOf(to),
        at,
        entry: { action: to === 'cancelled' ? 'cancelled' : 'status-changed', actor: 'test' },
      });
    });
    return r.ok ? { ok: true } : { ok: false, refusal: r.problem };
  }

  const pairs = REFERRAL_STATUSES.flatMap((from) => REFERRAL_STATUSES.map((to) => [from, to] as const));

  it.each(pairs)('%s -> %s', async (from, to) => {
    // A minute later each time, so a write of any column (updated_at too) shows; tokens made now.
    h.clock.advance(60_000);
    provider = { authorization: await bearer(deps, 'wearmouth-council') };
    trust = { authorization: await bearer(deps, 'north-coast-trust') };
    // The referral is put in `from` directly: a fixture, not a move under test.
    await h.store.db.updateTable('referrals').set({ status: from }).where('id', '=', id).execute();
    const before = await snapshot();
    const result = await attempt(to);
    const after = await snapshot();
    const legal = legalTargets(from).includes(to);
    if (from === 'acknowledged' && to === 'acknowledged') {
      // Acknowledging again is a safe retry: 200, and nothing written.
      expect(result).toMatchObject({ ok: true, http: 200 });
      expect(after).toEqual(before);
      return;
    }
    if (!legal) {
      expect(result.ok, `${from} -> ${to} was allowed`).toBe(false);
      if (result.http !== undefined) expect(result.http).toBe(409);
      // The refusal names the current status, and the moves allowed from it (or that there are none).
      expect(result.refusal).toContain(from);
      expect(result.refusal).toMatch(/allowed from|final: no further moves|no move from/);
      expect(after).toEqual(before);
      return;
    }
    expect(result.ok, `${from} -> ${to}: ${result.refusal}`).toBe(true);
    expect(after.referral.status).toBe(to);
    // Audited: one new entry (the provider's legal moves also queue the trust's status push).
    const added = await h.store.db
      .selectFrom('audit')
      .selectAll()
      .where('seq', '>', before.audit.at(-1)?.seq ?? 0)
      .execute();
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ referral_id: id });
    expect(JSON.parse(added[0]?.detail ?? '{}')).toMatchObject({
      referralStatus: to,
      referralStatusFrom: from,
    });
    const pushed = after.outbox.length - before.outbox.length;
    expect(pushed).toBe(moverOf(to) === 'provider' ? 1 : 0);
    // One step more, the move itself.
    expect(after.steps.map((s) => s.step)).toEqual([...before.steps.map((s) => s.step), to]);
    // Shown in the trust's Task: its status, and the move as the last of its steps.
    const task = JSON.parse((await request(app).get(`/fhir/Task/${id}`).set(trust).expect(200)).text);
    expect(task.businessStatus.coding[0].code).toBe(to);
    const steps = (task.output as Array<{ type: { coding: Array<{ code: string }> } }>)
      .map((o) => o.type.coding[0]?.code)
      .filter((c) => c !== 'move-date' && c !== 'outcome');
    expect(steps.at(-1)).toBe(to);
  });

  it('covers every status before and after acceptance', () => {
    expect(
      [...OPEN_BEFORE_ACCEPTANCE, ...AFTER_ACCEPTANCE, 'declined', 'completed', 'cancelled'].sort(),
    ).toEqual([...REFERRAL_STATUSES].sort());
  });
});
