/**
 * Issue 19 item 3: a provider names the housing worker on the case and records milestones. What
 * may be refused is refused with the reason (400 naming every problem, 404 for another
 * partner's referral, 409 before delivery or after the end), and changes nothing; retention
 * removes the steps' facts (the move date, the worker's contact) and notes with the dataset.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { purgeExpired } from '../../src/retention/retention.js';
import { harness, wearmouthRequest } from '../delivery/harness.js';
import { r4Errors } from '../fhir/r4-validator.js';
import { testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';

const WORKER = { name: 'Jo Example', role: 'Housing options officer', email: 'jo@wearmouth.example' };
const BY = { name: 'Pat Example', role: 'Team leader' };

async function setup(o: { read?: boolean } = {}) {
  const h = await harness();
  const { app, deps } = await testApp({
    store: h.store,
    registry: h.registry,
    clock: h.clock,
    keys: h.keys,
    audit: h.pipeline.audit,
  });
  const provider = { authorization: await bearer(deps, 'wearmouth-council') };
  const [made] = await h.refer(wearmouthRequest());
  const id = made?.referralId ?? '';
  if (o.read !== false) await request(app).get(`/referrals/${id}`).set(provider).expect(200);
  const state = async () => ({
    steps: await h.store.db.selectFrom('referral_steps').selectAll().orderBy('step_no').execute(),
    audit: (await h.audit()).length,
    outbox: (await h.store.db.selectFrom('deliveries').select('id').execute()).length,
  });
  const name = (body: object, as = provider) =>
    request(app).put(`/referrals/${id}/worker`).set(as).send(body);
  const trustTask = async () =>
    JSON.parse(
      (
        await request(app)
          .get(`/fhir/Task/${id}`)
          .set({ authorization: await bearer(deps, 'north-coast-trust') })
          .expect(200)
      ).text,
    );
  return { h, app, deps, id, provider, state, name, trustTask };
}

describe('the named worker and milestones', () => {
  it("naming the worker shows them as the Task's owner with their work contact, and naming again replaces them", async () => {
    const s = await setup();
    expect((await s.name({ ...WORKER, recordedBy: BY })).status).toBe(200);
    expect(
      (await s.name({ name: 'Sam Example', role: 'Duty officer', phone: '0191 496 0001', recordedBy: BY }))
        .status,
    ).toBe(200);
    const task = await s.trustTask();
    expect(r4Errors(task)).toEqual([]);
    expect(task.owner.display).toBe(
      'Wearmouth Borough Council housing solutions (synthetic): Sam Example, Duty officer',
    );
    const workers = task.output.filter((o: { type: { text: string } }) => o.type.text === 'named-worker');
    expect(workers.map((o: { valueContactDetail: { name: string } }) => o.valueContactDetail.name)).toEqual([
      'Jo Example, Housing options officer',
      'Sam Example, Duty officer',
    ]);
    expect((await s.h.audit('worker-named')).map((e) => JSON.parse(e.detail ?? '{}').worker.name)).toEqual([
      'Jo Example',
      'Sam Example',
    ]);
  });

  it('a bad worker body is refused naming every problem, and nothing is written', async () => {
    const s = await setup();
    const before = await s.state();
    const res = await s.name({ name: 'Jo', email: 'nope', colour: 'blue' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.issues.map((i: { expression: string }) => i.expression)).toEqual([
      'colour',
      'role',
      'email',
      'recordedBy',
    ]);
    expect(await s.state()).toEqual(before);
  });

  it('another provider naming a worker on this referral gets 404, and nothing is written', async () => {
    const s = await setup();
    const before = await s.state();
    const other = { authorization: await bearer(s.deps, 'tynebridge-council') };
    expect((await s.name({ ...WORKER, recordedBy: BY }, other)).status).toBe(404);
    expect(await s.state()).toEqual(before);
  });

  it('no worker can be named before the referral reaches the provider, or after it ends (409)', async () => {
    const early = await setup({ read: false });
    const before = await early.state();
    const queued = await early.name({ ...WORKER, recordedBy: BY });
    expect(queued.status).toBe(409);
    expect(queued.body.detail).toMatch(/not been delivered to you yet \(it is queued\)/);
    expect(await early.state()).toEqual(before);

    const s = await setup();
    await request(s.app)
      .post(`/referrals/${s.id}/status`)
      .set(s.provider)
      .send({ status: 'declined', reason: { code: 'out-of-area', text: 'Outside our district' } })
      .expect(200);
    const closed = await s.name({ ...WORKER, recordedBy: BY });
    expect(closed.status).toBe(409);
    expect(closed.body.detail).toMatch(/declined: it is closed/);
  });

  it('a milestone without who recorded it, or a move date that is no date, is refused (400) and changes nothing', async () => {
    const s = await setup();
    await request(s.app)
      .post(`/referrals/${s.id}/status`)
      .set(s.provider)
      .send({ status: 'accepted' })
      .expect(200);
    const before = await s.state();
    const post = (body: object) =>
      request(s.app).post(`/referrals/${s.id}/status`).set(s.provider).send(body);
    const anonymous = await post({ status: 'contacted' });
    expect(anonymous.status).toBe(400);
    expect(anonymous.body.issues).toEqual([expect.objectContaining({ expression: 'recordedBy' })]);
    const noDate = await post({ status: 'move-date-set', date: '2026-02-30', recordedBy: BY });
    expect(noDate.status).toBe(400);
    expect(noDate.body.issues).toEqual([expect.objectContaining({ expression: 'date' })]);
    expect(await s.state()).toEqual(before);
  });

  it("retention removes the steps' facts and notes of an ended referral; the steps stay", async () => {
    const s = await setup();
    const post = (body: object) =>
      request(s.app).post(`/referrals/${s.id}/status`).set(s.provider).send(body);
    await post({ status: 'accepted' }).expect(200);
    await s.name({ ...WORKER, recordedBy: BY }).expect(200);
    await post({
      status: 'move-date-set',
      date: '2026-12-14',
      note: 'Keys on Monday (synthetic)',
      recordedBy: BY,
    }).expect(200);
    await post({ status: 'completed', outcome: 'rehoused', recordedBy: BY }).expect(200);
    const purged = await purgeExpired(
      { store: s.h.store, audit: s.h.pipeline.audit },
      // 91 days after the referral ended.
      {
        retentionDays: 30,
        referralRetentionDays: 90,
        now: new Date(s.h.clock.now().getTime() + 91 * 86_400_000),
      },
    );
    expect(purged.steps).toBe(2);
    const steps = await s.h.store.db.selectFrom('referral_steps').selectAll().orderBy('step_no').execute();
    expect(steps.map((r) => r.step)).toEqual([
      'queued',
      'delivered',
      'accepted',
      'worker-named',
      'move-date-set',
      'completed',
    ]);
    expect(steps.every((r) => r.detail === null && r.note === null)).toBe(true);
    const task = await s.trustTask();
    expect(r4Errors(task)).toEqual([]);
    const text = JSON.stringify(task);
    for (const gone of ['jo@wearmouth.example', '2026-12-14', 'Keys on Monday', 'Jo Example'])
      expect(text).not.toContain(gone);
    expect(task.owner.display).toBe('Wearmouth Borough Council housing solutions (synthetic)');
  });
});
