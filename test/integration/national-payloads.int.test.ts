/**
 * Issue 17 item 3: payloads shaped as national services publish them are accepted, through the
 * real app. The base message (test/fixtures/national/pds-shaped-admission-request.json) is a
 * North Coast admission whose Patient is shaped like the PDS FHIR API's example (R4 extension
 * spellings, name/address/telecom periods, a previous address, the GP by an ODS reference) and
 * whose Encounter points at an EpisodeOfCare it does not send, as the BaRS examples do.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { subjectHmac } from '../../src/audit/subject.js';
import {
  NHS_NUMBER_SYSTEMS,
  NHS_NUMBER_VERIFICATION_EXTENSIONS,
  NHS_NUMBER_VERIFICATION_SYSTEMS,
  ODS_ORGANISATION_SYSTEMS,
} from '../../src/fhir/systems.js';
import { r4Errors } from '../fhir/r4-validator.js';
import { TEST_SUBJECT_KEY } from '../helpers/test-app.js';
import { type JsonObject, patch, REMOVE } from '../ingest/fixtures.js';
import { auditEntries, intakeApp, post, storedEvents } from './intake-helpers.js';

const FIXTURE = 'test/fixtures/national/pds-shaped-admission-request.json';
const NHS_NUMBER = '9990000131';
const PATIENT = 'entry.1.resource';
const ENCOUNTER = 'entry.2.resource';
const SENDER_ORG = 'entry.3.resource';

const message = (): JsonObject => JSON.parse(readFileSync(FIXTURE, 'utf8')) as JsonObject;

type Resource = Record<string, unknown> & { resourceType: string };
const resources = (text: string): Resource[] =>
  ((JSON.parse(text) as { entry?: Array<{ resource: Resource }> }).entry ?? []).map((e) => e.resource);
const tasks = (text: string) => resources(text).filter((r) => r.resourceType === 'Task');

async function send(body: JsonObject) {
  const ctx = await intakeApp();
  const res = await post(ctx.app, ctx.deps, body, { partner: 'north-coast-trust' });
  return { ...ctx, res };
}

async function datasetOf(ctx: Awaited<ReturnType<typeof send>>) {
  const row = await ctx.deps.store.db.selectFrom('referrals').select('dataset').executeTakeFirstOrThrow();
  return JSON.parse(String(row.dataset)) as Record<string, unknown>;
}

describe('payloads as national services publish them', () => {
  it('accepts the PDS- and BaRS-shaped admission and refers it (the EpisodeOfCare it lacks is a warning)', async () => {
    const ctx = await send(message());
    expect(ctx.res.status, ctx.res.text).toBe(200);
    expect(tasks(ctx.res.text)).toMatchObject([{ status: 'requested' }]);
    expect(r4Errors(JSON.parse(ctx.res.text))).toEqual([]);
    // MessageHeader.response.details names an OperationOutcome carrying the warning.
    const [header] = resources(ctx.res.text);
    const details = (header?.response as { details?: { reference?: string } }).details?.reference;
    const entries = (JSON.parse(ctx.res.text) as { entry: Array<{ fullUrl: string; resource: Resource }> })
      .entry;
    const outcome = entries.find((e) => e.fullUrl === details)?.resource as {
      resourceType: string;
      issue: Array<{ severity: string; code: string; expression?: string[] }>;
    };
    expect(outcome.resourceType).toBe('OperationOutcome');
    // The GP practice (PDS: an ODS directory URL) and the EpisodeOfCare: neither is used.
    expect(outcome.issue.map((i) => [i.severity, i.code, i.expression?.[0]])).toEqual([
      ['warning', 'not-found', 'Bundle.entry[1].resource.generalPractitioner[0].reference'],
      ['warning', 'not-found', 'Bundle.entry[2].resource.episodeOfCare[0].reference'],
    ]);
  });

  it('warns, not refuses, for a CarePlan and a GP practice that are not in the message', async () => {
    const body = message();
    patch(body, `${ENCOUNTER}.basedOn`, [{ reference: 'CarePlan/cp-5d5a', type: 'CarePlan' }]);
    const ctx = await send(body);
    expect(ctx.res.status, ctx.res.text).toBe(200);
    const outcome = resources(ctx.res.text).find((r) => r.resourceType === 'OperationOutcome') as unknown as {
      issue: Array<{ severity: string; expression: string[] }>;
    };
    expect(outcome.issue.map((i) => [i.severity, i.expression[0]]).sort()).toEqual([
      ['warning', 'Bundle.entry[1].resource.generalPractitioner[0].reference'],
      ['warning', 'Bundle.entry[2].resource.basedOn[0].reference'],
      ['warning', 'Bundle.entry[2].resource.episodeOfCare[0].reference'],
    ]);
  });

  it('still refuses a missing resource the gateway uses (the sender Organization)', async () => {
    const body = message();
    patch(body, `${ENCOUNTER}.serviceProvider.reference`, 'urn:uuid:5d5a0e17-0000-4000-8000-0000000000f9');
    const ctx = await send(body);
    expect(ctx.res.status).toBe(422);
    expect(JSON.parse(ctx.res.text).issue).toEqual([
      expect.objectContaining({
        severity: 'error',
        expression: ['Bundle.entry[2].resource.serviceProvider.reference'],
      }),
    ]);
  });

  const verification: Array<[string, string, string]> = [
    // [extension url, code system, code] as each specification publishes them.
    [NHS_NUMBER_VERIFICATION_EXTENSIONS[0], NHS_NUMBER_VERIFICATION_SYSTEMS[0], '01'], // UK Core STU2+
    [NHS_NUMBER_VERIFICATION_EXTENSIONS[0], NHS_NUMBER_VERIFICATION_SYSTEMS[1], '01'], // PDS schema
    [
      NHS_NUMBER_VERIFICATION_EXTENSIONS[0],
      NHS_NUMBER_VERIFICATION_SYSTEMS[1],
      'number-present-and-verified',
    ], // BaRS
    [NHS_NUMBER_VERIFICATION_EXTENSIONS[1], NHS_NUMBER_VERIFICATION_SYSTEMS[2], '01'], // PDS example
    [NHS_NUMBER_VERIFICATION_EXTENSIONS[2], NHS_NUMBER_VERIFICATION_SYSTEMS[3], '01'], // Care Connect
    [NHS_NUMBER_VERIFICATION_EXTENSIONS[3], NHS_NUMBER_VERIFICATION_SYSTEMS[4], '01'], // GP Connect
  ];
  it.each(verification)('accepts the verification status %s | %s | %s', async (url, system, code) => {
    const body = message();
    patch(body, `${PATIENT}.identifier.0.extension`, [
      { url, valueCodeableConcept: { coding: [{ system, code, display: 'Number present and verified' }] } },
    ]);
    const ctx = await send(body);
    expect(ctx.res.status, ctx.res.text).toBe(200);
  });

  it('still refuses a verification code no specification publishes', async () => {
    const body = message();
    patch(body, `${PATIENT}.identifier.0.extension.0.valueCodeableConcept.coding.0.code`, '99');
    const ctx = await send(body);
    expect(ctx.res.status).toBe(422);
    expect(JSON.parse(ctx.res.text).issue[0].expression[0]).toMatch(
      /^Bundle\.entry\[1\]\.resource\.identifier\[0\]\.extension\[0\]\.valueCodeableConcept\.coding\[0\]\.code$/,
    );
  });

  it.each([
    ...ODS_ORGANISATION_SYSTEMS,
  ])('accepts the sender named under the ODS system %s', async (system) => {
    const body = message();
    patch(body, `${SENDER_ORG}.identifier.0.system`, system);
    const ctx = await send(body);
    expect(ctx.res.status, ctx.res.text).toBe(200);
    expect(tasks(ctx.res.text)).toHaveLength(1);
  });

  it.each([...NHS_NUMBER_SYSTEMS])('accepts the NHS number under %s', async (system) => {
    const body = message();
    patch(body, `${PATIENT}.identifier.0.system`, system);
    const ctx = await send(body);
    expect(ctx.res.status, ctx.res.text).toBe(200);
    const [event] = await storedEvents(ctx.deps);
    const [received] = await auditEntries(ctx.deps, 'received');
    expect(event?.event_code).toBe('admission');
    expect(received?.subject_hmac).toBe(subjectHmac(TEST_SUBJECT_KEY, NHS_NUMBER));
  });

  it('names the expected ODS code and system when the sender is not the caller', async () => {
    const body = message();
    patch(body, `${SENDER_ORG}.identifier.0.value`, 'R9R2V');
    const ctx = await send(body);
    expect(ctx.res.status).toBe(422);
    const [issue] = JSON.parse(ctx.res.text).issue as Array<{
      code: string;
      expression: string[];
      diagnostics: string;
    }>;
    expect(issue).toMatchObject({ code: 'forbidden', expression: ['Bundle.entry[3].resource.identifier'] });
    expect(issue?.diagnostics).toContain('R9N1C');
    expect(issue?.diagnostics).toContain('https://fhir.nhs.uk/Id/ods-organization-code');
  });

  it.each([
    ['deceasedBoolean', true],
    ['deceasedDateTime', '2026-11-22T23:10:00+00:00'],
  ])('never refers a person with %s: withheld as deceased, audited', async (element, value) => {
    const body = message();
    patch(body, `${PATIENT}.${element}`, value);
    const ctx = await send(body);
    expect(ctx.res.status, ctx.res.text).toBe(200);
    const [task] = tasks(ctx.res.text);
    expect(task).toMatchObject({ status: 'rejected' });
    expect(JSON.stringify(task?.statusReason)).toContain('"code":"deceased"');
    const db = ctx.deps.store.db;
    expect(await db.selectFrom('referrals').selectAll().execute()).toEqual([]);
    expect(await db.selectFrom('deliveries').selectAll().execute()).toEqual([]);
    const withheld = await auditEntries(ctx.deps, 'withheld');
    expect(withheld).toHaveLength(1);
    expect(withheld[0]).toMatchObject({
      recipient: 'homegroup-discharge',
      subject_hmac: subjectHmac(TEST_SUBJECT_KEY, NHS_NUMBER),
    });
    // Nothing but the reason and the message's correlation id (issue 17 item 9) is in the entry.
    expect(JSON.parse(String(withheld[0]?.detail))).toEqual({
      reasons: [{ code: 'deceased', agreement: null }],
      correlationId: ctx.res.headers['x-correlation-id'],
    });
  });

  it.each([
    ['not yet sent: what is queued is cancelled, nothing goes', false],
    ['already delivered: the provider is told it is cancelled', true],
  ])('a later event recording the death ends the stay’s referral, %s', async (_, delivered) => {
    const ctx = await send(message());
    expect(ctx.res.status, ctx.res.text).toBe(200);
    const db = ctx.deps.store.db;
    if (delivered) await db.updateTable('deliveries').set({ state: 'delivered' }).execute();
    const later = message();
    patch(later, 'entry.0.resource.id', 'a0d11551-0000-4000-8000-0000000dead1');
    patch(later, 'entry.0.resource.reason', {
      coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/message-reason-bars', code: 'update' }],
    });
    patch(later, `${PATIENT}.deceasedDateTime`, '2026-11-22T23:10:00+00:00');
    const res = await post(ctx.app, ctx.deps, later, { partner: 'north-coast-trust' });
    expect(res.status, res.text).toBe(200);
    expect(tasks(res.text)).toMatchObject([{ status: 'cancelled' }]);
    expect(await db.selectFrom('referrals').select('status').execute()).toEqual([{ status: 'cancelled' }]);
    const rows = await db.selectFrom('deliveries').select(['kind', 'state']).orderBy('created_at').execute();
    expect(rows).toEqual(
      delivered
        ? [
            { kind: 'referral', state: 'delivered' },
            { kind: 'cancel', state: 'pending' },
          ]
        : [{ kind: 'referral', state: 'cancelled' }],
    );
    const [cancelled] = await auditEntries(ctx.deps, 'cancelled');
    expect(JSON.parse(String(cancelled?.detail))).toMatchObject({
      cause: 'deceased',
      unsentCancelled: delivered ? 0 : 1,
      noticeQueued: delivered,
    });
    expect(cancelled?.subject_hmac).toBe(subjectHmac(TEST_SUBJECT_KEY, NHS_NUMBER));
  });

  it('does not treat deceasedBoolean false as deceased', async () => {
    const body = message();
    patch(body, `${PATIENT}.deceasedBoolean`, false);
    const ctx = await send(body);
    expect(tasks(ctx.res.text)).toMatchObject([{ status: 'requested' }]);
  });

  it('places the person by the current address, not a previous one, for catchment', async () => {
    // PDS: Address.period.end "can be a future date": this address is current until next summer;
    // the one the person left (in the catchment) has ended. Durham is outside Homestead's catchment.
    const body = message();
    patch(body, `${PATIENT}.address`, [
      {
        use: 'home',
        period: { start: '2019-06-01', end: '2025-08-31' },
        line: ['9 Shieldfield Way'],
        postalCode: 'NE2 1XD',
      },
      {
        use: 'home',
        period: { start: '2025-09-01', end: '2027-06-30' },
        line: ['27 Synthetic Terrace'],
        postalCode: 'DH1 3LE',
      },
    ]);
    const ctx = await send(body);
    expect(ctx.res.status, ctx.res.text).toBe(200);
    const [task] = tasks(ctx.res.text);
    expect(task).toMatchObject({ status: 'rejected' });
    expect(JSON.stringify(task?.statusReason)).toContain('"code":"out-of-catchment"');
  });

  it('sends the current address and says no fixed abode only for ZZ99 3VZ', async () => {
    const ctx = await send(message());
    const dataset = await datasetOf(ctx);
    expect(dataset.contactDetails).toEqual({
      phones: [{ value: '07700 900456', use: 'mobile' }],
      address: { lines: ['Flat 2', '9 Shieldfield Way', 'Newcastle upon Tyne'], postcode: 'NE2 1XD' },
    });
  });

  it('says explicitly that no address is current when every address sent has ended', async () => {
    const body = message();
    patch(body, `${PATIENT}.address.1.period.end`, '2026-10-31');
    const ctx = await send(body);
    expect(ctx.res.status, ctx.res.text).toBe(200);
    expect((await datasetOf(ctx)).contactDetails).toEqual({
      phones: [{ value: '07700 900456', use: 'mobile' }],
      noCurrentAddress: true,
    });
  });

  it('judges the agreement at the gateway clock: a message dated years ago is referred under today’s version', async () => {
    // Homestead's agreement v1 (2025-04-01..2026-03-31, since terminated) was in force on the
    // message's dates; v2 is in force on the gateway's date (2026-11-23). Today's terms decide.
    const body = message();
    patch(body, 'timestamp', '2025-05-06T09:40:00Z');
    patch(body, 'meta', REMOVE);
    patch(body, `${ENCOUNTER}.period.start`, '2025-05-01T14:30:00Z');
    const ctx = await send(body);
    expect(ctx.res.status, ctx.res.text).toBe(200);
    expect(tasks(ctx.res.text)).toMatchObject([{ status: 'requested' }]);
    const referral = await ctx.deps.store.db
      .selectFrom('referrals')
      .select(['agreement_id', 'agreement_version'])
      .executeTakeFirstOrThrow();
    expect(referral).toEqual({ agreement_id: 'dsa-north-coast-homestead-discharge', agreement_version: 2 });
  });
});
