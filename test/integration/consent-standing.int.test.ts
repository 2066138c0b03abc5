/**
 * Issue 17 item 11: consent is a standing state. A Consent sent with the admission stands for
 * the later events of the same stay (a discharge need not carry it again) until it is withdrawn,
 * expires or is replaced; it does not reach into another stay. Through the real app, on SQLite
 * and PostgreSQL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { request as fixture, type JsonObject } from '../ingest/fixtures.js';
import { BACKENDS, type FreshDatabase, freshDatabase } from '../store/backends.js';
import { auditEntries, intakeApp, post } from './intake-helpers.js';

type Entry = { fullUrl?: string; resource: JsonObject };
type Bundle = JsonObject & { entry: Entry[] };

const databases: FreshDatabase[] = [];
afterEach(async () => {
  await Promise.all(databases.splice(0).map((d) => d.dispose()));
});

const resourceOf = (b: Bundle, type: string) =>
  b.entry.find((e) => e.resource.resourceType === type)?.resource as JsonObject;

/** A later message of the admission's stay (same encounter identifier), carrying no Consent. */
function laterEvent(id: string, code: 'A03' | 'expected-discharge', consent?: JsonObject): Bundle {
  const b = structuredClone(fixture('admission')) as Bundle;
  const original = b.entry.find((e) => e.resource.resourceType === 'Consent') as Entry;
  b.entry = b.entry.filter((e) => e.resource.resourceType !== 'Consent');
  if (consent) b.entry.push({ ...original, resource: consent });
  const header = resourceOf(b, 'MessageHeader');
  header.id = id;
  header.eventCoding =
    code === 'A03'
      ? { system: 'http://terminology.hl7.org/CodeSystem/v2-0003', code: 'A03' }
      : { system: 'https://homeward.example/fhir/CodeSystem/homeward-housing-events', code };
  header.reason = {
    coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/message-reason-bars', code: 'update' }],
  };
  const encounter = resourceOf(b, 'Encounter');
  if (code === 'expected-discharge') {
    encounter.extension = [
      {
        url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Encounter.plannedEndDate',
        valueDateTime: '2026-12-01T12:00:00Z',
      },
    ];
  } else {
    encounter.status = 'finished';
    encounter.period = { start: '2026-11-02T14:30:00Z', end: '2026-11-22T11:00:00Z' };
  }
  return b;
}

const tasksOf = (text: string) =>
  (JSON.parse(text) as Bundle).entry.map((e) => e.resource).filter((r) => r.resourceType === 'Task');

async function app(backend: (typeof BACKENDS)[number]) {
  const db = await freshDatabase(backend);
  databases.push(db);
  return intakeApp({ store: await db.open() });
}

const admissionConsent = () => resourceOf(fixture('admission') as Bundle, 'Consent');

describe.each(BACKENDS)('consent as a standing state (%s)', (backend) => {
  it('a discharge without Consent after an admission with one is permitted on the remembered consent', async () => {
    const { app: a, deps } = await app(backend);
    expect(tasksOf((await post(a, deps, fixture('admission'))).text)).toMatchObject([
      { status: 'requested' },
    ]);
    const res = await post(a, deps, laterEvent('a0d11551-0000-4000-8000-0000000a0301', 'A03'));
    expect(res.status).toBe(200);
    expect(tasksOf(res.text)).toMatchObject([{ status: 'requested' }]);
    const decisions = await deps.store.db.selectFrom('decisions').selectAll().orderBy('decided_at').execute();
    const [first, second] = decisions.filter((d) => d.recipient === 'homegroup-discharge');
    expect(second?.outcome).toBe('permit');
    // The discharge's decision names the admission's consent: the one it rests on.
    expect(second?.consents).toBe(first?.consents);
    expect(JSON.parse(String(second?.consents))).toEqual([
      { reference: 'Consent/a0d11551-0000-4000-8000-000000000008' },
    ]);
    const queued = await auditEntries(deps, 'queued');
    expect(queued.map((e) => JSON.parse(String(e.detail)).kind)).toEqual(['referral', 'update']);
    expect(queued[1]?.consent_refs).toBe(first?.consents);
    // Nothing identifying is kept with the remembered consent.
    const memory = JSON.stringify(await deps.store.db.selectFrom('consent_memory').selectAll().execute());
    expect(memory).toContain('hospital-discharge-housing-support');
    for (const clear of ['9990079196', 'urn:uuid:a0d11551-0000-4000-8000-000000000003'])
      expect(memory).not.toContain(clear);
  });

  it('a withdrawal in a later event cancels what is queued, and stands: the next event without Consent is withheld', async () => {
    const { app: a, deps } = await app(backend);
    await post(a, deps, fixture('admission'));
    const withdrawn = { ...admissionConsent(), status: 'inactive', dateTime: '2026-11-20T09:00:00Z' };
    const second = laterEvent('a0d11551-0000-4000-8000-0000000a0302', 'expected-discharge', withdrawn);
    expect(tasksOf((await post(a, deps, second)).text)).toMatchObject([{ status: 'cancelled' }]);
    const deliveries = await deps.store.db.selectFrom('deliveries').select(['kind', 'state']).execute();
    expect(deliveries).toEqual([{ kind: 'referral', state: 'cancelled' }]);
    const actions = (await auditEntries(deps)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['withheld', 'consent-withdrawn', 'cancelled']));
    const third = await post(a, deps, laterEvent('a0d11551-0000-4000-8000-0000000a0303', 'A03'));
    expect(tasksOf(third.text)).toMatchObject([
      { status: 'rejected', statusReason: { coding: [{ code: 'consent-withdrawn' }] } },
    ]);
  });

  it('a consent stands for its stay only: another stay without Consent is consent-missing', async () => {
    const { app: a, deps } = await app(backend);
    await post(a, deps, fixture('admission'));
    const other = laterEvent('a0d11551-0000-4000-8000-0000000a0304', 'A03');
    const encounter = resourceOf(other, 'Encounter');
    encounter.identifier = [
      { system: 'https://fhir.north-coast-trust.example/Id/encounter', value: 'ENC-OTHER' },
    ];
    expect(tasksOf((await post(a, deps, other)).text)).toMatchObject([
      { status: 'rejected', statusReason: { coding: [{ code: 'consent-missing' }] } },
    ]);
  });
});
