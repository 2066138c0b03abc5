/**
 * Issue 7 end to end through the real app: admission with a housing need -> a referral to the
 * discharge service; referral request with a chosen authority -> Duty to Refer to that authority
 * only; expected discharge -> an update of the same referral; no consent -> withheld, Task
 * rejected. And the trust's Task routes: its own Tasks only.
 */
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { r4Errors } from '../fhir/r4-validator.js';
import { bearer } from '../helpers/tokens.js';
import { request as fixture } from '../ingest/fixtures.js';
import { intakeApp, post } from './intake-helpers.js';

type Ctx = Awaited<ReturnType<typeof intakeApp>>;
type Message = { entry: Array<{ resource: { resourceType: string } & Record<string, unknown> }> };
let ctx: Ctx;
beforeEach(async () => {
  ctx = await intakeApp();
});

const tasksOf = (text: string) =>
  (JSON.parse(text).entry as Array<{ resource: { resourceType: string } & Record<string, unknown> }>)
    .map((e) => e.resource)
    .filter((r) => r.resourceType === 'Task') as unknown as TaskLike[];
type TaskLike = { id: string; status: string; owner: { identifier: { value: string } } };

describe('from FHIR events to referrals', () => {
  it('admission with a housing need: one referral to the discharge service, Task requested', async () => {
    const res = await post(ctx.app, ctx.deps, fixture('admission'));
    expect(res.status).toBe(200);
    const tasks = tasksOf(res.text);
    expect(tasks.map((t) => [t.owner.identifier.value, t.status])).toEqual([['HHA01', 'requested']]);
    const referrals = await ctx.deps.store.db.selectFrom('referrals').selectAll().execute();
    expect(referrals).toMatchObject([
      { recipient: 'homegroup-discharge', type: 'discharge-support', status: 'queued' },
    ]);
  });

  it('referral request naming an authority: Duty to Refer to that authority only', async () => {
    const res = await post(ctx.app, ctx.deps, fixture('referral-request'));
    expect(tasksOf(res.text).map((t) => t.owner.identifier.value)).toEqual(['LTB01']);
    const decisions = await ctx.deps.store.db
      .selectFrom('decisions')
      .select(['recipient', 'outcome'])
      .execute();
    expect(decisions).toEqual([{ recipient: 'tynebridge-council', outcome: 'permit' }]);
  });

  it('expected discharge updates the referral made at admission', async () => {
    const admission = fixture('admission') as Message;
    const first = tasksOf((await post(ctx.app, ctx.deps, admission)).text);
    // The same stay a week later: a new message about the same Encounter, now with a planned end.
    const later = structuredClone(admission);
    const header = later.entry[0]?.resource as Record<string, unknown>;
    header.id = 'a0d11551-0000-4000-8000-0000000000ed';
    header.eventCoding = {
      system: 'https://homeward.example/fhir/CodeSystem/homeward-housing-events',
      code: 'expected-discharge',
    };
    header.reason = {
      coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/message-reason-bars', code: 'update' }],
    };
    const encounter = later.entry.find((e) => e.resource.resourceType === 'Encounter')?.resource as Record<
      string,
      unknown
    >;
    encounter.extension = [
      {
        url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Encounter.plannedEndDate',
        valueDateTime: '2026-11-30T12:00:00Z',
      },
    ];
    const second = tasksOf((await post(ctx.app, ctx.deps, later)).text);
    expect(second.map((t) => t.id)).toEqual(first.map((t) => t.id));
    const referral = await ctx.deps.store.db.selectFrom('referrals').selectAll().executeTakeFirstOrThrow();
    expect(referral.version).toBe(2);
    const kinds = await ctx.deps.store.db.selectFrom('deliveries').select('kind').execute();
    expect(kinds.map((k) => k.kind).sort()).toEqual(['referral', 'update']);
    expect(JSON.parse(referral.dataset ?? '{}').expectedDischargeDate).toBe('2026-11-30');
  });

  it('a person without consent: withheld with its reason, Task rejected, nothing queued', async () => {
    const res = await post(ctx.app, ctx.deps, fixture('housing-need-identified'));
    const [task] = tasksOf(res.text);
    expect(task).toMatchObject({
      status: 'rejected',
      statusReason: { coding: [{ code: 'consent-missing' }] },
    });
    expect(await ctx.deps.store.db.selectFrom('deliveries').selectAll().execute()).toEqual([]);
    const withheld = await ctx.deps.store.db
      .selectFrom('audit')
      .selectAll()
      .where('action', '=', 'withheld')
      .execute();
    expect(withheld).toHaveLength(1);
  });

  it('every Task and response Bundle emitted is valid R4', async () => {
    for (const name of ['admission', 'referral-request', 'housing-need-identified', 'restricted-patient']) {
      const res = await post(ctx.app, ctx.deps, fixture(name));
      expect(r4Errors(JSON.parse(res.text)), name).toEqual([]);
    }
  });
});

