/**
 * Issue 17 item 11 for pull recipients: the first `GET /referrals/{id}` of a message is its
 * disclosure, so it is re-checked as a webhook send is (src/delivery/first-read.ts). Homestead
 * pulls here; the admission rests on a Consent held on the trust's FHIR server (nock, with a
 * pending-mocks check: a read of the server that should happen and does not fails the test).
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { Partner, Registry } from '../../src/config/registry-types.js';
import { harness, openEnded, wearmouthRequest, withPartner } from '../delivery/harness.js';
import { withConsentsOnTrustServer } from '../helpers/registry.js';
import { testApp, testTrustFhir } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';
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

mockTrustServerPerTest();

/** Homestead without a webhook: it pulls from the inbox. */
function pullingHomestead(r: Registry): Registry {
  const homestead = r.partner('homegroup-discharge') as Partner;
  return withPartner(r, { ...homestead, delivery: { mode: 'pull', format: 'dataset' } });
}

/** The admission in (the server's consent permits), an unread pull message waiting for Homestead. */
async function unreadOnPull() {
  const h = await harness({ registry: (r) => withConsentsOnTrustServer(pullingHomestead(r)) });
  const { app, deps } = await testApp({
    store: h.store,
    registry: h.registry,
    clock: h.clock,
    keys: h.keys,
    audit: h.pipeline.audit,
    trustFhir: testTrustFhir({ NC_FHIR_TOKEN: TOKEN }, 300),
  });
  searchConsents();
  expect((await post(app, deps, admission())).status).toBe(200);
  const delivery = async () =>
    h.store.db.selectFrom('deliveries').selectAll().where('kind', '=', 'referral').executeTakeFirstOrThrow();
  const queued = await delivery();
  expect(queued).toMatchObject({ channel: 'pull', state: 'pending' });
  // A token at the clock's time: the tests move the clock past a token's lifetime.
  const homestead = async () => ({ authorization: await bearer(deps, 'homegroup-discharge') });
  const read = async (status: number) =>
    request(app)
      .get(`/referrals/${queued.referral_id}`)
      .set(await homestead())
      .expect(status);
  const listNew = async () =>
    (
      await request(app)
        .get('/referrals?status=new')
        .set(await homestead())
        .expect(200)
    ).body.referrals as unknown[];
  const referralStatus = async () =>
    (await h.store.db.selectFrom('referrals').select('status').executeTakeFirstOrThrow()).status;
  return { h, app, deps, delivery, read, listNew, referralStatus, payload: queued.payload ?? '' };
}

