/**
 * Consents kept on the trust's FHIR server (issue 6 item 3): an agreement with
 * `consent.source: trust-fhir` makes the gateway search `Consent?patient:identifier=...&status=active`
 * (nock, with header matchers) before deciding. A failing server answers 502/504 and nothing is stored.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/config/registry.js';
import { withConsentsOnTrustServer } from '../helpers/registry.js';
import { testTrustFhir } from '../helpers/test-app.js';
import { request as fixture, type JsonObject } from '../ingest/fixtures.js';
import { intakeApp, post, storedEvents } from './intake-helpers.js';

const TRUST = 'https://fhir.north-coast-trust.example';
const TOKEN = 'north-coast-gateway-token';

/** The admission fixture without its Consent entry, and that Consent as the server holds it. */
function split() {
  const b = fixture('admission');
  const entries = b.entry as JsonObject[];
  const consent = entries.find((e) => (e.resource as JsonObject).resourceType === 'Consent')
    ?.resource as JsonObject;
  return {
    message: { ...b, entry: entries.filter((e) => (e.resource as JsonObject).resourceType !== 'Consent') },
    consent: {
      ...consent,
      id: 'consent-on-server',
      patient: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990079196' } },
    },
  };
}

const search = () =>
  nock(TRUST, { reqheaders: { authorization: `Bearer ${TOKEN}`, accept: 'application/fhir+json' } })
    .get('/R4/Consent')
    .query({
      'patient:identifier': 'https://fhir.nhs.uk/Id/nhs-number|9990079196',
      status: 'active',
      _count: '100',
    });

const app = () =>
  intakeApp({
    registry: withConsentsOnTrustServer(loadRegistry('consent')),
    trustFhir: testTrustFhir({ NC_FHIR_TOKEN: TOKEN }, 150),
  });
const tasks = (text: string) =>
  (JSON.parse(text).entry as Array<{ resource: JsonObject }>)
    .map((e) => e.resource)
    .filter((r) => r.resourceType === 'Task');

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

describe('consents searched on the trust FHIR server', () => {
  it('finds the consent there and refers', async () => {
    const { app: a, deps } = await app();
    const { message, consent } = split();
    search().reply(200, { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: consent }] });
    const res = await post(a, deps, message);
    expect(res.status).toBe(200);
    expect(tasks(res.text)).toMatchObject([{ status: 'requested' }]);
    const decision = await deps.store.db.selectFrom('decisions').selectAll().executeTakeFirstOrThrow();
    expect(JSON.parse(decision.consents)).toEqual([{ reference: 'Consent/consent-on-server' }]);
  });

  it('withholds when the server has no consent for the person', async () => {
    const { app: a, deps } = await app();
    search().reply(200, { resourceType: 'Bundle', type: 'searchset', entry: [] });
    const res = await post(a, deps, split().message);
    expect(tasks(res.text)).toMatchObject([
      { status: 'rejected', statusReason: { coding: [{ code: 'consent-missing' }] } },
    ]);
  });

  it('answers 502 when the server fails, and stores nothing', async () => {
    const { app: a, deps } = await app();
    search().times(2).reply(503, { resourceType: 'OperationOutcome', issue: [] });
    const res = await post(a, deps, split().message);
    expect(res.status).toBe(502);
    expect(res.body.issue[0].code).toBe('transient');
    expect(await storedEvents(deps)).toHaveLength(0);
  });

  it('answers 504 when the server is too slow, and stores nothing', async () => {
    const { app: a, deps } = await app();
    search().times(2).delay(1000).reply(200, { resourceType: 'Bundle', type: 'searchset' });
    const res = await post(a, deps, split().message);
    expect(res.status).toBe(504);
    expect(await storedEvents(deps)).toHaveLength(0);
  });
});
