/**
 * The trust FHIR client against a mocked trust server (nock, conventions 10): credentials in
 * headers, retries, timeouts, and failures as values. Every mock must be used (pending check).
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Partner } from '../../src/config/registry-types.js';
import { missingTrustSecrets, secretReader, trustCredentials } from '../../src/fhir/trust-credentials.js';
import { trustFhir } from '../../src/fhir/trust-fhir.js';

const BASE = 'https://fhir.trust.example';
const partner = (fhirAuth?: Partner['fhirAuth']): Partner => ({
  id: 'north-coast-trust',
  name: 'North Coast (synthetic)',
  odsCode: 'R9N1C',
  kind: 'nhs-trust',
  roles: ['sender'],
  keys: { jwks: { keys: [] } },
  scopes: ['system/Bundle.c'],
  fhirBaseUrl: `${BASE}/R4`,
  source: 'consent/partners/north-coast-trust.yaml',
  ...(fhirAuth ? { fhirAuth } : {}),
});
const env = { TRUST_FHIR_TOKEN: 'static-token-1', TRUST_CLIENT_SECRET: 'client-secret-1' };
const client = (timeoutMs = 200, attempts = 3) =>
  trustFhir({
    credentials: trustCredentials(secretReader(env), () => Date.now()),
    timeoutMs,
    attempts,
    backoffMs: 5,
  });
const signal = () => AbortSignal.timeout(5000);
const patient = { resourceType: 'Patient', id: 'p1' };

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(() => nock.enableNetConnect());

describe('read paths (issue 17 item 7)', () => {
  it.each([
    ['Location', '..'],
    ['Location', '.'],
    ['Location', '...'],
    ['..', 'x'],
    ['Location', 'a/../../admin'],
    ['Location', 'a?x=1'],
  ])('%s/%s is never requested: it would not stay Type/id under the base', async (type, id) => {
    const hits: string[] = [];
    nock(BASE)
      .get(() => true)
      .optionally()
      .times(10)
      .reply((uri) => {
        hits.push(uri);
        return [200, { resourceType: 'CapabilityStatement' }];
      });
    const r = await client().read(partner({ secretRef: 'env:TRUST_FHIR_TOKEN' }), type, id, signal());
    expect(r).toEqual({ kind: 'failed', failure: 'unsafe-path' });
    expect(hits).toEqual([]);
  });

  it('a dotted id that is not a dot segment is an ordinary read', async () => {
    nock(BASE).get('/R4/Location/ward.12').reply(200, { resourceType: 'Location', id: 'ward.12' });
    const r = await client().read(
      partner({ secretRef: 'env:TRUST_FHIR_TOKEN' }),
      'Location',
      'ward.12',
      signal(),
    );
    expect(r).toMatchObject({ kind: 'found' });
  });
});

describe('reading from a trust FHIR server', () => {
  it('sends the static bearer token and asks for FHIR JSON', async () => {
    nock(BASE, { reqheaders: { authorization: 'Bearer static-token-1', accept: 'application/fhir+json' } })
      .get('/R4/Patient/p1')
      .reply(200, patient, { 'content-type': 'application/fhir+json' });
    const r = await client().read(partner({ secretRef: 'env:TRUST_FHIR_TOKEN' }), 'Patient', 'p1', signal());
    expect(r).toEqual({ kind: 'found', resource: patient });
  });

  it('gets a client-credentials token (HTTP Basic), caches it, and uses it', async () => {
    const basic = Buffer.from('homeward:client-secret-1').toString('base64');
    nock('https://auth.trust.example', { reqheaders: { authorization: `Basic ${basic}` } })
      .post('/token', 'grant_type=client_credentials&scope=system%2FPatient.r')
      .once()
      .reply(200, { access_token: 'minted-1', token_type: 'Bearer', expires_in: 300 });
    nock(BASE, { reqheaders: { authorization: 'Bearer minted-1' } })
      .get('/R4/Patient/p1')
      .twice()
      .reply(200, patient);
    const auth = {
      secretRef: 'env:TRUST_CLIENT_SECRET',
      tokenUrl: 'https://auth.trust.example/token',
      clientId: 'homeward',
      scope: 'system/Patient.r',
    };
    const c = client();
    expect((await c.read(partner(auth), 'Patient', 'p1', signal())).kind).toBe('found');
    expect((await c.read(partner(auth), 'Patient', 'p1', signal())).kind).toBe('found');
  });

  it('sends no Authorization header when the partner has no fhirAuth', async () => {
    nock(BASE, { badheaders: ['authorization'] })
      .get('/R4/Patient/p1')
      .reply(200, patient);
    expect((await client().read(partner(), 'Patient', 'p1', signal())).kind).toBe('found');
  });

  it('reports 404 and 410 as not found, without retrying', async () => {
    nock(BASE).get('/R4/Patient/gone').reply(410, { resourceType: 'OperationOutcome', issue: [] });
    nock(BASE).get('/R4/Patient/nope').reply(404, { resourceType: 'OperationOutcome', issue: [] });
    expect(await client().read(partner(), 'Patient', 'gone', signal())).toEqual({
      kind: 'not-found',
      status: 410,
    });
    expect(await client().read(partner(), 'Patient', 'nope', signal())).toEqual({
      kind: 'not-found',
      status: 404,
    });
  });

  it('retries 503 and succeeds', async () => {
    nock(BASE).get('/R4/Patient/p1').reply(503).get('/R4/Patient/p1').reply(200, patient);
    expect((await client().read(partner(), 'Patient', 'p1', signal())).kind).toBe('found');
  });

  it('gives up after its attempts on a failing server', async () => {
    nock(BASE).get('/R4/Patient/p1').times(3).reply(502);
    expect(await client().read(partner(), 'Patient', 'p1', signal())).toEqual({
      kind: 'failed',
      failure: 'server-error',
      status: 502,
    });
  });

  it('reports a server that does not answer in time as a timeout', async () => {
    nock(BASE).get('/R4/Patient/p1').times(2).delay(1000).reply(200, patient);
    const started = Date.now();
    expect(await client(100, 2).read(partner(), 'Patient', 'p1', signal())).toEqual({
      kind: 'failed',
      failure: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('reports refused credentials without retrying', async () => {
    nock(BASE).get('/R4/Patient/p1').reply(401);
    expect(
      await client().read(partner({ secretRef: 'env:TRUST_FHIR_TOKEN' }), 'Patient', 'p1', signal()),
    ).toEqual({
      kind: 'failed',
      failure: 'refused',
      status: 401,
    });
  });

  it('reports an unreachable server and a body that is not JSON', async () => {
    nock(BASE).get('/R4/Patient/p1').times(3).replyWithError({ code: 'ECONNREFUSED' });
    expect(await client().read(partner(), 'Patient', 'p1', signal())).toEqual({
      kind: 'failed',
      failure: 'unreachable',
    });
    nock(BASE).get('/R4/Patient/p2').reply(200, '<html>login</html>', { 'content-type': 'text/html' });
    expect(await client().read(partner(), 'Patient', 'p2', signal())).toEqual({
      kind: 'failed',
      failure: 'bad-response',
      status: 200,
    });
  });
});

describe('trust credentials at start', () => {
  it('names every trust whose secret is missing', () => {
    const problems = missingTrustSecrets(
      [partner({ secretRef: 'env:NOT_SET' }), partner()],
      secretReader(env),
    );
    expect(problems).toEqual([
      expect.objectContaining({
        file: 'consent/partners/north-coast-trust.yaml',
        path: 'fhirAuth.secretRef',
      }),
    ]);
  });
});