describe('the first read of a pull message re-checks consent and agreement', () => {
  it('a withdrawal on the trust’s server before the first read: 410, nothing disclosed, cancelled and audited', async () => {
    const { h, delivery, read, listNew, referralStatus } = await unreadOnPull();
    h.clock.advance(16 * MINUTE);
    // Listing discloses nothing and reads nothing from the trust's server.
    expect(await listNew()).toHaveLength(1);
    readConsent().reply(200, serverConsent('2', 'inactive'));
    const gone = await read(410);
    expect(gone.body).toMatchObject({ title: 'deleted', status: gone.status });
    expect(gone.body.detail).toMatch(/cancelled.*nothing of it was disclosed/);
    expect(gone.text).not.toMatch(/Ashworth|9990079196/);
    expect(await h.audit('disclosed')).toEqual([]);
    expect(await delivery()).toMatchObject({
      state: 'cancelled',
      last_error: 'cancelled: consent-withdrawn',
    });
    expect(await referralStatus()).toBe('cancelled');
    const [withdrawn] = await h.audit('consent-withdrawn');
    expect(withdrawn).toMatchObject({ recipient: 'homegroup-discharge', actor: 'gateway' });
    expect(JSON.parse(String(withdrawn?.consent_refs))).toEqual([
      { reference: 'Consent/consent-on-server', versionId: '2' },
    ]);
    expect(JSON.parse(String(withdrawn?.detail))).toMatchObject({
      reasons: ['consent-withdrawn'],
      channel: 'pull',
      readBy: 'homegroup-discharge',
    });
    const [cancelled] = await h.audit('cancelled');
    expect(JSON.parse(String(cancelled?.detail))).toMatchObject({
      reason: 'consent-withdrawn',
      referralStatus: 'cancelled',
    });
    // Read again: the same answer, without asking the trust's server again (nock would refuse).
    await read(410);
    expect(await listNew()).toEqual([]);
    expect(await h.audit('disclosed')).toEqual([]);
  });

  it('the trust’s server unreachable at the first read: 503 Retry-After, nothing disclosed; a later read discloses once', async () => {
    const { h, delivery, read, listNew } = await unreadOnPull();
    h.clock.advance(16 * MINUTE);
    readConsent().times(2).reply(503, { resourceType: 'OperationOutcome', issue: [] });
    const busy = await read(503);
    expect(busy.headers['retry-after']).toBe('30');
    expect(busy.body).toMatchObject({ title: 'transient', status: busy.status });
    expect(busy.text).not.toMatch(/Ashworth|9990079196/);
    expect(await h.audit('disclosed')).toEqual([]);
    const waiting = await delivery();
    expect(waiting).toMatchObject({ state: 'pending', attempts: 1 });
    expect(waiting.last_error).toMatch(/^consent re-check: trust FHIR server server-error \(503\)/);
    const [attempted] = await h.audit('delivery-attempted');
    expect(JSON.parse(String(attempted?.detail))).toMatchObject({
      attempt: 1,
      error: waiting.last_error,
      channel: 'pull',
      readBy: 'homegroup-discharge',
    });
    expect(await listNew()).toHaveLength(1); // still new, still unread
    readConsent().reply(200, serverConsent('1'));
    const ok = await read(200);
    expect(ok.text).toBe(waiting.payload);
    expect(await h.audit('disclosed')).toHaveLength(1);
    await read(200);
    expect(await h.audit('disclosed')).toHaveLength(1);
    expect(await delivery()).toMatchObject({ state: 'delivered' });
  });

  it('a consent last confirmed longer ago than CONSENT_MAX_AGE_MS: 409 held, dead-lettered, nothing disclosed', async () => {
    const { h, delivery, read, referralStatus } = await unreadOnPull();
    h.clock.advance(25 * 60 * MINUTE);
    readConsent().times(2).replyWithError('connect ECONNREFUSED');
    const held = await read(409);
    expect(held.body).toMatchObject({ title: 'business-rule', status: held.status });
    expect(held.body.detail).toMatch(/held/);
    expect(await delivery()).toMatchObject({ state: 'failed' });
    expect(await referralStatus()).toBe('failed');
    const [failed] = await h.audit('delivery-failed');
    expect(JSON.parse(String(failed?.detail))).toMatchObject({
      reason: 'consent-unconfirmed',
      readBy: 'homegroup-discharge',
    });
    expect(JSON.parse(String(failed?.detail)).lastError).toMatch(
      /^consent re-check: trust FHIR server unreachable/,
    );
    // Again: still held, and the trust's server is not read again until an operator replays it.
    await read(409);
    expect(await h.audit('disclosed')).toEqual([]);
  });

  it('a normal first read re-confirms a stale consent and discloses exactly once', async () => {
    const { h, delivery, read, payload } = await unreadOnPull();
    h.clock.advance(16 * MINUTE);
    readConsent().reply(200, serverConsent('1'));
    const first = await read(200);
    expect(first.text).toBe(payload);
    await read(200);
    expect(await h.audit('disclosed')).toHaveLength(1);
    expect(await delivery()).toMatchObject({ state: 'delivered' });
    const memory = await h.store.db.selectFrom('consent_memory').selectAll().executeTakeFirstOrThrow();
    expect(memory.obtained_at).toBe(h.clock.now().toISOString());
  });
  it('an unread update found withdrawn at its first read: the referral ends and the read serves the notice', async () => {
    const { h, app, deps, read, referralStatus } = await unreadOnPull();
    await read(200); // the referral itself, on the consent just obtained (no server read)
    const later = laterUpdate('a0d11551-0000-4000-8000-0000000a0e02');
    searchConsents();
    expect((await post(app, deps, later)).status).toBe(200);
    h.clock.advance(16 * MINUTE);
    readConsent().reply(200, serverConsent('2', 'inactive'));
    const notice = await read(200);
    expect(JSON.parse(notice.text)).toMatchObject({ type: 'referral.consent-withdrawn' });
    expect(Object.keys(JSON.parse(notice.text).data)).toEqual(['referralId']);
    expect(notice.text).not.toMatch(/Ashworth|9990079196/);
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
    expect(await referralStatus()).toBe('cancelled');
    const disclosed = (await h.audit('disclosed')).map((e) => JSON.parse(String(e.detail)).kind);
    expect(disclosed).toEqual(['referral', 'consent-withdrawn']);
    const [cancelled] = await h.audit('cancelled');
    expect(JSON.parse(String(cancelled?.detail))).toMatchObject({
      reason: 'consent-withdrawn',
      kind: 'update',
      referralStatus: 'cancelled',
      noticeQueued: true,
      readBy: 'homegroup-discharge',
    });
  });
});

describe('the first read of a pull message re-checks the agreement', () => {
  it('an agreement ended before the first read: 410, nothing disclosed, the referral cancelled', async () => {
    const h = await harness();
    const [made] = await h.refer(wearmouthRequest());
    // The same store, read by a gateway whose agreement with Wearmouth has ended since.
    const ended = openEnded(h.registry, (a) =>
      a.id === 'dsa-north-coast-wearmouth-dtr'
        ? { ...a, effective: { from: '2000-01-01', to: '2001-01-01' } }
        : a,
    );
    const { app, deps } = await testApp({
      store: h.store,
      registry: ended,
      clock: h.clock,
      keys: h.keys,
      audit: h.pipeline.audit,
    });
    const wearmouth = { authorization: await bearer(deps, 'wearmouth-council') };
    const gone = await request(app).get(`/referrals/${made?.referralId}`).set(wearmouth).expect(410);
    expect(gone.text).not.toMatch(/Fenwick/);
    expect(await h.audit('disclosed')).toEqual([]);
    const row = await h.store.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'cancelled', last_error: 'cancelled: agreement-ended' });
    const [cancelled] = await h.audit('cancelled');
    expect(JSON.parse(String(cancelled?.detail))).toMatchObject({
      reason: 'agreement-ended',
      referralStatus: 'cancelled',
      readBy: 'wearmouth-council',
    });
    const referral = await h.store.db.selectFrom('referrals').select('status').executeTakeFirstOrThrow();
    expect(referral.status).toBe('cancelled');
  });
});
