/**
 * Issue 19 acceptance, end to end through `$process-message` and the provider API: admission,
 * referral, worker named, milestones, a question and its answer, discharge with the discharge
 * fields in the update the provider receives, moved in, completed; the trust's Task shows each
 * step in order. Real local HTTP servers stand in for the provider's webhook and the trust's
 * status webhook, each checking every signature with the official `standardwebhooks` package;
 * every Task is checked against the R4 schema and invariants. On SQLite and on PostgreSQL.
 */
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { Partner } from '../../src/config/registry-types.js';
import { harness, newSecret, SECRET_ENV, testKeys, withPartner } from '../delivery/harness.js';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { r4Errors } from '../fhir/r4-validator.js';
import { testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';
import type { JsonObject } from '../ingest/fixtures.js';
import { BACKENDS, type Backend, type FreshDatabase, freshDatabase } from '../store/backends.js';
import { post } from './intake-helpers.js';
import { admission, DISCHARGE_FIELDS, discharge, UKCORE } from './stay-messages.js';

const receivers: Receiver[] = [];
const databases: FreshDatabase[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await Promise.all(databases.splice(0).map((d) => d.dispose()));
});

const WORKER = {
  name: 'Jo Example',
  role: 'Hospital housing link worker',
  phone: '0191 496 0000',
  email: 'jo.example@homegroup.example',
};
/** The worker as the one who records a step: a staff member's name and role. */
const BY_WORKER = { name: WORKER.name, role: WORKER.role };
const TEAM_LEAD = { name: 'Pat Example', role: 'Team leader' };
const QUESTION = 'Will they need a step-free flat? (synthetic)';
const REPLY = 'Yes: ground floor or a lift, please. (synthetic)';
const MOVE_DATE = '2026-12-04';

type Task = {
  resourceType: 'Task';
  status: string;
  businessStatus: { coding: Array<{ code: string }> };
  owner: { display: string; identifier: { value: string } };
  output?: Array<{
    type: { coding: Array<{ system: string; code: string }> };
    valueDateTime?: string;
    valueDate?: string;
    valueContactDetail?: { name: string; telecom?: Array<{ system: string; value: string }> };
    valueCodeableConcept?: { coding: Array<{ code: string }> };
  }>;
  note?: Array<{ authorString: string; text: string; time: string }>;
};

async function setup(backend: Backend) {
  const secret = newSecret();
  const keys = await testKeys();
  const provider = await startReceiver({ secret, jwks: () => keys.jwks() });
  const ward = await startReceiver({ secret });
  receivers.push(provider, ward);
  const db = await freshDatabase(backend);
  databases.push(db);
  const store = await db.open();
  const h = await harness({
    keys,
    secret,
    store,
    webhook: { url: provider.url },
    registry: (r) =>
      withPartner(r, {
        ...(r.partner('north-coast-trust') as Partner),
        statusWebhook: { url: ward.url, secretRef: `env:${SECRET_ENV}` },
      }),
  });
  const { app, deps } = await testApp({
    store,
    registry: h.registry,
    clock: h.clock,
    keys,
    audit: h.pipeline.audit,
  });
  const as = async (partner: string) => ({ authorization: await bearer(deps, partner) });
  /**
   * Time passes between steps, so each step has its own time: 20 s, so the whole story stays
   * inside the 5 minutes a webhook receiver accepts a signature's timestamp for.
   */
  const later = () => h.clock.advance(20_000);
  const send = async () => {
    await h.worker().runOnce();
  };
  return { h, app, deps, provider, ward, as, later, send };
}

const codes = (task: Task) => (task.output ?? []).map((o) => o.type.coding[0]?.code);

