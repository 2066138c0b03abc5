import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';

let app: Awaited<ReturnType<typeof testApp>>['app'];
/** A trust's token: protected routes read the body only once the caller is known (issue 17 item 6). */
let trust: string;
beforeAll(async () => {
  const ctx = await testApp();
  app = ctx.app;
  trust = await bearer(ctx.deps, 'north-coast-trust');
});

describe('health and keys', () => {
  it('answers liveness', async () => {
    const res = await request(app).get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'live' });
  });

  it('answers readiness when the store and registry are up', async () => {
    const res = await request(app).get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', checks: { store: 'ok', registry: 'ok' } });
  });

  it('publishes the public JWKS without private parts', async () => {
    const res = await request(app).get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/jwk-set\+json/);
    const { keys } = JSON.parse(res.text) as { keys: Array<Record<string, unknown>> };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(keys[0]?.kid).toEqual(expect.any(String));
    expect(keys[0]).not.toHaveProperty('d');
  });
});

describe('request ids and headers', () => {
  it('generates a request id and echoes it', async () => {
    const res = await request(app).get('/health/live');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reuses a well-formed inbound X-Request-Id and replaces a malformed one', async () => {
    const good = await request(app).get('/health/live').set('x-request-id', 'trust-abc.123');
    expect(good.headers['x-request-id']).toBe('trust-abc.123');
    const bad = await request(app).get('/health/live').set('x-request-id', 'x\u00e9<script>');
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends helmet security headers', async () => {
    const res = await request(app).get('/health/live');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('malformed request bodies never cause a 5xx', () => {
  const fhirPath = '/fhir/$process-message';

  it('answers 400 OperationOutcome for bad JSON on a FHIR route', async () => {
    const res = await request(app)
      .post(fhirPath)
      .set('authorization', trust)
      .set('content-type', 'application/fhir+json')
      .send('{"resourceType":');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/fhir\+json/);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0]).toMatchObject({ severity: 'error', code: 'invalid' });
    expect(res.body.id).toBe(res.headers['x-request-id']);
  });

  it('answers 400 for bad JSON at the token endpoint as an OAuth error (RFC 6749 section 5.2)', async () => {
    const res = await request(app).post('/oauth/token').set('content-type', 'application/json').send('[1,');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(res.text)).toEqual({
      error: 'invalid_request',
      error_description: 'Request body is not valid JSON',
    });
  });

  it('answers 413 for a body over 1 MB', async () => {
    const big = JSON.stringify({ resourceType: 'Bundle', pad: 'x'.repeat(1_100_000) });
    const res = await request(app)
      .post(fhirPath)
      .set('authorization', trust)
      .set('content-type', 'application/fhir+json')
      .send(big);
    expect(res.status).toBe(413);
    expect(res.body.issue[0].code).toBe('too-costly');
  });

  it('answers 415 saying JSON is required for FHIR XML', async () => {
    const res = await request(app)
      .post(fhirPath)
      .set('authorization', trust)
      .set('content-type', 'application/fhir+xml')
      .send('<Bundle xmlns="http://hl7.org/fhir"/>');
    expect(res.status).toBe(415);
    expect(res.body.issue[0].diagnostics).toMatch(/JSON/);
  });

  it('answers 415 for other content types', async () => {
    const res = await request(app)
      .post(fhirPath)
      .set('authorization', trust)
      .set('content-type', 'text/plain')
      .send('hello');
    expect(res.status).toBe(415);
    expect(res.body.issue[0].code).toBe('not-supported');
  });

  it('answers 415 for an unsupported charset', async () => {
    const res = await request(app)
      .post(fhirPath)
      .set('authorization', trust)
      .set('content-type', 'application/json; charset=iso-8859-1')
      .send('{}');
    expect(res.status).toBe(415);
  });

  it('answers 400 for JSON that is not an object or array (strict mode)', async () => {
    const res = await request(app)
      .post(fhirPath)
      .set('authorization', trust)
      .set('content-type', 'application/json')
      .send('"just a string"');
    expect(res.status).toBe(400);
  });

  it('answers 404 with an OperationOutcome for unknown FHIR routes and problem+json elsewhere', async () => {
    const fhir = await request(app).get('/fhir/Nope');
    expect(fhir.status).toBe(404);
    expect(fhir.body.issue[0].code).toBe('not-found');
    const other = await request(app).get('/nope');
    expect(other.status).toBe(404);
    expect(JSON.parse(other.text).status).toBe(404);
  });
});
