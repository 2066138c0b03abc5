/**
 * Issue 17 item 11: consent re-checked before each send. A referral resting on a Consent held
 * on the trust's FHIR server waits in the outbox while the provider's receiver is down (a real
 * local HTTP receiver answering 503); before the worker tries again, the Consent is read again
 * from the trust's server (nock) once the decision is older than CONSENT_RECHECK_AFTER_MS. A
 * withdrawal recorded only there cancels the delivery; a server that cannot be reached leaves it
 * waiting (not sent, retried); a consent last confirmed longer ago than CONSENT_MAX_AGE_MS is
 * never sent on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDeliveryWorker } from '../../src/delivery/worker.js';
import { secretReader } from '../../src/fhir/trust-credentials.js';
import { harness, newSecret, SECRET_ENV, TEST_TUNING, testKeys } from '../delivery/harness.js';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { withConsentsOnTrustServer } from '../helpers/registry.js';
import { testApp, testTrustFhir } from '../helpers/test-app.js';
import { post } from './intake-helpers.js';
import {
  admission,
  laterUpdate,
  MINUTE,
  mockTrustServerPerTest,
  readConsent,
  searchConsents,
  serverConsent,
  TOKEN,
} from './trust-consent-server.js';

const receivers: Receiver[] = [];
mockTrustServerPerTest();
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** Admission in (the server's consent permits), then one attempt the receiver refuses with 503. */
async function queuedWhileReceiverDown() {
  const secret = newSecret();
  const keys = await testKeys();
  const receiver = await startReceiver({ secret, jwks: () => keys.jwks(), reply: () => ({ status: 503 }) });
  receivers.push(receiver);
  const h = await harness({
    keys,
    secret,
    webhook: { url: receiver.url },
    registry: withConsentsOnTrustServer,
  });
  const trustFhir = testTrustFhir({ NC_FHIR_TOKEN: TOKEN }, 300);
  const { app, deps } = await testApp({
    store: h.store,
    registry: h.registry,
    clock: h.clock,
    keys,
    audit: h.pipeline.audit,
    trustFhir,
  });
  searchConsents();
  expect((await post(app, deps, admission())).status).toBe(200);
  const worker = createDeliveryWorker(
    {
      store: h.store,
      audit: h.pipeline.audit,
      registry: h.registry,
      keys,
      clock: h.clock,
      ids: deps.ids,
      trustFhir,
    },
    {
      tuning: TEST_TUNING,
      secrets: secretReader({ [SECRET_ENV]: secret }),
      random: () => 0,
      logger: h.logs.logger,
    },
  );
  // Within CONSENT_RECHECK_AFTER_MS of the decision: no read of the server (nock would refuse one).
  expect(await worker.runOnce()).toBe(1);
  expect(receiver.received).toHaveLength(1);
  const delivery = async () =>
    h.store.db.selectFrom('deliveries').selectAll().where('kind', '=', 'referral').executeTakeFirstOrThrow();
  expect(await delivery()).toMatchObject({ state: 'pending', attempts: 1 });
  return { h, app, deps, worker, receiver, delivery };
}

