/**
 * Provider answers go back to the ward (issue 8 item 5): with a `statusWebhook` in the trust's
 * partner file, each acknowledgement and answer is pushed to it as the referral's FHIR Task,
 * signed like any webhook; without one, nothing is queued for the trust.
 */
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { Partner } from '../../src/config/registry-types.js';
import { harness, newSecret, SECRET_ENV, wearmouthRequest, withPartner } from '../delivery/harness.js';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { r4Errors } from '../fhir/r4-validator.js';
import { testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function setup(withStatusWebhook: boolean) {
  const secret = newSecret();
  const trustReceiver = await startReceiver({ secret });
  receivers.push(trustReceiver);
  const h = await harness({
    secret,
    registry: (r) =>
      withStatusWebhook
        ? withPartner(r, {
            ...(r.partner('north-coast-trust') as Partner),
            statusWebhook: { url: trustReceiver.url, secretRef: `env:${SECRET_ENV}` },
          })
        : r,
  });
  const { app, deps } = await testApp({
    store: h.store,
    registry: h.registry,
    clock: h.clock,
    keys: h.keys,
    audit: h.pipeline.audit,
  });
  const wearmouth = { authorization: await bearer(deps, 'wearmouth-council') };
  const [made] = await h.refer(wearmouthRequest());
  const id = made?.referralId ?? '';
  await request(app).get(`/referrals/${id}`).set(wearmouth).expect(200);
  return { h, app, id, wearmouth, trustReceiver };
}

describe('status pushed back to the trust', () => {
  it('sends the trust each answer as its Task, signed, audited as status-changed (not a disclosure)', async () => {
    const { h, app, id, wearmouth, trustReceiver } = await setup(true);
    await request(app)
      .post(`/referrals/${id}/status`)
      .set(wearmouth)
      .send({ status: 'accepted' })
      .expect(200);
    await h.worker().runOnce();
    expect(trustReceiver.received).toHaveLength(1);
    const [got] = trustReceiver.received;
    expect(got?.v1).toBe(true);
    const body = JSON.parse(got?.body ?? '{}');
    expect(body).toMatchObject({
      type: 'referral.status',
      data: { resourceType: 'Task', id, status: 'accepted' },
    });
    expect(r4Errors(body.data)).toEqual([]);
    const pushed = (await h.audit('status-changed')).filter((e) => e.recipient === 'north-coast-trust');
    expect(pushed).toHaveLength(1);
    expect((await h.audit('disclosed')).filter((e) => e.recipient === 'north-coast-trust')).toEqual([]);
  });

  it('queues nothing for a trust without a status webhook', async () => {
    const { h, app, id, wearmouth } = await setup(false);
    await request(app)
      .post(`/referrals/${id}/status`)
      .set(wearmouth)
      .send({ status: 'accepted' })
      .expect(200);
    const toTrust = await h.store.db
      .selectFrom('deliveries')
      .selectAll()
      .where('recipient', '=', 'north-coast-trust')
      .execute();
    expect(toTrust).toEqual([]);
  });
});
