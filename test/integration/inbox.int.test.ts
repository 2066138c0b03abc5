import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { harness, newSecret, stay, testKeys, wearmouthRequest } from '../delivery/harness.js';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';

let rx: Receiver | undefined;
afterEach(async () => {
  await rx?.close();
  rx = undefined;
});

/** The app over the harness's store: referrals made by the pipeline, read through HTTP. */
async function setup() {
  const keys = await testKeys();
  const secret = newSecret();
  rx = await startReceiver({ secret, jwks: () => keys.jwks() });
  const h = await harness({ keys, secret, webhook: { url: rx.url } });
  const { app, deps } = await testApp({
    store: h.store,
    registry: h.registry,
    clock: h.clock,
    keys,
    audit: h.pipeline.audit,
  });
  const as = async (partner: string) => ({ authorization: await bearer(deps, partner) });
  return { h, app, as };
}

describe('pull inbox', () => {
  it('lists a new referral without its dataset; the first read is the disclosure, audited once', async () => {
    const { h, app, as } = await setup();
    const [made] = await h.refer(wearmouthRequest());
    const wearmouth = await as('wearmouth-council');
    const list = await request(app).get('/referrals?status=new').set(wearmouth).expect(200);
    expect(list.body).toEqual({
      referrals: [
        expect.objectContaining({
          id: made?.referralId,
          type: 'duty-to-refer',
          status: 'queued',
          unread: true,
        }),
      ],
      nextCursor: null,
    });
    expect(JSON.stringify(list.body)).not.toContain('Synthetic-Fenwick');
    const delivery = await h.store.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
    const read = await request(app).get(`/referrals/${made?.referralId}`).set(wearmouth).expect(200);
    expect(read.headers['content-type']).toMatch(/^application\/json/);
    expect(read.headers['webhook-id']).toBe(delivery.webhook_id);
    expect(read.text).toBe(delivery.payload);
    const [disclosed, ...more] = await h.audit('disclosed');
    expect(more).toEqual([]);
    expect(disclosed).toMatchObject({
      actor: 'north-coast-trust',
      recipient: 'wearmouth-council',
      referral_id: made?.referralId,
      agreement_id: 'dsa-north-coast-wearmouth-dtr',
      payload_sha256: delivery.payload_sha256,
      request_id: read.headers['x-request-id'],
    });
    expect(JSON.parse(disclosed?.detail ?? '{}')).toMatchObject({
      channel: 'pull',
      readBy: 'wearmouth-council',
    });
    await request(app).get(`/referrals/${made?.referralId}`).set(wearmouth).expect(200);
    expect(await h.audit('disclosed')).toHaveLength(1);
    expect((await request(app).get('/referrals?status=new').set(wearmouth)).body.referrals).toEqual([]);
    const delivered = await request(app).get('/referrals?status=delivered').set(wearmouth).expect(200);
    expect(delivered.body.referrals).toEqual([
      expect.objectContaining({ status: 'delivered', unread: false }),
    ]);
  });

  it('acknowledge: only once read; again changes nothing', async () => {
    const { h, app, as } = await setup();
    const [made] = await h.refer(wearmouthRequest());
    const wearmouth = await as('wearmouth-council');
    const ack = () => request(app).post(`/referrals/${made?.referralId}/acknowledge`).set(wearmouth);
    expect((await ack().expect(409)).body.detail).toMatch(/read it first/);
    await request(app).get(`/referrals/${made?.referralId}`).set(wearmouth).expect(200);
    expect((await ack().expect(200)).body).toEqual({ id: made?.referralId, status: 'acknowledged' });
    await ack().expect(200);
    const entries = await h.audit('acknowledged');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: 'wearmouth-council', recipient: 'wearmouth-council' });
  });

  it('an unread update supersedes the unread referral: one read, one disclosure of the newest', async () => {
    const { h, app, as } = await setup();
    const [made] = await h.refer(wearmouthRequest(stay('ENC-7')));
    h.clock.advance(1000);
    await h.refer(wearmouthRequest({ ...stay('ENC-7'), reason: 'update' }));
    const read = await request(app)
      .get(`/referrals/${made?.referralId}`)
      .set(await as('wearmouth-council'));
    expect(JSON.parse(read.text)).toMatchObject({ type: 'referral.updated', data: { version: 2 } });
    const states = await h.store.db
      .selectFrom('deliveries')
      .select(['kind', 'state'])
      .orderBy('created_at')
      .execute();
    expect(states).toEqual([
      { kind: 'referral', state: 'cancelled' },
      { kind: 'update', state: 'delivered' },
    ]);
    expect(await h.audit('disclosed')).toHaveLength(1);
    expect(JSON.parse((await h.audit('cancelled'))[0]?.detail ?? '{}')).toMatchObject({
      reason: 'superseded',
    });
    const referral = await h.store.db.selectFrom('referrals').select('status').executeTakeFirstOrThrow();
    expect(referral.status).toBe('delivered');
  });

  it('pages with an opaque cursor and refuses unknown parameters', async () => {
    const { h, app, as } = await setup();
    for (const v of ['A', 'B', 'C']) await h.refer(wearmouthRequest(stay(`ENC-${v}`)));
    const wearmouth = await as('wearmouth-council');
    const first = await request(app).get('/referrals?limit=2').set(wearmouth).expect(200);
    expect(first.body.referrals).toHaveLength(2);
    const next = await request(app).get(`/referrals?limit=2&cursor=${first.body.nextCursor}`).set(wearmouth);
    expect(next.body).toEqual({ referrals: [expect.any(Object)], nextCursor: null });
    const ids = [...first.body.referrals, ...next.body.referrals].map((r: { id: string }) => r.id);
    expect(new Set(ids).size).toBe(3);
    expect(
      (await request(app).get('/referrals?cursor=nope!').set(wearmouth).expect(400)).body.expression,
    ).toEqual(['cursor']);
    expect(
      (await request(app).get('/referrals?statsu=new').set(wearmouth).expect(400)).body.expression,
    ).toEqual(['statsu']);
    await request(app).get('/referrals?status=lost').set(wearmouth).expect(400);
  });

  it('a webhook recipient reads what was delivered to it, without a second disclosure', async () => {
    const { h, app, as } = await setup();
    const [made] = await h.refer();
    const homestead = await as('homegroup-discharge');
    const early = await request(app).get(`/referrals/${made?.referralId}`).set(homestead).expect(409);
    expect(early.body.detail).toMatch(/not been delivered/);
    await h.worker().runOnce();
    const read = await request(app).get(`/referrals/${made?.referralId}`).set(homestead).expect(200);
    expect(read.text).toBe(rx?.received[0]?.body);
    expect(await h.audit('disclosed')).toHaveLength(1);
  });
});
