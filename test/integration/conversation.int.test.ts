/**
 * The conversation about a referral (issue 19 item 4): either side posts a message; it reaches
 * the other side through that side's channel (provider: webhook event or GET .../messages; trust:
 * FHIR Communication, search and status webhook); it is audited as a disclosure of free text the
 * first time the other side receives it; only the two parties see it; retention removes its text.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { Partner } from '../../src/config/registry-types.js';
import { purgeExpired } from '../../src/retention/retention.js';
import {
  harness,
  newSecret,
  SECRET_ENV,
  tynebridgeRequest,
  wearmouthRequest,
  withPartner,
} from '../delivery/harness.js';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { r4Errors } from '../fhir/r4-validator.js';
import { testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';

const QUESTION = 'What day will they be ready to leave? (synthetic)';
const ANSWER_TEXT = 'Is the flat at 4 Quay Row step-free? (synthetic)';
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(secret: string) {
  const r = await startReceiver({ secret });
  receivers.push(r);
  return r;
}

/** A Wearmouth (pull inbox) referral from North Coast, whose status webhook is a local receiver. */
async function setup(o: { providerWebhook?: boolean } = {}) {
  const secret = newSecret();
  const trustReceiver = await receiver(secret);
  const providerReceiver = await receiver(secret);
  const h = await harness({
    secret,
    registry: (r) => {
      const trust = { ...(r.partner('north-coast-trust') as Partner) };
      trust.statusWebhook = { url: trustReceiver.url, secretRef: `env:${SECRET_ENV}` };
      const tynebridge = {
        ...(r.partner('tynebridge-council') as Partner),
        delivery: {
          mode: 'webhook' as const,
          url: providerReceiver.url,
          secretRef: `env:${SECRET_ENV}`,
          signatures: ['v1' as const],
          format: 'dataset' as const,
        },
      };
      return withPartner(r, trust, tynebridge);
    },
  });
  const { app, deps } = await testApp({
    store: h.store,
    registry: h.registry,
    clock: h.clock,
    keys: h.keys,
    audit: h.pipeline.audit,
  });
  const provider = o.providerWebhook ? 'tynebridge-council' : 'wearmouth-council';
  const auth = {
    provider: { authorization: await bearer(deps, provider) },
    trust: { authorization: await bearer(deps, 'north-coast-trust') },
    otherProvider: {
      authorization: await bearer(deps, o.providerWebhook ? 'wearmouth-council' : 'tynebridge-council'),
    },
    otherTrust: { authorization: await bearer(deps, 'riverside-trust') },
  };
  const [made] = await h.refer(o.providerWebhook ? tynebridgeRequest() : wearmouthRequest());
  const id = made?.referralId ?? '';
  expect(id).not.toBe('');
  if (o.providerWebhook) {
    await h.worker().runOnce();
    expect(providerReceiver.received).toHaveLength(1);
  } else {
    await request(app).get(`/referrals/${id}`).set(auth.provider).expect(200);
  }
  const communication = (text: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Communication',
    status: 'completed',
    basedOn: [{ reference: `Task/${id}` }],
    payload: [{ contentString: text }],
    sender: { display: 'Sam Ward (discharge coordinator)' },
    ...extra,
  });
  const messageDisclosures = async () =>
    (await h.audit('disclosed')).filter((e) => JSON.parse(e.detail ?? '{}').kind === 'message');
  return {
    h,
    app,
    deps,
    id,
    auth,
    provider,
    trustReceiver,
    providerReceiver,
    communication,
    messageDisclosures,
  };
}

