/**
 * Issue 21 item 7: what the gateway cannot do is refused, not done differently. `$process-message`
 * with `async=true` is answered 400 (not-supported, expression `async`) and stores nothing; a
 * FHIR caller accepting no JSON gets 406 with an OperationOutcome (FHIR R4 http.html, RFC 9110
 * section 12.5.1) while every usual JSON Accept header still gets its answer.
 */
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { acceptsFhirJson } from '../../src/http/content-negotiation.js';
import { r4Errors } from '../fhir/r4-validator.js';
import { bearer } from '../helpers/tokens.js';
import { request as fixture } from '../ingest/fixtures.js';
import { intakeApp, PROCESS_MESSAGE, post, storedEvents } from './intake-helpers.js';

let ctx: Awaited<ReturnType<typeof intakeApp>>;
beforeEach(async () => {
  ctx = await intakeApp();
});

const message = () => fixture('admission');
const postTo = async (path: string, headers: Record<string, string> = {}) => {
  let req = request(ctx.app)
    .post(path)
    .set('authorization', await bearer(ctx.deps, 'north-coast-trust'))
    .set('content-type', 'application/fhir+json');
  for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
  return req.send(JSON.stringify(message()));
};

describe('$process-message?async=true', () => {
  it('is refused 400 not-supported naming the parameter, and stores nothing', async () => {
    const res = await postTo(`${PROCESS_MESSAGE}?async=true`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const outcome = JSON.parse(res.text);
    expect(r4Errors(outcome)).toEqual([]);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue).toEqual([
      expect.objectContaining({ severity: 'error', code: 'not-supported', expression: ['async'] }),
    ]);
    expect(outcome.issue[0].diagnostics).toMatch(/asynchronous/i);
    expect(res.headers['x-correlation-id']).toEqual(expect.any(String));
    expect(await storedEvents(ctx.deps)).toEqual([]);
    // The same message without async is then accepted as new.
    const sync = await post(ctx.app, ctx.deps, message());
    expect(sync.status).toBe(200);
    expect(await storedEvents(ctx.deps)).toHaveLength(1);
  });

  it('async=false is the synchronous mode; any other value is invalid', async () => {
    expect((await postTo(`${PROCESS_MESSAGE}?async=false`)).status).toBe(200);
    const bad = await postTo(`${PROCESS_MESSAGE}?async=yes`);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).issue[0]).toMatchObject({ code: 'invalid', expression: ['async'] });
  });
});

describe('Accept on FHIR routes', () => {
  const xmlOnly = [
    'application/fhir+xml',
    'application/xml',
    'application/fhir+xml, text/xml;q=0.5',
    'application/fhir+json;q=0, application/fhir+xml',
    'application/fhir+json; fhirVersion=3.0',
    'text/turtle',
  ];

  it.each(xmlOnly)('answers 406 with an OperationOutcome in JSON to Accept: %s', async (accept) => {
    const res = await request(ctx.app).get('/fhir/metadata').set('accept', accept);
    expect(res.status).toBe(406);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const outcome = JSON.parse(res.text);
    expect(outcome).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-supported' }] });
    expect(r4Errors(outcome)).toEqual([]);
  });

  it('refuses $process-message asking for XML before reading the message, and stores nothing', async () => {
    const res = await postTo(PROCESS_MESSAGE, { accept: 'application/fhir+xml' });
    expect(res.status).toBe(406);
    expect(JSON.parse(res.text).resourceType).toBe('OperationOutcome');
    expect(await storedEvents(ctx.deps)).toEqual([]);
  });

  it('answers 406 to _format=xml whatever Accept says, and 200 to _format=json', async () => {
    expect((await request(ctx.app).get('/fhir/metadata?_format=xml')).status).toBe(406);
    expect((await request(ctx.app).get('/fhir/metadata?_format=application/fhir%2Bxml')).status).toBe(406);
    const json = await request(ctx.app)
      .get('/fhir/metadata?_format=json')
      .set('accept', 'application/fhir+xml');
    expect(json.status).toBe(200);
  });

  const jsonOk = [
    undefined,
    '*/*',
    'application/json',
    'application/fhir+json',
    'application/fhir+json; fhirVersion=4.0',
    'application/json, text/plain, */*',
    'application/*',
    'application/fhir+xml, application/fhir+json;q=0.5',
    'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  ];

  it.each(jsonOk)('still answers JSON to Accept: %s', async (accept) => {
    let req = request(ctx.app).get('/fhir/metadata');
    if (accept !== undefined) req = req.set('accept', accept);
    const res = await req;
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
  });

  it('leaves other routes alone', async () => {
    const res = await request(ctx.app).get('/health/live').set('accept', 'application/fhir+xml');
    expect(res.status).toBe(200);
  });

  it('reads Accept per RFC 9110: the most specific range wins, q=0 excludes', () => {
    expect(acceptsFhirJson('application/*;q=0.5, application/fhir+json;q=0', undefined)).toBe(true);
    expect(acceptsFhirJson('application/*;q=0, */*', undefined)).toBe(false);
    expect(acceptsFhirJson('*/*;q=0', undefined)).toBe(false);
    expect(acceptsFhirJson('APPLICATION/FHIR+JSON', undefined)).toBe(true);
    expect(acceptsFhirJson('not a media range', undefined)).toBe(true);
    expect(acceptsFhirJson(undefined, ['json', 'xml'])).toBe(false);
  });
});