describe('consent re-checked before each send', () => {
  it('a withdrawal on the trust’s server while the receiver is down cancels the queued delivery, audited', async () => {
    const { h, worker, receiver, delivery } = await queuedWhileReceiverDown();
    h.clock.advance(16 * MINUTE);
    readConsent().reply(200, serverConsent('2', 'inactive'));
    receiver.setReply(() => ({ status: 200 }));
    await worker.runOnce();
    expect(receiver.received).toHaveLength(1); // only the refused first attempt, ever
    expect(await delivery()).toMatchObject({
      state: 'cancelled',
      last_error: 'cancelled: consent-withdrawn',
    });
    const referral = await h.store.db.selectFrom('referrals').select('status').executeTakeFirstOrThrow();
    expect(referral.status).toBe('cancelled');
    const [withdrawn] = await h.audit('consent-withdrawn');
    expect(withdrawn).toMatchObject({ recipient: 'homegroup-discharge', actor: 'gateway' });
    expect(JSON.parse(String(withdrawn?.consent_refs))).toEqual([
      { reference: 'Consent/consent-on-server', versionId: '2' },
    ]);
    expect(JSON.parse(String(withdrawn?.detail))).toMatchObject({ reasons: ['consent-withdrawn'] });
    const [cancelled] = await h.audit('cancelled');
    expect(JSON.parse(String(cancelled?.detail))).toMatchObject({ reason: 'consent-withdrawn' });
    expect(await h.audit('disclosed')).toEqual([]);
    // What is remembered of the server's consent holds no identifier of the person.
    const memory = JSON.stringify(await h.store.db.selectFrom('consent_memory').selectAll().execute());
    expect(memory).toContain('consent-on-server');
    expect(memory).not.toContain('9990079196');
    // Nothing more is tried.
    await worker.runOnce();
    expect(receiver.received).toHaveLength(1);
  });

  it('the trust’s server unreachable at send time: not sent, retried later, sent once it confirms', async () => {
    const { h, worker, receiver, delivery } = await queuedWhileReceiverDown();
    h.clock.advance(16 * MINUTE);
    receiver.setReply(() => ({ status: 200 }));
    readConsent().times(2).reply(503, { resourceType: 'OperationOutcome', issue: [] });
    await worker.runOnce();
    expect(receiver.received).toHaveLength(1);
    const waiting = await delivery();
    expect(waiting).toMatchObject({ state: 'pending', attempts: 2 });
    expect(waiting.last_error).toMatch(/^consent re-check: trust FHIR server server-error \(503\)/);
    const attempted = (await h.audit('delivery-attempted')).map((e) => JSON.parse(String(e.detail)));
    expect(attempted.at(-1)).toMatchObject({ attempt: 2, error: waiting.last_error });
    // The server answers again, still active: the referral goes, on the consent just confirmed.
    readConsent().reply(200, serverConsent('1'));
    await worker.runOnce();
    expect(receiver.received).toHaveLength(2);
    expect(await delivery()).toMatchObject({ state: 'delivered' });
    const memory = await h.store.db.selectFrom('consent_memory').selectAll().executeTakeFirstOrThrow();
    expect(memory.obtained_at).toBe(h.clock.now().toISOString());
  });

  it('a consent last confirmed longer ago than CONSENT_MAX_AGE_MS is never sent on: dead-lettered, audited', async () => {
    const { h, worker, receiver, delivery } = await queuedWhileReceiverDown();
    h.clock.advance(25 * 60 * MINUTE);
    receiver.setReply(() => ({ status: 200 }));
    readConsent().times(2).replyWithError('connect ECONNREFUSED');
    await worker.runOnce();
    expect(receiver.received).toHaveLength(1);
    expect(await delivery()).toMatchObject({ state: 'failed' });
    const [failed] = await h.audit('delivery-failed');
    expect(JSON.parse(String(failed?.detail))).toMatchObject({ reason: 'consent-unconfirmed' });
    expect(JSON.parse(String(failed?.detail)).lastError).toMatch(
      /^consent re-check: trust FHIR server unreachable/,
    );
    expect(await h.audit('disclosed')).toEqual([]);
  });

  it('an update found withdrawn at send: the referral the provider has ends, and they are told', async () => {
    const { h, app, deps, worker, receiver } = await queuedWhileReceiverDown();
    receiver.setReply(() => ({ status: 200 }));
    await worker.runOnce();
    expect(receiver.received.map((r) => JSON.parse(r.body).type)).toEqual([
      'referral.created',
      'referral.created',
    ]);
    // A later message of the stay: the server still lists the consent; the receiver is down again.
    receiver.setReply(() => ({ status: 503 }));
    const later = laterUpdate('a0d11551-0000-4000-8000-0000000a0e01');
    searchConsents();
    expect((await post(app, deps, later)).status).toBe(200);
    await worker.runOnce();
    expect(receiver.received).toHaveLength(3); // the update, refused
    h.clock.advance(16 * MINUTE);
    readConsent().reply(200, serverConsent('2', 'inactive'));
    receiver.setReply(() => ({ status: 200 }));
    await worker.runOnce(); // the update is cancelled, a notice queued
    await worker.runOnce(); // the notice goes
    const types = receiver.received.map((r) => JSON.parse(r.body).type);
    expect(types).toEqual([
      'referral.created',
      'referral.created',
      'referral.updated',
      'referral.consent-withdrawn',
    ]);
    const notice = JSON.parse(receiver.received[3]?.body ?? '{}');
    expect(Object.keys(notice.data)).toEqual(['referralId']);
    const rows = await h.store.db
      .selectFrom('deliveries')
      .select(['kind', 'state'])
      .orderBy('created_at')
      .execute();
    expect(rows).toEqual([
      { kind: 'referral', state: 'delivered' },
      { kind: 'update', state: 'cancelled' },
      { kind: 'consent-withdrawn', state: 'delivered' },
    ]);
    const referral = await h.store.db.selectFrom('referrals').select('status').executeTakeFirstOrThrow();
    expect(referral.status).toBe('cancelled');
    expect((await h.audit()).map((e) => e.action)).toEqual(
      expect.arrayContaining(['consent-withdrawn', 'cancelled']),
    );
  });
});