describe('the conversation about a referral', () => {
  it('a trust question reaches a pull-inbox provider, and is disclosed and audited when the provider reads it', async () => {
    const s = await setup();
    const posted = await request(s.app)
      .post('/fhir/Communication')
      .set(s.auth.trust)
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify(s.communication(QUESTION)));
    expect(posted.status).toBe(201);
    expect(posted.headers.location).toMatch(new RegExp(`/fhir/Communication/${posted.body.id}$`));
    expect(posted.body).toMatchObject({
      resourceType: 'Communication',
      basedOn: [{ reference: `Task/${s.id}` }],
      payload: [{ contentString: QUESTION }],
      sender: { display: expect.stringContaining('Sam Ward (discharge coordinator), North Coast') },
      recipient: [{ identifier: { value: 'LWM02' } }],
    });
    expect(r4Errors(posted.body)).toEqual([]);
    // Posted is not yet received: nothing is disclosed until the provider reads it.
    expect(await s.messageDisclosures()).toEqual([]);

    const read = await request(s.app).get(`/referrals/${s.id}/messages`).set(s.auth.provider).expect(200);
    expect(read.body).toEqual({
      referralId: s.id,
      messages: [
        {
          id: posted.body.id,
          referralId: s.id,
          from: {
            side: 'trust',
            organisation: { odsCode: 'R9N1C', name: expect.stringContaining('North Coast') },
            name: 'Sam Ward (discharge coordinator)',
          },
          text: QUESTION,
          postedAt: expect.any(String),
        },
      ],
    });
    const [disclosed, ...more] = await s.messageDisclosures();
    expect(more).toEqual([]);
    expect(disclosed).toMatchObject({
      actor: 'north-coast-trust',
      recipient: 'wearmouth-council',
      referral_id: s.id,
      payload_sha256: sha(QUESTION),
      subject_hmac: expect.any(String),
    });
    expect(JSON.parse(String(disclosed?.fields))).toEqual(['message.text']);
    expect(JSON.parse(disclosed?.detail ?? '{}')).toMatchObject({ kind: 'message', channel: 'api' });
    expect(JSON.stringify(await s.h.audit())).not.toContain('ready to leave');
    // A second read discloses nothing new.
    await request(s.app).get(`/referrals/${s.id}/messages`).set(s.auth.provider).expect(200);
    expect(await s.messageDisclosures()).toHaveLength(1);
  });

  it("a provider's answer reaches the trust's status webhook as a Communication and its search, disclosed once", async () => {
    const s = await setup();
    const posted = await request(s.app)
      .post(`/referrals/${s.id}/messages`)
      .set(s.auth.provider)
      .send({ text: ANSWER_TEXT, author: { name: 'Alex Officer', role: 'Housing officer' } });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({
      from: { side: 'provider', name: 'Alex Officer', role: 'Housing officer' },
    });
    await s.h.worker().runOnce();
    expect(s.trustReceiver.received).toHaveLength(1);
    const got = s.trustReceiver.received[0];
    expect(got?.v1).toBe(true);
    const body = JSON.parse(got?.body ?? '{}');
    expect(body).toMatchObject({
      type: 'referral.message',
      data: {
        resourceType: 'Communication',
        id: posted.body.id,
        basedOn: [{ reference: `Task/${s.id}` }],
        payload: [{ contentString: ANSWER_TEXT }],
        sender: {
          identifier: { value: 'LWM02' },
          display: expect.stringContaining('Alex Officer (Housing officer)'),
        },
      },
    });
    expect(r4Errors(body.data)).toEqual([]);
    const disclosures = await s.messageDisclosures();
    expect(disclosures).toHaveLength(1);
    expect(disclosures[0]).toMatchObject({ actor: 'wearmouth-council', recipient: 'north-coast-trust' });
    expect(JSON.parse(disclosures[0]?.detail ?? '{}')).toMatchObject({ channel: 'webhook' });

    const search = await request(s.app)
      .get('/fhir/Communication')
      .query({ 'based-on': `Task/${s.id}` })
      .set(s.auth.trust)
      .expect(200);
    expect(search.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    expect(search.body.entry[0].resource).toMatchObject({ id: posted.body.id, received: expect.any(String) });
    expect(r4Errors(search.body)).toEqual([]);
    const one = await request(s.app)
      .get(`/fhir/Communication/${posted.body.id}`)
      .set(s.auth.trust)
      .expect(200);
    expect(one.body.payload).toEqual([{ contentString: ANSWER_TEXT }]);
    // Read again by search and by id: still one disclosure.
    expect(await s.messageDisclosures()).toHaveLength(1);
    expect(s.h.logs.text()).not.toContain('step-free');
    expect(s.deps.logs.text()).not.toContain('step-free');
  });

  it("a trust message to a webhook provider goes as a referral.message event; the provider's later read adds no disclosure", async () => {
    const s = await setup({ providerWebhook: true });
    await request(s.app)
      .post('/fhir/Communication')
      .set(s.auth.trust)
      .send(s.communication(QUESTION))
      .expect(201);
    await s.h.worker().runOnce();
    expect(s.providerReceiver.received).toHaveLength(2);
    const event = JSON.parse(s.providerReceiver.received[1]?.body ?? '{}');
    expect(event).toMatchObject({
      type: 'referral.message',
      data: { referralId: s.id, message: { text: QUESTION, from: { side: 'trust' } } },
    });
    expect(s.providerReceiver.received[1]?.v1).toBe(true);
    expect(await s.messageDisclosures()).toHaveLength(1);
    await request(s.app).get(`/referrals/${s.id}/messages`).set(s.auth.provider).expect(200);
    expect(await s.messageDisclosures()).toHaveLength(1);
  });

  it('a message queued for a referral cancelled before sending is never sent', async () => {
    const s = await setup({ providerWebhook: true });
    await request(s.app)
      .post('/fhir/Communication')
      .set(s.auth.trust)
      .send(s.communication(QUESTION))
      .expect(201);
    await s.h.store.db.updateTable('referrals').set({ status: 'cancelled' }).where('id', '=', s.id).execute();
    await s.h.worker().runOnce();
    expect(s.providerReceiver.received).toHaveLength(1);
    expect(await s.messageDisclosures()).toEqual([]);
  });

  it('only the two parties of the referral see or post to its conversation (404 for anyone else)', async () => {
    const s = await setup();
    await request(s.app)
      .post('/fhir/Communication')
      .set(s.auth.trust)
      .send(s.communication(QUESTION))
      .expect(201);
    await request(s.app).get(`/referrals/${s.id}/messages`).set(s.auth.otherProvider).expect(404);
    await request(s.app)
      .post(`/referrals/${s.id}/messages`)
      .set(s.auth.otherProvider)
      .send({ text: 'hello' })
      .expect(404);
    const other = await request(s.app)
      .post('/fhir/Communication')
      .set(s.auth.otherTrust)
      .send(s.communication('hi'));
    expect(other.status).toBe(404);
    expect(other.body.resourceType).toBe('OperationOutcome');
    const search = await request(s.app)
      .get('/fhir/Communication')
      .query({ 'based-on': `Task/${s.id}` })
      .set(s.auth.otherTrust)
      .expect(200);
    expect(search.body.total).toBe(0);
    expect(await s.messageDisclosures()).toEqual([]);
  });

  it('bad messages are refused naming every problem, and nothing is stored', async () => {
    const s = await setup();
    const empty = await request(s.app).post(`/referrals/${s.id}/messages`).set(s.auth.provider).send({});
    expect(empty.status).toBe(400);
    expect(empty.body.issues).toEqual([expect.objectContaining({ expression: 'text', code: 'required' })]);
    const several = await request(s.app)
      .post(`/referrals/${s.id}/messages`)
      .set(s.auth.provider)
      .send({ text: 'x'.repeat(2001), author: { role: 7 }, extra: true });
    expect(several.status).toBe(400);
    expect(several.body.issues.map((i: { expression: string }) => i.expression).sort()).toEqual([
      'author.name',
      'author.role',
      'extra',
      'text',
    ]);
    const noPayload = await request(s.app)
      .post('/fhir/Communication')
      .set(s.auth.trust)
      .send(s.communication('x', { payload: [], basedOn: [{ reference: 'Patient/1' }] }));
    expect(noPayload.status).toBe(422);
    expect(noPayload.body.issue.map((i: { expression: string[] }) => i.expression[0])).toEqual([
      'Communication.basedOn[0].reference',
      'Communication.payload',
    ]);
    const notCommunication = await request(s.app)
      .post('/fhir/Communication')
      .set(s.auth.trust)
      .send({ resourceType: 'Task' });
    expect(notCommunication.status).toBe(400);
    const badSearch = await request(s.app)
      .get('/fhir/Communication')
      .query({ subject: 'x' })
      .set(s.auth.trust);
    expect(badSearch.status).toBe(400);
    expect(await s.h.store.db.selectFrom('referral_messages').selectAll().execute()).toEqual([]);
  });

  it('the conversation closes when the referral ends (409, with the status in words)', async () => {
    const s = await setup();
    await request(s.app)
      .post(`/referrals/${s.id}/status`)
      .set(s.auth.provider)
      .send({ status: 'declined', reason: { code: 'out-of-area', text: 'Outside our area' } })
      .expect(200);
    const fromProvider = await request(s.app)
      .post(`/referrals/${s.id}/messages`)
      .set(s.auth.provider)
      .send({ text: 'hi' });
    expect(fromProvider.status).toBe(409);
    expect(fromProvider.body.detail).toMatch(/closed: the referral is declined/);
    const fromTrust = await request(s.app)
      .post('/fhir/Communication')
      .set(s.auth.trust)
      .send(s.communication('hi'));
    expect(fromTrust.status).toBe(409);
    expect(fromTrust.body.resourceType).toBe('OperationOutcome');
  });

  it("retention removes the text of an ended referral's conversation, keeping its hash; the subject report shows the disclosure", async () => {
    const s = await setup();
    await request(s.app)
      .post('/fhir/Communication')
      .set(s.auth.trust)
      .send(s.communication(QUESTION))
      .expect(201);
    await request(s.app).get(`/referrals/${s.id}/messages`).set(s.auth.provider).expect(200);
    const auditor = { authorization: await bearer(s.deps, 'ig-audit-north') };
    const report = await request(s.app)
      .get('/audit/subject-report')
      .query({ nhsNumber: '9434765919' })
      .set(auditor);
    expect(report.status).toBe(200);
    expect(report.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          fields: ['message.text'],
          recipient: expect.objectContaining({ id: 'wearmouth-council' }),
        }),
      ]),
    );
    expect(report.body.summary.join(' ')).toContain('a message about the referral');

    await s.h.store.db
      .updateTable('referrals')
      .set({ status: 'completed', updated_at: '2000-01-01T00:00:00.000Z' })
      .where('id', '=', s.id)
      .execute();
    const purged = await purgeExpired(
      { store: s.h.store, audit: s.h.pipeline.audit },
      { retentionDays: 30, referralRetentionDays: 90, now: s.h.clock.now() },
    );
    expect(purged.messages).toBe(1);
    const [row] = await s.h.store.db.selectFrom('referral_messages').selectAll().execute();
    expect(row).toMatchObject({ text: null, text_sha256: sha(QUESTION) });
    const search = await request(s.app)
      .get('/fhir/Communication')
      .query({ 'based-on': `Task/${s.id}` })
      .set(s.auth.trust)
      .expect(200);
    expect(search.body.entry[0].resource.payload).toBeUndefined();
    expect(search.body.entry[0].resource.note[0].text).toMatch(/retention/);
    expect(r4Errors(search.body)).toEqual([]);
  });
});