describe.each(BACKENDS)('a referral from admission to moved in, end to end (%s)', (backend) => {
  it("admission, worker named, milestones, question and answer, discharge, moved in, completed: the trust's Task shows each step in order", async () => {
    const s = await setup(backend);
    const homegroup = () => s.as('homegroup-discharge');
    const trust = () => s.as('north-coast-trust');

    // 1. The trust's admission message: a referral for Homegroup, sent by webhook.
    const admitted = await post(s.app, s.deps, admission());
    expect(admitted.status).toBe(200);
    const tasks = (admitted.body.entry as Array<{ resource: JsonObject }>)
      .map((e) => e.resource)
      .filter((r) => r.resourceType === 'Task') as unknown as Task[];
    expect(tasks).toHaveLength(1);
    const id = (tasks[0] as unknown as { id: string }).id;
    await s.send();
    expect(s.provider.received).toHaveLength(1);
    expect(JSON.parse(s.provider.received[0]?.body ?? '{}')).toMatchObject({
      type: 'referral.created',
      data: { referralId: id },
    });

    // 2. The provider accepts, names the worker and records two milestones.
    s.later();
    await request(s.app)
      .post(`/referrals/${id}/status`)
      .set(await homegroup())
      .send({ status: 'accepted', recordedBy: TEAM_LEAD })
      .expect(200);
    s.later();
    const named = await request(s.app)
      .put(`/referrals/${id}/worker`)
      .set(await homegroup())
      .send({ ...WORKER, recordedBy: TEAM_LEAD });
    expect(named.status).toBe(200);
    expect(named.body).toEqual({ id, status: 'accepted', worker: WORKER });
    s.later();
    await request(s.app)
      .post(`/referrals/${id}/status`)
      .set(await homegroup())
      .send({ status: 'contacted', recordedBy: BY_WORKER, note: 'Met on the ward (synthetic).' })
      .expect(200);
    s.later();
    await request(s.app)
      .post(`/referrals/${id}/status`)
      .set(await homegroup())
      .send({ status: 'viewing-arranged', recordedBy: { name: WORKER.name } })
      .expect(200);

    // 3. The ward asks a question; the provider answers it.
    s.later();
    await request(s.app)
      .post('/fhir/Communication')
      .set(await trust())
      .send({
        resourceType: 'Communication',
        status: 'completed',
        basedOn: [{ reference: `Task/${id}` }],
        payload: [{ contentString: QUESTION }],
        sender: { display: 'Sam Ward (discharge coordinator)' },
      })
      .expect(201);
    await s.send();
    const question = s.provider.received
      .map((r) => JSON.parse(r.body))
      .find((b) => b.type === 'referral.message');
    expect(question).toMatchObject({ data: { referralId: id, message: { text: QUESTION } } });
    s.later();
    await request(s.app)
      .post(`/referrals/${id}/messages`)
      .set(await homegroup())
      .send({ text: REPLY, author: { name: WORKER.name, role: WORKER.role } })
      .expect(201);
    await s.send();

    // 4. The move date, then the discharge: the update the provider receives carries its fields.
    s.later();
    await request(s.app)
      .post(`/referrals/${id}/status`)
      .set(await homegroup())
      .send({ status: 'move-date-set', date: MOVE_DATE, recordedBy: BY_WORKER })
      .expect(200);
    s.later();
    expect((await post(s.app, s.deps, discharge())).status).toBe(200);
    await s.send();
    const update = s.provider.received
      .map((r) => JSON.parse(r.body))
      .filter((b) => b.type === 'referral.updated')
      .at(-1);
    expect(update?.data).toMatchObject({
      referralId: id,
      cause: { event: 'discharge' },
      dataset: {
        dischargeDateTime: '2026-12-01T11:00:00Z',
        dischargeDestination: {
          system: `${UKCORE}/CodeSystem/UKCore-DischargeDestinationEngland`,
          code: '19',
        },
        dischargeMethod: { code: '1' },
      },
    });
    expect(update?.data.changes.fields).toEqual(expect.arrayContaining(DISCHARGE_FIELDS));

    // 5. Moved in, then the case is closed with its outcome.
    s.later();
    await request(s.app)
      .post(`/referrals/${id}/status`)
      .set(await homegroup())
      .send({ status: 'moved-in', recordedBy: BY_WORKER })
      .expect(200);
    s.later();
    await request(s.app)
      .post(`/referrals/${id}/status`)
      .set(await homegroup())
      .send({ status: 'completed', outcome: 'rehoused', recordedBy: BY_WORKER })
      .expect(200);
    await s.send();

    // The trust's Task: each step in order, the worker on the case, the note, the outcome.
    const task = JSON.parse(
      (
        await request(s.app)
          .get(`/fhir/Task/${id}`)
          .set(await trust())
          .expect(200)
      ).text,
    ) as Task;
    expect(r4Errors(task)).toEqual([]);
    expect(task.status).toBe('completed');
    expect(task.businessStatus.coding[0]?.code).toBe('completed');
    expect(codes(task)).toEqual([
      'queued',
      'delivered',
      'accepted',
      'named-worker',
      'contacted',
      'viewing-arranged',
      'move-date-set',
      'move-date',
      'moved-in',
      'completed',
      'outcome',
    ]);
    const times = (task.output ?? []).flatMap((o) => (o.valueDateTime ? [o.valueDateTime] : []));
    expect([...times].sort()).toEqual(times);
    expect(new Set(times).size).toBe(times.length - 1); // queued and delivered: the same worker run
    expect(task.output?.find((o) => o.type.coding[0]?.code === 'move-date')?.valueDate).toBe(MOVE_DATE);
    expect(task.output?.find((o) => o.type.coding[0]?.code === 'named-worker')?.valueContactDetail).toEqual({
      name: `${WORKER.name}, ${WORKER.role}`,
      telecom: [
        { system: 'phone', value: WORKER.phone, use: 'work' },
        { system: 'email', value: WORKER.email, use: 'work' },
      ],
    });
    expect(task.output?.at(-1)?.valueCodeableConcept?.coding[0]?.code).toBe('rehoused');
    expect(task.owner.display).toContain(`${WORKER.name}, ${WORKER.role}`);
    expect(task.note).toEqual([
      {
        authorString: `${WORKER.name}, ${WORKER.role}`,
        time: expect.any(String),
        text: 'Met on the ward (synthetic).',
      },
    ]);

    // The trust's status webhook got every step as it happened, signed, in order.
    expect(s.ward.received.every((r) => r.v1)).toBe(true);
    const pushes = s.ward.received.map((r) => JSON.parse(r.body) as { type: string; data: JsonObject });
    const statusPushes = pushes
      .filter((p) => p.type === 'referral.status')
      .map((p) => p.data as unknown as Task);
    for (const t of statusPushes) expect(r4Errors(t)).toEqual([]);
    expect(statusPushes.map((t) => t.businessStatus.coding[0]?.code)).toEqual([
      'accepted',
      'accepted',
      'contacted',
      'viewing-arranged',
      'move-date-set',
      'moved-in',
      'completed',
    ]);
    expect(statusPushes[0]?.owner.display).not.toContain(WORKER.name);
    expect(statusPushes[1]?.owner.display).toContain(WORKER.name);
    // The answer to the question reached the ward as a Communication.
    const reply = pushes.find((p) => p.type === 'referral.message')?.data as JsonObject | undefined;
    expect(reply).toMatchObject({ resourceType: 'Communication', payload: [{ contentString: REPLY }] });

    // Audited, naming who recorded each step; no free text, no contact details in the audit.
    const changes = (await s.h.audit('status-changed'))
      .map((e) => JSON.parse(e.detail ?? '{}'))
      .filter((d) => d.to);
    expect(changes.map((d) => [d.to, d.recordedBy?.name ?? null])).toEqual([
      ['accepted', TEAM_LEAD.name],
      ['contacted', WORKER.name],
      ['viewing-arranged', WORKER.name],
      ['move-date-set', WORKER.name],
      ['moved-in', WORKER.name],
      ['completed', WORKER.name],
    ]);
    const [naming, ...more] = await s.h.audit('worker-named');
    expect(more).toEqual([]);
    expect(naming).toMatchObject({ actor: 'homegroup-discharge', referral_id: id });
    expect(JSON.parse(naming?.detail ?? '{}')).toMatchObject({
      worker: { name: WORKER.name, role: WORKER.role },
      recordedBy: TEAM_LEAD,
      phoneGiven: true,
      emailGiven: true,
    });
    const audit = JSON.stringify(await s.h.audit());
    for (const secret of [WORKER.phone, WORKER.email, 'Met on the ward', MOVE_DATE, QUESTION, REPLY])
      expect(audit).not.toContain(secret);
    expect(
      (
        await request(s.app)
          .get('/audit/verify')
          .set(await s.as('ig-audit-north'))
          .expect(200)
      ).body.ok,
    ).toBe(true);
  });
});
