/**
 * POST /fhir/$process-message through the real app (issue 4): every synthetic fixture answers
 * exactly its -response.json, the event and its audit entry are stored together, and what the
 * gateway emits is valid R4. Also GET /fhir/metadata and the housing-events CodeSystem.
 */
import { writeFileSync } from 'node:fs';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { r4Errors } from '../fhir/r4-validator.js';
import { bearer } from '../helpers/tokens.js';
import { request as fixture, responseFixture, scenarios } from '../ingest/fixtures.js';
import { auditEntries, intakeApp, PROCESS_MESSAGE, post, storedEvents } from './intake-helpers.js';

describe.each(scenarios())('fixture %s', (name) => {
  it('answers its -response.json, a valid R4 resource', async () => {
    const { app, deps } = await intakeApp();
    const res = await post(app, deps, fixture(name), { requestId: `${name}-1` });
    // UPDATE_FIXTURES=1 rewrites the -response.json files after a deliberate change: review the diff.
    if (process.env.UPDATE_FIXTURES === '1' && res.status < 500) {
      writeFileSync(
        `test/fixtures/messages/${name}-response.json`,
        `${JSON.stringify(JSON.parse(res.text), null, 2)}\n`,
      );
    }
    const expected = responseFixture(name);
    expect(res.status).toBe(expected.resourceType === 'Bundle' ? 200 : 422);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(JSON.parse(res.text)).toEqual(expected);
    expect(r4Errors(JSON.parse(res.text))).toEqual([]);
    // Stored only when accepted, and never a 422 half-stored.
    expect(await storedEvents(deps)).toHaveLength(res.status === 200 ? 1 : 0);
    expect(await auditEntries(deps, 'received')).toHaveLength(res.status === 200 ? 1 : 0);
  });
});

describe('an accepted message', () => {
  it('is stored with its hash, request id and response, with a received audit entry in the same commit', async () => {
    const { app, deps } = await intakeApp();
    const body = fixture('referral-request');
    const res = await post(app, deps, body, { requestId: 'tie-7781', correlationId: 'corr-42' });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('tie-7781');
    expect(res.headers['x-correlation-id']).toBe('corr-42');
    const [event] = await storedEvents(deps);
    expect(event).toMatchObject({
      sender: 'riverside-trust',
      message_id: 'e0f2e001-0000-4000-8000-000000000001',
      event_code: 'referral-request',
      reason: 'new',
      request_id: 'tie-7781',
      correlation_id: 'corr-42',
      status: 'validated',
      payload_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      resolved: null,
    });
    expect(JSON.parse(String(event?.payload))).toEqual(body);
    expect(event?.response).toBe(res.text);
    const [entry] = await auditEntries(deps, 'received');
    expect(entry).toMatchObject({
      actor: 'riverside-trust',
      event_id: event?.id,
      payload_sha256: event?.payload_sha256,
      request_id: 'tie-7781',
      subject_hmac: deps.audit.subjectHash('9990475148'),
    });
    // No personal data in the audit detail or the logs (conventions 8).
    expect(JSON.parse(String(entry?.detail))).toEqual({
      correlationId: 'corr-42',
      event: 'referral-request',
      reason: 'new',
      sentEvent: 'servicerequest-request',
    });
    expect(JSON.stringify(entry)).not.toContain('9990475148');
    expect(deps.logs.text()).not.toContain('9990475148');
    expect(deps.logs.text()).not.toContain('Dunmore');
  });

  it('accepts application/json as well as application/fhir+json', async () => {
    const { app, deps } = await intakeApp();
    const res = await post(app, deps, fixture('admission'), { contentType: 'application/json' });
    expect(res.status).toBe(200);
  });
});

describe('refusals', () => {
  it('needs a token with system/Bundle.c', async () => {
    const { app, deps } = await intakeApp();
    const body = JSON.stringify(fixture('admission'));
    const none = await request(app)
      .post(PROCESS_MESSAGE)
      .set('content-type', 'application/fhir+json')
      .send(body);
    expect(none.status).toBe(401);
    const readOnly = await request(app)
      .post(PROCESS_MESSAGE)
      .set('authorization', await bearer(deps, 'north-coast-trust', ['system/Task.rs']))
      .set('content-type', 'application/fhir+json')
      .send(body);
    expect(readOnly.status).toBe(403);
    expect(await storedEvents(deps)).toHaveLength(0);
  });

  it('refuses a message whose sender is another trust (422 forbidden)', async () => {
    const { app, deps } = await intakeApp();
    const res = await post(app, deps, fixture('admission'), {
      partner: 'riverside-trust',
      correlationId: 'c-1',
    });
    expect(res.status).toBe(422);
    expect(res.headers['x-correlation-id']).toBe('c-1');
    expect(res.body.issue).toEqual([
      expect.objectContaining({ code: 'forbidden', expression: ['Bundle.entry[3].resource.identifier'] }),
    ]);
  });

  it.each([
    ['FHIR XML', 'application/fhir+xml', '<Bundle xmlns="http://hl7.org/fhir"/>', 415],
    ['malformed JSON', 'application/fhir+json', '{"resourceType":"Bundle",', 400],
    ['a JSON array', 'application/fhir+json', '[]', 422],
    ['an empty object', 'application/fhir+json', '{}', 422],
  ])('answers %s with an OperationOutcome (%s)', async (_name, contentType, body, status) => {
    const { app, deps } = await intakeApp();
    const res = await post(app, deps, body, { partner: 'north-coast-trust', contentType });
    expect(res.status).toBe(status);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(r4Errors(res.body)).toEqual([]);
    if (status === 415) expect(res.body.issue[0].diagnostics).toMatch(/JSON/);
  });

  it('answers 413 for a body over 1 MB', async () => {
    const { app, deps } = await intakeApp();
    const big = fixture('admission');
    big.padding = 'x'.repeat(1_100_000);
    const res = await post(app, deps, big);
    expect(res.status).toBe(413);
    expect(r4Errors(res.body)).toEqual([]);
  });
});

describe('what the gateway publishes', () => {
  it('GET /fhir/metadata: a valid CapabilityStatement with the operation, SMART security and events', async () => {
    const { app } = await intakeApp();
    const res = await request(app).get('/fhir/metadata');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const cs = JSON.parse(res.text);
    expect(r4Errors(cs)).toEqual([]);
    expect(cs).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
    const rest = cs.rest[0];
    expect(rest.operation).toEqual([expect.objectContaining({ name: 'process-message' })]);
    expect(rest.security.service[0].coding[0].code).toBe('SMART-on-FHIR');
    expect(rest.security.extension[0].extension).toEqual([
      { url: 'token', valueUri: 'https://homeward.example/oauth/token' },
    ]);
    expect(cs.messaging[0].endpoint[0].address).toBe('https://homeward.example/fhir/$process-message');
  });

  it('GET /fhir/CodeSystem/homeward-housing-events: the events, without a token', async () => {
    const { app } = await intakeApp();
    const res = await request(app).get('/fhir/CodeSystem/homeward-housing-events');
    expect(res.status).toBe(200);
    const cs = JSON.parse(res.text);
    expect(r4Errors(cs)).toEqual([]);
    expect(cs.url).toBe('https://homeward.example/fhir/CodeSystem/homeward-housing-events');
    expect(cs.concept).toHaveLength(7);
  });
});
