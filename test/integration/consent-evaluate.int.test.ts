import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { r4Errors } from '../fhir/r4-validator.js';
import { bearer } from '../helpers/tokens.js';
import { request as fixture } from '../ingest/fixtures.js';
import { intakeApp } from './intake-helpers.js';

let ctx: Awaited<ReturnType<typeof intakeApp>>;
beforeEach(async () => {
  ctx = await intakeApp();
});

const params = (message: unknown, sender: string, recipient: string) => ({
  resourceType: 'Parameters',
  parameter: [
    { name: 'message', resource: message },
    { name: 'sender', valueString: sender },
    { name: 'recipient', valueString: recipient },
  ],
});

async function evaluate(body: unknown, partner = 'ig-audit-north') {
  return request(ctx.app)
    .post('/consent/$evaluate')
    .set('authorization', await bearer(ctx.deps, partner))
    .set('content-type', 'application/fhir+json')
    .send(JSON.stringify(body));
}

const values = (
  p: { parameter: Array<{ name: string; valueCode?: string; valueString?: string }> },
  name: string,
) => p.parameter.filter((x) => x.name === name).map((x) => x.valueCode ?? x.valueString);

describe('POST /consent/$evaluate (dry run)', () => {
  it('says permit with the exact fields for the admission fixture, and stores nothing', async () => {
    const res = await evaluate(params(fixture('admission'), 'north-coast-trust', 'homegroup-discharge'));
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text);
    expect(r4Errors(body)).toEqual([]);
    expect(values(body, 'outcome')).toEqual(['permit']);
    expect(values(body, 'agreement')).toEqual(['dsa-north-coast-homestead-discharge|2']);
    expect(values(body, 'field')).toEqual(expect.arrayContaining(['name', 'contactDetails', 'consent']));
    for (const table of ['events', 'decisions', 'referrals', 'deliveries'] as const) {
      expect(await ctx.deps.store.db.selectFrom(table).selectAll().execute(), table).toEqual([]);
    }
  });

  it('says withhold with reasons for a recipient the message does not concern', async () => {
    const body = JSON.parse(
      (await evaluate(params(fixture('admission'), 'north-coast-trust', 'wearmouth-council'))).text,
    );
    expect(values(body, 'outcome')).toEqual(['withhold']);
    expect(body.parameter.find((p: { name: string }) => p.name === 'reason').part[0].valueCode).toBe(
      'trigger-not-covered',
    );
    expect(values(body, 'field')).toEqual([]);
  });

  it('answers 422 for an invalid message, 400 for bad parameters, 403 without audit.read', async () => {
    expect(
      (await evaluate(params(fixture('invalid-nhs-number'), 'north-coast-trust', 'homegroup-discharge')))
        .status,
    ).toBe(422);
    expect((await evaluate({ resourceType: 'Parameters', parameter: [] })).status).toBe(400);
    expect((await evaluate(params(fixture('admission'), 'nobody', 'homegroup-discharge'))).status).toBe(400);
    expect(
      (
        await evaluate(
          params(fixture('admission'), 'north-coast-trust', 'homegroup-discharge'),
          'north-coast-trust',
        )
      ).status,
    ).toBe(403);
  });
});