describe('GET /fhir/Task', () => {
  it('reads a Task by id and searches by focus and identifier, for the sending trust', async () => {
    const body = fixture('admission') as { entry: Array<{ resource: { id?: string } }> };
    const messageId = String(body.entry[0]?.resource.id);
    const [made] = tasksOf((await post(ctx.app, ctx.deps, body)).text);
    const auth = await bearer(ctx.deps, 'north-coast-trust');
    const one = await request(ctx.app).get(`/fhir/Task/${made?.id}`).set('authorization', auth);
    expect(one.status).toBe(200);
    expect(JSON.parse(one.text)).toMatchObject({ resourceType: 'Task', id: made?.id, status: 'requested' });
    const byFocus = JSON.parse(
      (await request(ctx.app).get(`/fhir/Task?focus=${messageId}`).set('authorization', auth)).text,
    );
    expect(byFocus).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    expect(r4Errors(byFocus)).toEqual([]);
    const byId = JSON.parse(
      (await request(ctx.app).get(`/fhir/Task?identifier=${made?.id}`).set('authorization', auth)).text,
    );
    expect(byId.total).toBe(1);
  });

  it('reads a withheld decision as a rejected Task', async () => {
    const [task] = tasksOf((await post(ctx.app, ctx.deps, fixture('housing-need-identified'))).text);
    const res = await request(ctx.app)
      .get(`/fhir/Task/${task?.id}`)
      .set('authorization', await bearer(ctx.deps, 'north-coast-trust'));
    expect(JSON.parse(res.text)).toMatchObject({
      status: 'rejected',
      statusReason: { coding: [{ code: 'consent-missing' }] },
    });
  });

  it("never shows one trust another trust's Tasks (404, empty search)", async () => {
    const body = fixture('admission') as { entry: Array<{ resource: { id?: string } }> };
    const [made] = tasksOf((await post(ctx.app, ctx.deps, body)).text);
    const other = await bearer(ctx.deps, 'riverside-trust');
    expect((await request(ctx.app).get(`/fhir/Task/${made?.id}`).set('authorization', other)).status).toBe(
      404,
    );
    const search = await request(ctx.app)
      .get(`/fhir/Task?focus=${body.entry[0]?.resource.id}`)
      .set('authorization', other);
    expect(JSON.parse(search.text).total).toBe(0);
    const byId = await request(ctx.app).get(`/fhir/Task?identifier=${made?.id}`).set('authorization', other);
    expect(JSON.parse(byId.text).total).toBe(0);
  });

  it('answers 400 for a search without parameters or with unknown ones', async () => {
    const auth = await bearer(ctx.deps, 'north-coast-trust');
    expect((await request(ctx.app).get('/fhir/Task').set('authorization', auth)).status).toBe(400);
    expect((await request(ctx.app).get('/fhir/Task?status=ready').set('authorization', auth)).status).toBe(
      400,
    );
  });
});
