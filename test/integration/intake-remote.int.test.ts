/**
 * References fetched from the sending trust's FHIR server (issue 4 item 4) through the real app,
 * with the server mocked by nock: header matchers check the gateway's own credentials, and every
 * test ends with no pending mock. A 404 is 422 not-found; a timeout 504; a failing server 502;
 * nothing is stored for any of them.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/config/registry.js';
import type { Partner, Registry } from '../../src/config/registry-types.js';
import { r4Errors } from '../fhir/r4-validator.js';
import { testTrustFhir } from '../helpers/test-app.js';
import { request as fixture, type JsonObject } from '../ingest/fixtures.js';
import { auditEntries, intakeApp, post, storedEvents } from './intake-helpers.js';

const TRUST = 'https://fhir.north-coast-trust.example';
const TOKEN = 'north-coast-gateway-token';

/** The sample registry, with north-coast-trust's credentials for its FHIR server. */
function registryWithCredentials(): Registry {
  const base = loadRegistry('consent');
  const nc: Partner = {
    ...(base.partner('north-coast-trust') as Partner),
    fhirAuth: { secretRef: 'env:NC_FHIR_TOKEN' },
  };
  const partners = new Map(base.partners);
  partners.set(nc.id, nc);
  return {
    ...base,
    partners,
    partner: (id) => partners.get(id),
    partnerByOds: (ods) => [...partners.values()].find((p) => p.odsCode === ods),
  };
}

const app = () =>
  intakeApp({ registry: registryWithCredentials(), trustFhir: testTrustFhir({ NC_FHIR_TOKEN: TOKEN }, 150) });

/** The admission fixture with the Patient and the ward left on the trust's server. */
function admissionByReference(): JsonObject {
  const b = fixture('admission');
  const entries = b.entry as JsonObject[];
  const patientUrl = String(entries[1]?.fullUrl);
  const wardUrl = String(entries[4]?.fullUrl);
  const kept = entries.filter((_, i) => i !== 1 && i !== 4);
  const text = JSON.stringify({ ...b, entry: kept })
    .replaceAll(patientUrl, 'Patient/p-77')
    .replaceAll(wardUrl, `${TRUST}/R4/Location/ward-12`);
  return JSON.parse(text) as JsonObject;
}
const patient = { id: 'p-77', ...((fixture('admission').entry as JsonObject[])[1]?.resource as JsonObject) };
const ward = { id: 'ward-12', ...((fixture('admission').entry as JsonObject[])[4]?.resource as JsonObject) };

const trust = () =>
  nock(TRUST, { reqheaders: { authorization: `Bearer ${TOKEN}`, accept: 'application/fhir+json' } });

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

