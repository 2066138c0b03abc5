/**
 * The trust's FHIR server as the consent re-check suites meet it (issue 17 item 11): North
 * Coast's server, mocked with nock (header matchers; a pending-mocks check after each test, so
 * a read that should happen and does not fails the test), holding the admission's Consent.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { request as fixture, type JsonObject } from '../ingest/fixtures.js';

export const TRUST = 'https://fhir.north-coast-trust.example';
export const TOKEN = 'north-coast-gateway-token';
export const MINUTE = 60_000;
const trustHeaders = { reqheaders: { authorization: `Bearer ${TOKEN}`, accept: 'application/fhir+json' } };

/** Only loopback may be reached for real; every mock must have been used by the end of a test. */
export function mockTrustServerPerTest(): void {
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
  afterAll(() => nock.enableNetConnect());
}

const isConsent = (e: JsonObject) => (e.resource as JsonObject).resourceType === 'Consent';

/** The admission's Consent as the trust's server holds it (version `versionId`, with `status`). */
export function serverConsent(versionId: string, status = 'active'): JsonObject {
  const consent = (fixture('admission').entry as JsonObject[]).find(isConsent)?.resource as JsonObject;
  return {
    ...consent,
    id: 'consent-on-server',
    meta: { versionId },
    status,
    patient: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990079196' } },
  };
}

/** The admission, sent now, without its Consent: the agreement says to look on the trust's server. */
export function admission(): JsonObject {
  const b = fixture('admission');
  return {
    ...b,
    timestamp: new Date().toISOString(),
    entry: (b.entry as JsonObject[]).filter((e) => !isConsent(e)),
  };
}

/** Intake's search of the trust's server, answering the consent (version 1, active). */
export const searchConsents = () =>
  nock(TRUST, trustHeaders)
    .get('/R4/Consent')
    .query({
      'patient:identifier': 'https://fhir.nhs.uk/Id/nhs-number|9990079196',
      status: 'active',
      _count: '100',
    })
    .reply(200, { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: serverConsent('1') }] });

/** The send-time read of that consent by id (reply to be given by the test). */
export const readConsent = () => nock(TRUST, trustHeaders).get('/R4/Consent/consent-on-server');

/** A later message of the admission's stay (an expected discharge, BaRS reason `update`), without Consent. */
export function laterUpdate(messageId: string): JsonObject {
  const later = structuredClone(admission()) as JsonObject & { entry: JsonObject[] };
  const header = later.entry[0]?.resource as JsonObject;
  header.id = messageId;
  header.eventCoding = {
    system: 'https://homeward.example/fhir/CodeSystem/homeward-housing-events',
    code: 'expected-discharge',
  };
  header.reason = {
    coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/message-reason-bars', code: 'update' }],
  };
  const encounter = later.entry.find((e) => (e.resource as JsonObject).resourceType === 'Encounter')
    ?.resource as JsonObject;
  encounter.extension = [
    {
      url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Encounter.plannedEndDate',
      valueDateTime: '2026-12-20T12:00:00Z',
    },
  ];
  return later;
}
