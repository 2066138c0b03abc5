import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { testApp } from '../helpers/test-app.js';

// Synthetic person: 943 476 5919 is a valid-checksum NHS number from the NHS test range.
const NHS_NUMBER = '9434765919';
const NAME = 'Marigold Fenwick-Test';
const TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ0cnVzdCJ9.c2lnbmF0dXJlLXNlY3JldA';

describe('logs carry no personal data and no secrets', () => {
  it('a request carrying an NHS number, a name and a bearer token leaves none of them in the log', async () => {
    const { app, deps } = await testApp();
    const patient = {
      resourceType: 'Patient',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: NHS_NUMBER }],
      name: [{ text: NAME }],
    };
    await request(app)
      .post(
        `/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|${NHS_NUMBER}&name=${encodeURIComponent(NAME)}`,
      )
      .set('authorization', `Bearer ${TOKEN}`)
      .set('x-correlation-id', 'corr-1')
      .set('content-type', 'application/fhir+json')
      .send(patient);
    await request(app)
      .get(`/health/live?nhsNumber=${NHS_NUMBER}`)
      .set('authorization', `Bearer ${TOKEN}`)
      .set('cookie', `session=${TOKEN}`);
    const text = deps.logs.text();
    expect(deps.logs.lines.length).toBeGreaterThanOrEqual(2);
    expect(text).toContain('GET /health/live 200');
    // One request line per request, with the route template once (never "(unmatched)" beside it).
    const line = deps.logs.lines.find((l) => l.includes('GET /health/live 200')) ?? '';
    expect(line.match(/"route":/g)).toHaveLength(1);
    expect(JSON.parse(line)).toMatchObject({ route: '/health/live', res: { statusCode: 200 } });
    for (const secret of [NHS_NUMBER, '943 476 5919', NAME, 'Marigold', TOKEN, 'c2lnbmF0dXJlLXNlY3JldA']) {
      expect(text).not.toContain(secret);
    }
  });

  it('redacts PII paths and NHS-number-shaped text when code logs an object', async () => {
    const { deps } = await testApp();
    deps.logger.info(
      {
        patient: { name: NAME },
        nhsNumber: NHS_NUMBER,
        address: '1 Test Street',
        ctx: { telecom: '07700 900123' },
      },
      `looked up 943 476 5919 and ${NHS_NUMBER}`,
    );
    const text = deps.logs.text();
    for (const secret of [NHS_NUMBER, '943 476 5919', NAME, '1 Test Street', '07700 900123']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
  });
});
