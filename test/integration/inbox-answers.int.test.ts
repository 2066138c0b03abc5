import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { harness, wearmouthRequest } from '../delivery/harness.js';
import { testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';

async function setup() {
  const h = await harness();
  const { app, deps } = await testApp({
    store: h.store,
    registry: h.registry,
    clock: h.clock,
    keys: h.keys,
    audit: h.pipeline.audit,
  });
  const as = async (partner: string) => ({ authorization: await bearer(deps, partner) });
  return { h, app, as, deps };
}

/** A Wearmouth referral, read (so delivered) by Wearmouth. */
async function delivered(s: Awaited<ReturnType<typeof setup>>) {
  const [made] = await s.h.refer(wearmouthRequest());
  const id = made?.referralId ?? '';
  const wearmouth = await s.as('wearmouth-council');
  await request(s.app).get(`/referrals/${id}`).set(wearmouth).expect(200);
  const answer = (body: unknown) =>
    request(s.app)
      .post(`/referrals/${id}/status`)
      .set(wearmouth)
      .send(body as object);
  return { id, wearmouth, answer };
}

describe('provider answers', () => {
  it('accepted then completed: stored on the referral, audited with codes and never the note', async () => {
    const s = await setup();
    const { id, answer } = await delivered(s);
    expect((await answer({ status: 'accepted' }).expect(200)).body).toMatchObject({ id, status: 'accepted' });
    const done = await answer({
      status: 'completed',
      outcome: 'supported-accommodation',
      note: 'Flat 3 keys given',
    });
    expect(done.status).toBe(200);
    expect(done.body.response).toMatchObject({
      status: 'completed',
      outcome: 'supported-accommodation',
      by: 'wearmouth-council',
    });
    const referral = await s.h.store.db.selectFrom('referrals').selectAll().executeTakeFirstOrThrow();
    expect(referral.status).toBe('completed');
    expect(JSON.parse(referral.response ?? '{}')).toMatchObject({
      note: 'Flat 3 keys given',
      at: expect.any(String),
    });
    const changes = await s.h.audit('status-changed');
    expect(changes.map((c) => JSON.parse(c.detail ?? '{}'))).toEqual([
      {
        from: 'delivered',
        to: 'accepted',
        noteGiven: false,
        // No staff member named in the body: the entry's actor (the organisation) is who recorded it.
        recordedBy: null,
        referralStatus: 'accepted',
        referralStatusFrom: 'delivered',
      },
      {
        from: 'accepted',
        to: 'completed',
        outcome: 'supported-accommodation',
        noteGiven: true,
        recordedBy: null,
        referralStatus: 'completed',
        referralStatusFrom: 'accepted',
      },
    ]);
    expect(changes[0]).toMatchObject({
      actor: 'wearmouth-council',
      referral_id: id,
      subject_hmac: expect.any(String),
    });
    expect(JSON.stringify(await s.h.audit())).not.toContain('Flat 3');
  });

  it('declined needs a reason; the reason text stays out of the audit', async () => {
    const s = await setup();
    const { answer } = await delivered(s);
    const bad = await answer({ status: 'declined' }).expect(400);
    expect(bad.body.issues).toEqual([expect.objectContaining({ expression: 'reason' })]);
    await answer({
      status: 'declined',
      reason: { code: 'no-local-connection', text: 'Lives in Tynebridge' },
    }).expect(200);
    const [change] = await s.h.audit('status-changed');
    expect(JSON.parse(change?.detail ?? '{}')).toMatchObject({
      to: 'declined',
      reasonCode: 'no-local-connection',
    });
    expect(JSON.stringify(change)).not.toContain('Tynebridge');
  });

  it('answers 400 listing every problem in the body', async () => {
    const s = await setup();
    const { answer } = await delivered(s);
    const res = await answer({ status: 'completed', outcome: 'gone', note: 7, extra: true }).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.issues.map((i: { expression: string }) => i.expression)).toEqual([
      'extra',
      'outcome',
      'note',
    ]);
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('refuses transitions the lifecycle does not allow with 409 and why', async () => {
    const s = await setup();
    const { answer } = await delivered(s);
    const early = await answer({ status: 'completed', outcome: 'rehoused' }).expect(409);
    expect(early.body.detail).toMatch(
      /delivered cannot become completed; allowed from delivered: acknowledged, accepted, declined/,
    );
    await answer({ status: 'accepted' }).expect(200);
    expect(
      (await answer({ status: 'declined', reason: { code: 'x', text: 'y' } }).expect(409)).body.detail,
    ).toMatch(/accepted cannot become declined/);
    expect((await answer({ status: 'accepted' }).expect(409)).body.detail).toMatch(/already accepted/);
    const unread = await s.h.refer(wearmouthRequest({ messageId: 'm2', encounter: undefined }));
    const res = await request(s.app)
      .post(`/referrals/${unread[0]?.referralId}/status`)
      .set(await s.as('wearmouth-council'))
      .send({ status: 'accepted' });
    expect(res.status).toBe(409);
  });
});

describe('partner isolation', () => {
  it("provider A cannot see, acknowledge or answer provider B's referral: 404, never 403", async () => {
    const s = await setup();
    const { id } = await delivered(s);
    const [theirs] = await s.h.refer();
    const homestead = await s.as('homegroup-discharge');
    for (const call of [
      request(s.app).get(`/referrals/${id}`).set(homestead),
      request(s.app).post(`/referrals/${id}/acknowledge`).set(homestead),
      request(s.app).post(`/referrals/${id}/status`).set(homestead).send({ status: 'accepted' }),
      request(s.app)
        .get(`/referrals/${theirs?.referralId}`)
        .set(await s.as('wearmouth-council')),
    ]) {
      const res = await call;
      expect(res.status).toBe(404);
      expect(res.body.detail).toBe('No referral with this id for you');
    }
    const list = await request(s.app).get('/referrals').set(homestead).expect(200);
    expect(list.body.referrals.map((r: { id: string }) => r.id)).toEqual([theirs?.referralId]);
    const referral = await s.h.store.db
      .selectFrom('referrals')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(referral).toMatchObject({ status: 'delivered', response: null });
    expect(await s.h.audit('acknowledged')).toEqual([]);
  });

  it('needs referrals.read / referrals.write: an auditor or a trust gets 403', async () => {
    const s = await setup();
    await request(s.app)
      .get('/referrals')
      .set(await s.as('ig-audit-north'))
      .expect(403);
    await request(s.app)
      .post('/referrals/x/acknowledge')
      .set(await s.as('north-coast-trust'))
      .expect(403);
    const readOnly = { authorization: await bearer(s.deps, 'wearmouth-council', ['referrals.read']) };
    await request(s.app).get('/referrals').set(readOnly).expect(200);
    await request(s.app).post('/referrals/x/acknowledge').set(readOnly).expect(403);
  });
});
