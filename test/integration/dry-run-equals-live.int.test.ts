/**
 * Issue 17 item 4: the IG dry run (`POST /consent/$evaluate`) equals the live decision. Every
 * example message goes through both, through the real app: first the dry run for each recipient,
 * then the live `$process-message`; for every recipient the live pipeline decided, outcome,
 * reason codes, agreement, consents and the fields the referral carries must be the same. Also
 * for consents found on the trust's FHIR server (nock) and for a consent an earlier event of the
 * stay left standing.
 */
import nock from 'nock';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/config/registry.js';
import { withConsentsOnTrustServer } from '../helpers/registry.js';
import { testTrustFhir } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';
import { request as fixture, type JsonObject, patch, scenarios, senderOf } from '../ingest/fixtures.js';
import { intakeApp, post } from './intake-helpers.js';
import { mockTrustServerPerTest, TOKEN, TRUST } from './trust-consent-server.js';

type App = Awaited<ReturnType<typeof intakeApp>>;

interface Answer {
  outcome: string;
  reasons: string[];
  agreement: string | null;
  consents: string[];
  fields: string[];
}

const params = (message: unknown, sender: string, recipient: string) => ({
  resourceType: 'Parameters',
  parameter: [
    { name: 'message', resource: message },
    { name: 'sender', valueString: sender },
    { name: 'recipient', valueString: recipient },
  ],
});

async function dryRun(ctx: App, message: unknown, sender: string, recipient: string) {
  return request(ctx.app)
    .post('/consent/$evaluate')
    .set('authorization', await bearer(ctx.deps, 'ig-audit-north'))
    .set('content-type', 'application/fhir+json')
    .send(JSON.stringify(params(message, sender, recipient)));
}

type Param = { name: string; valueCode?: string; valueString?: string; part?: Param[] };

function dryAnswer(body: { parameter: Param[] }): Answer {
  const all = (name: string) =>
    body.parameter.filter((p) => p.name === name).map((p) => String(p.valueCode ?? p.valueString));
  return {
    outcome: all('outcome')[0] ?? '',
    reasons: body.parameter
      .filter((p) => p.name === 'reason')
      .map((p) => String(p.part?.find((x) => x.name === 'code')?.valueCode)),
    agreement: all('agreement')[0] ?? null,
    consents: all('consent'),
    fields: all('field'),
  };
}

/** What the live pipeline decided for each recipient of the event (decisions and outbox rows). */
async function liveAnswers(ctx: App, eventId: string): Promise<Map<string, Answer>> {
  const db = ctx.deps.store.db;
  const decisions = await db.selectFrom('decisions').selectAll().where('event_id', '=', eventId).execute();
  const out = new Map<string, Answer>();
  for (const d of decisions) {
    const delivery = await db
      .selectFrom('deliveries')
      .select('fields')
      .where('decision_id', '=', d.id)
      .executeTakeFirst();
    const consents = JSON.parse(d.consents) as Array<{ reference: string; versionId?: string }>;
    out.set(d.recipient, {
      outcome: d.outcome,
      reasons: (JSON.parse(d.reasons) as Array<{ code: string }>).map((r) => r.code),
      agreement: d.agreement_id ? `${d.agreement_id}|${d.agreement_version}` : null,
      consents: consents.map((c) => (c.versionId ? `${c.reference}/_history/${c.versionId}` : c.reference)),
      fields: delivery?.fields ? (JSON.parse(delivery.fields) as string[]) : [],
    });
  }
  return out;
}

const recipientsOf = (ctx: App) =>
  [...ctx.deps.registry.partners.values()].filter((p) => p.roles.includes('recipient')).map((p) => p.id);

/** Dry run for every recipient, then the live message; returns both for the recipients decided live. */
async function both(ctx: App, message: JsonObject, sender = senderOf(message)) {
  const dry = new Map<string, { status: number; answer?: Answer }>();
  for (const r of recipientsOf(ctx)) {
    const res = await dryRun(ctx, message, sender, r);
    dry.set(r, { status: res.status, ...(res.status === 200 ? { answer: dryAnswer(res.body) } : {}) });
  }
  const res = await post(ctx.app, ctx.deps, message, { partner: sender });
  const events = await ctx.deps.store.db
    .selectFrom('events')
    .select('id')
    .where('message_id', '=', messageIdOf(message))
    .execute();
  const live = events[0] ? await liveAnswers(ctx, events[0].id) : new Map<string, Answer>();
  return { status: res.status, dry, live };
}

const messageIdOf = (m: JsonObject) => String(((m.entry as JsonObject[])[0]?.resource as JsonObject).id);

/** Equal for every recipient the live pipeline decided; returns how many were compared. */
function expectSame(r: Awaited<ReturnType<typeof both>>): number {
  for (const [recipient, live] of r.live) {
    const dry = r.dry.get(recipient);
    expect(dry?.status, recipient).toBe(200);
    expect(dry?.answer, recipient).toEqual(live);
  }
  return r.live.size;
}