describe('references on the trust FHIR server', () => {
  it('fetches them with the gateway credentials, accepts the message and keeps what it fetched', async () => {
    const { app: a, deps } = await app();
    trust().get('/R4/Patient/p-77').reply(200, patient, { 'content-type': 'application/fhir+json' });
    trust().get('/R4/Location/ward-12').reply(200, ward, { 'content-type': 'application/fhir+json' });
    const res = await post(a, deps, admissionByReference());
    expect(res.status).toBe(200);
    expect(r4Errors(res.body)).toEqual([]);
    const [event] = await storedEvents(deps);
    expect(Object.keys(JSON.parse(String(event?.resolved)))).toEqual(['Patient/p-77', 'Location/ward-12']);
    const [entry] = await auditEntries(deps, 'received');
    expect(entry?.subject_hmac).toBe(deps.audit.subjectHash('9990079196'));
  });

  it('answers 422 not-found for a reference the trust server does not have, and stores nothing', async () => {
    const { app: a, deps } = await app();
    trust().get('/R4/Patient/p-77').reply(200, patient);
    trust().get('/R4/Location/ward-12').reply(404, { resourceType: 'OperationOutcome', issue: [] });
    const res = await post(a, deps, admissionByReference());
    expect(res.status).toBe(422);
    expect(res.body.issue).toEqual([
      expect.objectContaining({
        code: 'not-found',
        expression: ['Bundle.entry[1].resource.location[0].location.reference'],
      }),
    ]);
    expect(await storedEvents(deps)).toHaveLength(0);
    expect(await auditEntries(deps, 'received')).toHaveLength(0);
  });

  it('answers 504 when the trust server does not answer in time, and stores nothing', async () => {
    const { app: a, deps } = await app();
    trust().get('/R4/Patient/p-77').times(2).delay(1000).reply(200, patient);
    trust().get('/R4/Location/ward-12').reply(200, ward);
    const res = await post(a, deps, admissionByReference(), { correlationId: 'slow-1' });
    expect(res.status).toBe(504);
    expect(res.headers['x-correlation-id']).toBe('slow-1');
    expect(res.body.issue).toEqual([
      expect.objectContaining({
        code: 'timeout',
        expression: ['Bundle.entry[1].resource.subject.reference'],
      }),
    ]);
    expect(r4Errors(res.body)).toEqual([]);
    expect(await storedEvents(deps)).toHaveLength(0);
  });

  it('answers 502 when the trust server keeps failing, and stores nothing', async () => {
    const { app: a, deps } = await app();
    trust().get('/R4/Patient/p-77').times(2).reply(503);
    trust().get('/R4/Location/ward-12').reply(200, ward);
    const res = await post(a, deps, admissionByReference());
    expect(res.status).toBe(502);
    expect(res.body.issue).toEqual([expect.objectContaining({ code: 'transient' })]);
    expect(r4Errors(res.body)).toEqual([]);
    expect(await storedEvents(deps)).toHaveLength(0);
    // The operator sees why in the log: partner, type and failure, never the reference itself.
    expect(deps.logs.text()).toMatch(/trust FHIR server read failed/);
    expect(deps.logs.text()).not.toContain('p-77');
  });

  it('answers 502 when the trust server refuses the gateway credentials', async () => {
    const { app: a, deps } = await app();
    trust().get('/R4/Patient/p-77').reply(401);
    trust().get('/R4/Location/ward-12').reply(200, ward);
    expect((await post(a, deps, admissionByReference())).status).toBe(502);
  });

  it('accepts the retry once the trust server is back (nothing was stored the first time)', async () => {
    const { app: a, deps } = await app();
    trust().get('/R4/Patient/p-77').times(2).reply(503);
    trust().get('/R4/Location/ward-12').twice().reply(200, ward);
    expect((await post(a, deps, admissionByReference())).status).toBe(502);
    trust().get('/R4/Patient/p-77').reply(200, patient);
    expect((await post(a, deps, admissionByReference())).status).toBe(200);
    expect(await storedEvents(deps)).toHaveLength(1);
  });
});

describe('reference paths are normalised before a fetch (issue 17 item 7)', () => {
  /** Every request that reaches the trust server other than the Patient read. */
  function recordStrayRequests(): string[] {
    const hits: string[] = [];
    trust()
      .get(() => true)
      .optionally()
      .times(10)
      .reply((uri) => {
        hits.push(uri);
        return [200, { resourceType: 'CapabilityStatement' }, { 'content-type': 'application/fhir+json' }];
      });
    return hits;
  }

  it.each([
    ['Location/..', 'a relative reference'],
    [`${TRUST}/R4/Location/..`, 'an absolute reference under the trust base'],
    ['Location/.', 'a single dot'],
  ])('%s (%s) is refused as malformed and never reaches the server with the credentials', async (ref) => {
    const { app: a, deps } = await app();
    // A malformed reference refuses the message before anything is fetched.
    trust()
      .get('/R4/Patient/p-77')
      .optionally()
      .reply(200, patient, { 'content-type': 'application/fhir+json' });
    const hits = recordStrayRequests();
    const body = JSON.parse(
      JSON.stringify(admissionByReference()).replaceAll(`${TRUST}/R4/Location/ward-12`, ref),
    ) as JsonObject;
    const res = await post(a, deps, body);
    expect(hits).toEqual([]);
    expect(res.status).toBe(422);
    expect(res.body.issue).toEqual([
      expect.objectContaining({
        code: 'not-found',
        expression: ['Bundle.entry[1].resource.location[0].location.reference'],
      }),
    ]);
    expect(await storedEvents(deps)).toHaveLength(0);
  });
});
