/**
 * One error format per kind of caller (issue 19 item 1; src/http/errors.ts): FHIR routes answer
 * OperationOutcome, the OAuth token endpoint RFC 6749 section 5.2 JSON, every other route RFC 9457
 * problem details carrying every issue in `issues`. Swept over the whole route table, so a new
 * route cannot answer in a fourth format.
 */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { isFhirRoute, isOAuthRoute } from '../../src/http/errors.js';
import { allRoutes } from '../../src/http/routes.js';
import { testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';

let ctx: Awaited<ReturnType<typeof testApp>>;
beforeAll(async () => {
  ctx = await testApp();
});

/** An express path with every `:param` filled, so the request reaches the route. */
const concrete = (path: string) => path.replace(/:([A-Za-z_]+)/g, 'x-$1');

function expectFormat(path: string, res: request.Response) {
  const type = String(res.headers['content-type']);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  if (isOAuthRoute(path)) {
    expect(type, path).toMatch(/^application\/json/);
    expect(body, path).toEqual({ error: expect.any(String), error_description: expect.any(String) });
  } else if (isFhirRoute(path)) {
    expect(type, path).toMatch(/^application\/fhir\+json/);
    expect(body, path).toMatchObject({ resourceType: 'OperationOutcome', id: res.headers['x-request-id'] });
  } else {
    expect(type, path).toMatch(/^application\/problem\+json/);
    expect(body, path).toMatchObject({
      type: 'about:blank',
      status: res.status,
      detail: expect.any(String),
      requestId: res.headers['x-request-id'],
    });
    expect(body.issues, path).toEqual([
      expect.objectContaining({ code: expect.any(String), diagnostics: expect.any(String) }),
    ]);
  }
}

describe('one error format per kind of caller', () => {
  it('every protected route refuses a missing token in its kind of error body', async () => {
    const routes = allRoutes(ctx.deps).filter((r) => r.scope !== 'public');
    expect(routes.length).toBeGreaterThan(10);
    for (const r of routes) {
      const res = await request(ctx.app)[r.method](concrete(r.path));
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
      expectFormat(r.path, res);
    }
  });

  it('an unknown path answers 404 in the format of the part of the API it falls in', async () => {
    for (const path of ['/fhir/Nope', '/consent/nope/nope', '/nope', '/referrals/a/b/c']) {
      const res = await request(ctx.app).get(path);
      expect(res.status, path).toBe(404);
      expectFormat(path, res);
    }
  });

  it('the token endpoint answers its own errors as RFC 6749 JSON, never problem+json', async () => {
    const badJson = await request(ctx.app)
      .post('/oauth/token')
      .set('content-type', 'application/json')
      .send('[1,');
    expect(badJson.status).toBe(400);
    expect(badJson.headers['content-type']).toMatch(/^application\/json/);
    expect(badJson.headers['cache-control']).toBe('no-store');
    expect(badJson.body).toEqual({
      error: 'invalid_request',
      error_description: 'Request body is not valid JSON',
    });
    const refused = await request(ctx.app)
      .post('/oauth/token')
      .type('form')
      .send({ grant_type: 'client_credentials', client_assertion_type: 'x', client_assertion: 'y' });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.body).toEqual({ error: expect.any(String), error_description: expect.any(String) });
  });

  it('a provider body with several problems lists every one in problem+json issues', async () => {
    const auth = await bearer(ctx.deps, 'wearmouth-council');
    const res = await request(ctx.app)
      .post('/referrals/nope/status')
      .set('authorization', auth)
      .send({ status: 'maybe', reason: 7, extra: true });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const expressions = (res.body.issues as Array<{ expression: string; code: string }>).map(
      (i) => i.expression,
    );
    expect(expressions).toEqual(expect.arrayContaining(['status', 'reason', 'extra']));
    expect(res.body.issues.every((i: { code: string }) => i.code === 'invalid')).toBe(true);
    expect(res.body.detail).toMatch(
      new RegExp(`^${expressions.length} problems in the request; the first: `),
    );
  });

  it('a bad audit query parameter is named in problem+json (expression and issues)', async () => {
    const auth = await bearer(ctx.deps, 'ig-audit-north');
    const res = await request(ctx.app).get('/audit/events?from=yesterday').set('authorization', auth);
    expect(res.status).toBe(400);
    expectFormat('/audit/events', res);
    expect(res.body.expression).toEqual([res.body.issues[0].expression]);
    expect(res.body.issues[0].expression).toMatch(/from/);
  });
});