describe('the dry run equals the live decision', () => {
  it.each(scenarios())('fixture %s: same outcome, reasons, agreement, consents and fields', async (name) => {
    const ctx = await intakeApp();
    const r = await both(ctx, fixture(name));
    if (r.status === 422) {
      // An invalid message is refused by both, for the same reason.
      for (const d of r.dry.values()) expect(d.status).toBe(422);
      return;
    }
    expect(r.status).toBe(200);
    const compared = expectSame(r);
    // Cancellation and consent updates end referrals rather than decide; every other fixture decides.
    if (name === 'referral-cancel' || name === 'consent-updated') expect(compared).toBe(0);
    else expect(compared).toBeGreaterThan(0);
  });

  it('another person on a stay already claimed: both refuse it 422 at the identifier, neither decides', async () => {
    const ctx = await intakeApp();
    expect((await post(ctx.app, ctx.deps, fixture('admission'))).status).toBe(200);
    const other = fixture('admission');
    patch(other, 'entry.0.resource.id', 'a0d11551-0000-4000-8000-00000000beef');
    patch(other, 'entry.1.resource.identifier.0.value', '9990000018');
    const r = await both(ctx, other);
    expect(r.status).toBe(422);
    expect(r.live.size).toBe(0);
    expect(r.dry.size).toBeGreaterThan(0);
    for (const d of r.dry.values()) expect(d.status).toBe(422);
    const res = await dryRun(ctx, other, senderOf(other), [...r.dry.keys()][0] ?? '');
    expect(res.body.issue[0].expression).toEqual(['Bundle.entry[2].resource.identifier[0]']);
  });

  it('a later event without Consent: both rest on the consent the admission left standing', async () => {
    const ctx = await intakeApp();
    expect((await post(ctx.app, ctx.deps, fixture('admission'))).status).toBe(200);
    const r = await both(ctx, laterEventWithoutConsent());
    expect(r.live.get('homegroup-discharge')).toMatchObject({ outcome: 'permit' });
    expect(expectSame(r)).toBeGreaterThan(0);
  });
});

// --- consents on the trust's FHIR server (as in consent-remote.int.test.ts) ---

const isConsent = (e: JsonObject) => (e.resource as JsonObject).resourceType === 'Consent';

function withoutConsent(b: JsonObject): JsonObject {
  return { ...b, entry: (b.entry as JsonObject[]).filter((e) => !isConsent(e)) };
}

/** The admission's Consent as the trust's server holds it. */
function serverConsent(): JsonObject {
  const consent = (fixture('admission').entry as JsonObject[]).find(isConsent)?.resource as JsonObject;
  return {
    ...consent,
    id: 'consent-on-server',
    meta: { versionId: '3' },
    patient: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990079196' } },
  };
}

/** The admission's stay again, later (a discharge notice), carrying no Consent. */
function laterEventWithoutConsent(): JsonObject {
  const b = withoutConsent(fixture('admission'));
  const header = (b.entry as JsonObject[])[0]?.resource as JsonObject;
  header.id = 'a0d11551-0000-4000-8000-00000000d15c';
  header.eventCoding = { system: 'http://terminology.hl7.org/CodeSystem/v2-0003', code: 'A03' };
  header.reason = {
    coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/message-reason-bars', code: 'update' }],
  };
  const encounter = (b.entry as JsonObject[]).find(
    (e) => (e.resource as JsonObject).resourceType === 'Encounter',
  )?.resource as JsonObject;
  encounter.status = 'finished';
  encounter.period = { start: '2026-11-02T14:30:00Z', end: '2026-11-22T11:00:00Z' };
  return b;
}

describe('the dry run equals the live decision with consents on the trust FHIR server', () => {
  mockTrustServerPerTest();

  it('both search the server and permit on the consent found there', async () => {
    const ctx = await intakeApp({
      registry: withConsentsOnTrustServer(loadRegistry('consent')),
      trustFhir: testTrustFhir({ NC_FHIR_TOKEN: TOKEN }, 500),
    });
    // Once for each dry run (every recipient) and once for the live message: the same answer.
    nock(TRUST, { reqheaders: { authorization: `Bearer ${TOKEN}`, accept: 'application/fhir+json' } })
      .get('/R4/Consent')
      .query({
        'patient:identifier': 'https://fhir.nhs.uk/Id/nhs-number|9990079196',
        status: 'active',
        _count: '100',
      })
      .times(recipientsOf(ctx).length + 1)
      .reply(200, { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: serverConsent() }] });
    const r = await both(ctx, withoutConsent(fixture('admission')), 'north-coast-trust');
    expect(r.status).toBe(200);
    expect(r.live.get('homegroup-discharge')).toMatchObject({
      outcome: 'permit',
      consents: ['Consent/consent-on-server/_history/3'],
    });
    expect(expectSame(r)).toBeGreaterThan(0);
  });

  it('both answer 502 when the server fails, and the dry run stores nothing either', async () => {
    const ctx = await intakeApp({
      registry: withConsentsOnTrustServer(loadRegistry('consent')),
      trustFhir: testTrustFhir({ NC_FHIR_TOKEN: TOKEN }, 500),
    });
    nock(TRUST)
      .get('/R4/Consent')
      .query(true)
      .times(2 * (recipientsOf(ctx).length + 1))
      .reply(503, { resourceType: 'OperationOutcome', issue: [] });
    const r = await both(ctx, withoutConsent(fixture('admission')), 'north-coast-trust');
    expect(r.status).toBe(502);
    for (const d of r.dry.values()) expect(d.status).toBe(502);
    expect(await ctx.deps.store.db.selectFrom('events').selectAll().execute()).toEqual([]);
  });
});
