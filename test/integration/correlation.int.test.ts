/**
 * Issue 17 item 9: one correlation id end to end. The inbound X-Correlation-Id (or, without
 * one, the id the gateway gives the message) is stored with the event and travels to every
 * audit entry the event causes, to the Task the trust sees (Task.groupIdentifier), to the
 * webhook headers of every attempt (a later attempt by another worker included) and to the
 * status pushes back to the trust.
 */
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { Partner } from '../../src/config/registry-types.js';
import { CORRELATION_ID_SYSTEM } from '../../src/referral/referral-task.js';
import { harness, newSecret, SECRET_ENV, withPartner } from '../delivery/harness.js';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';
import { request as fixture } from '../ingest/fixtures.js';
import { intakeApp, post } from './intake-helpers.js';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

type Task = { id: string; resourceType: string; groupIdentifier?: { system: string; value: string } };
const tasksOf = (text: string) =>
  (JSON.parse(text).entry as Array<{ resource: Task }>)
    .map((e) => e.resource)
    .filter((r) => r.resourceType === 'Task');
const correlationOf = (detail: string | null) =>
  (JSON.parse(detail ?? '{}') as { correlationId?: string }).correlationId;

describe('at intake', () => {
  it('stores the inbound X-Correlation-Id with the event, on its audit entries and its Tasks', async () => {
    const { app, deps } = await intakeApp();
    const res = await post(app, deps, fixture('admission'), {
      requestId: 'req-hop-1',
      correlationId: 'corr-hop-1',
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-correlation-id']).toBe('corr-hop-1');
    const [event] = await deps.store.db.selectFrom('events').selectAll().execute();
    expect(event).toMatchObject({ request_id: 'req-hop-1', correlation_id: 'corr-hop-1' });
    const entries = await deps.store.db.selectFrom('audit').selectAll().orderBy('seq').execute();
    expect(entries.map((e) => [e.action, correlationOf(e.detail)])).toEqual([
      ['received', 'corr-hop-1'],
      ['queued', 'corr-hop-1'],
    ]);
    const [task] = tasksOf(res.text);
    expect(task?.groupIdentifier).toEqual({ system: CORRELATION_ID_SYSTEM, value: 'corr-hop-1' });
    // The Task read later says the same.
    const read = await request(app)
      .get(`/fhir/Task/${task?.id}`)
      .set('authorization', await bearer(deps, 'north-coast-trust'));
    expect(JSON.parse(read.text).groupIdentifier).toEqual(task?.groupIdentifier);
    const [delivery] = await deps.store.db.selectFrom('deliveries').select('correlation_id').execute();
    expect(delivery?.correlation_id).toBe('corr-hop-1');
  });

  it('without one, gives the message one (its request id), answers it, and uses it everywhere', async () => {
    const { app, deps } = await intakeApp();
    const res = await post(app, deps, fixture('housing-need-identified'), { requestId: 'req-hop-2' });
    expect(res.headers['x-correlation-id']).toBe('req-hop-2');
    const [event] = await deps.store.db.selectFrom('events').selectAll().execute();
    expect(event?.correlation_id).toBe('req-hop-2');
    const withheld = await deps.store.db
      .selectFrom('audit')
      .selectAll()
      .where('action', '=', 'withheld')
      .execute();
    expect(withheld.map((e) => correlationOf(e.detail))).toEqual(['req-hop-2']);
    expect(tasksOf(res.text)[0]?.groupIdentifier?.value).toBe('req-hop-2');
  });

  it('never takes an id that could be an NHS number: a fresh one instead', async () => {
    const { app, deps } = await intakeApp();
    const res = await post(app, deps, fixture('admission'), { correlationId: '943-476-5919' });
    expect(res.status).toBe(200);
    const given = res.headers['x-correlation-id'];
    expect(given).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    const [event] = await deps.store.db.selectFrom('events').selectAll().execute();
    expect(event?.correlation_id).toBe(given);
  });
});

describe('after intake, at send time', () => {
  it('every webhook attempt and every status push carries the event id; the audit entries of each hop too', async () => {
    const secret = newSecret();
    const provider = await startReceiver({ secret, reply: (n) => ({ status: n === 1 ? 503 : 200 }) });
    const trust = await startReceiver({ secret });
    receivers.push(provider, trust);
    const h = await harness({
      secret,
      webhook: { url: provider.url },
      registry: (r) =>
        withPartner(r, {
          ...(r.partner('north-coast-trust') as Partner),
          statusWebhook: { url: trust.url, secretRef: `env:${SECRET_ENV}` },
        }),
    });
    const { app, deps } = await testApp({
      store: h.store,
      registry: h.registry,
      clock: h.clock,
      keys: h.keys,
      audit: h.pipeline.audit,
    });
    const res = await post(app, deps, fixture('admission'), { correlationId: 'corr-hop-3' });
    expect(res.status).toBe(200);
    const [task] = tasksOf(res.text);

    // First attempt refused (503); a later attempt, by another worker, minutes on.
    await h.worker({ owner: 'worker-a' }).runOnce();
    h.clock.advance(10 * 60_000);
    await h.worker({ owner: 'worker-b' }).runOnce();
    expect(provider.received.map((r) => r.headers['x-correlation-id'])).toEqual(['corr-hop-3', 'corr-hop-3']);
    const requestIds = provider.received.map((r) => r.headers['x-request-id']);
    expect(new Set(requestIds).size).toBe(2);

    // The provider answers; the trust's status push carries the message's id.
    const homestead = { authorization: await bearer(deps, 'homegroup-discharge') };
    await request(app).post(`/referrals/${task?.id}/acknowledge`).set(homestead).expect(200);
    await h.worker({ owner: 'worker-c' }).runOnce();
    expect(trust.received).toHaveLength(1);
    expect(trust.received[0]?.headers['x-correlation-id']).toBe('corr-hop-3');
    expect(JSON.parse(trust.received[0]?.body ?? '{}').data.groupIdentifier.value).toBe('corr-hop-3');

    const byAction = async (action: string) => (await h.audit(action)).map((e) => correlationOf(e.detail));
    expect(await byAction('delivery-attempted')).toEqual(['corr-hop-3']);
    expect(await byAction('disclosed')).toEqual(['corr-hop-3']);
    expect(await byAction('status-changed')).toContain('corr-hop-3');
  });
});
