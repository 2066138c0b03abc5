/**
 * Issue 19 item 6 end to end through the real app: a home adaptation request from the ward's
 * occupational therapist goes through $process-message to the Care & Repair agency only (its
 * pull inbox), with the SLA of its priority (emergency 24 hours; urgent 3 and routine 20 working
 * days of England and Wales), the tenure, landlord and assessed needs in the dataset; the trust's
 * Task shows the agency and the due-by time.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { r4Errors } from '../fhir/r4-validator.js';
import { bearer } from '../helpers/tokens.js';
import { request as fixture, type JsonObject } from '../ingest/fixtures.js';
import { intakeApp, post } from './intake-helpers.js';

type Bundle = { entry: Array<{ resource: JsonObject }> };

function adaptationRequest(priority: string): Bundle {
  const b = fixture('home-adaptation') as unknown as Bundle;
  const sr = b.entry.find((e) => e.resource.resourceType === 'ServiceRequest')?.resource as JsonObject;
  sr.priority = priority;
  return b;
}

async function sendAt(now: string, priority: string) {
  const { app, deps } = await intakeApp({ clock: fixedClock(now) });
  const res = await post(app, deps, adaptationRequest(priority));
  expect(res.status).toBe(200);
  const tasks = (JSON.parse(res.text) as Bundle).entry
    .map((e) => e.resource)
    .filter((r) => r.resourceType === 'Task');
  return { app, deps, tasks };
}

describe('home adaptation referral', () => {
  // Monday 23 November 2026, 10:00 UTC; and Wednesday 23 December, across the Christmas bank
  // holidays (Friday 25 and Monday 28 December 2026, the substitute day for Boxing Day).
  it.each([
    ['stat', '2026-11-23T10:00:00.000Z', '2026-11-24T10:00:00.000Z'],
    ['asap', '2026-11-23T10:00:00.000Z', '2026-11-24T10:00:00.000Z'],
    ['urgent', '2026-11-23T10:00:00.000Z', '2026-11-26T10:00:00.000Z'],
    ['urgent', '2026-12-23T10:00:00.000Z', '2026-12-30T10:00:00.000Z'],
    ['routine', '2026-11-23T10:00:00.000Z', '2026-12-21T10:00:00.000Z'],
  ])('priority %s sent at %s is due by %s, in the inbox and on the Task', async (priority, now, due) => {
    const { app, deps, tasks } = await sendAt(now, priority);
    // Only the Care & Repair agency: the councils' Duty to Refer agreements cover referral
    // requests too, but this one asks for a home adaptation.
    expect(
      tasks.map((t) => [
        (t.owner as JsonObject & { identifier: { value: string } }).identifier.value,
        t.status,
      ]),
    ).toEqual([['CRT01', 'requested']]);
    expect(tasks[0]?.restriction).toEqual({ period: { end: due } });

    const agency = { authorization: await bearer(deps, 'tyne-care-and-repair') };
    const list = await request(app).get('/referrals?status=new').set(agency).expect(200);
    expect(list.body.referrals).toEqual([
      expect.objectContaining({ type: 'home-adaptation', status: 'queued', priority, dueBy: due }),
    ]);
    const id = list.body.referrals[0].id as string;
    const read = await request(app).get(`/referrals/${id}`).set(agency).expect(200);
    const body = JSON.parse(read.text);
    expect(body).toMatchObject({
      type: 'referral.created',
      data: {
        referralId: id,
        type: 'home-adaptation',
        datasetVersion: 'home-adaptation/1',
        priority,
        dueBy: due,
      },
    });
    expect(body.data.dataset).toMatchObject({
      tenure: { system: 'https://homeward.example/fhir/CodeSystem/housing-tenure', code: 'private-rented' },
      landlordName: 'Synthetic Lettings Ltd',
      adaptationNeeds: [{ code: 'access' }, { code: 'bathing' }, { code: 'stairs' }],
    });
    // The trust reads the same Task later, now delivered to the agency, still due by the same time.
    const trust = { authorization: await bearer(deps, 'riverside-trust') };
    const task = await request(app).get(`/fhir/Task/${tasks[0]?.id}`).set(trust).expect(200);
    expect(task.body).toMatchObject({
      owner: { identifier: { value: 'CRT01' } },
      businessStatus: { coding: [{ code: 'delivered' }] },
      restriction: { period: { end: due } },
    });
    const [disclosed] = await deps.store.db
      .selectFrom('audit')
      .selectAll()
      .where('action', '=', 'disclosed')
      .execute();
    expect(JSON.parse(String(disclosed?.fields))).toEqual(
      expect.arrayContaining(['tenure', 'landlordName', 'adaptationNeeds']),
    );
  });

  it('a referral request that does not ask for a home adaptation never reaches the agency', async () => {
    const { app, deps } = await intakeApp();
    const b = fixture('home-adaptation') as unknown as Bundle;
    const sr = b.entry.find((e) => e.resource.resourceType === 'ServiceRequest')?.resource as JsonObject;
    sr.category = [{ coding: [{ system: 'http://snomed.info/sct', code: '3457005' }] }];
    const res = await post(app, deps, b);
    expect(res.status).toBe(200);
    const decisions = await deps.store.db.selectFrom('decisions').select('recipient').execute();
    expect(decisions.map((d) => d.recipient)).not.toContain('tyne-care-and-repair');
  });

  it("the agency's work through to works complete: the trust's Task shows each step, the worker and the outcome", async () => {
    const { app, deps, tasks } = await sendAt('2026-11-23T10:00:00.000Z', 'urgent');
    const id = String(tasks[0]?.id);
    const agency = { authorization: await bearer(deps, 'tyne-care-and-repair') };
    const by = { name: 'Chris Example', role: 'Technical officer' };
    await request(app).get(`/referrals/${id}`).set(agency).expect(200);
    const post = (body: object) => request(app).post(`/referrals/${id}/status`).set(agency).send(body);
    await post({ status: 'accepted', recordedBy: by }).expect(200);
    await request(app)
      .put(`/referrals/${id}/worker`)
      .set(agency)
      .send({ ...by, phone: '0191 496 0002', recordedBy: by })
      .expect(200);
    await post({
      status: 'assessed',
      recordedBy: by,
      note: 'Grab rails and a stair rail fitted (synthetic).',
    }).expect(200);
    await post({ status: 'works-complete', recordedBy: by }).expect(200);
    // The two ends of the work exclude each other: a finished repair is not a move.
    expect((await post({ status: 'moved-in', recordedBy: by })).status).toBe(409);
    await post({ status: 'completed', outcome: 'returned-home', recordedBy: by }).expect(200);
    const task = JSON.parse(
      (
        await request(app)
          .get(`/fhir/Task/${id}`)
          .set({ authorization: await bearer(deps, 'riverside-trust') })
          .expect(200)
      ).text,
    );
    expect(r4Errors(task)).toEqual([]);
    expect(task.restriction).toEqual({ period: { end: '2026-11-26T10:00:00.000Z' } });
    expect(task.owner.display).toContain('Chris Example, Technical officer');
    expect(
      task.output.map((o: { type: { coding: Array<{ code: string }> } }) => o.type.coding[0]?.code),
    ).toEqual([
      'queued',
      'delivered',
      'accepted',
      'named-worker',
      'assessed',
      'works-complete',
      'completed',
      'outcome',
    ]);
  });

  it.each([
    ['housing-tenure', ['owner-occupier', 'private-rented', 'social-rented']],
    ['home-adaptation-need', ['access', 'bathing', 'stairs', 'heating', 'hazards']],
  ])('GET /fhir/CodeSystem/%s: the codes of a home-adaptation dataset, valid R4, without a token', async (id, codes) => {
    const { app } = await intakeApp();
    const res = await request(app).get(`/fhir/CodeSystem/${id}`).expect(200);
    const cs = JSON.parse(res.text);
    expect(r4Errors(cs)).toEqual([]);
    expect(cs).toMatchObject({ url: `https://homeward.example/fhir/CodeSystem/${id}`, count: codes.length });
    expect(cs.concept.map((c: { code: string }) => c.code)).toEqual(codes);
  });
});
