/**
 * Authenticate before reading a body (issue 17 item 6): every protected route checks the bearer
 * token before the body is read or parsed, so a caller without a valid token gets 401 whatever
 * it sends (malformed JSON, XML, a body over the limit, a body that never ends), and cannot make
 * the gateway parse anything. A caller with a token still gets the body's own 4xx. The token
 * endpoint, which must read its form, limits per source address before reading it, and spends an
 * assertion's jti even when it refuses the scope.
 */
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { tokenUrl } from '../../src/auth/token.js';
import { allRoutes, type RouteSpec } from '../../src/http/routes.js';
import { createApiServer } from '../../src/http/server-limits.js';
import { clientAssertion, tokenForm } from '../helpers/assertions.js';
import { TEST_NOW, testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';

// Built at collection time: the route table drives the it.each below.
const ctx = await testApp();

const MALFORMED = '{"resourceType":';
const PROCESS_MESSAGE = '/fhir/$process-message';
const TRUST = 'north-coast-trust';

/** Every protected route that takes a body, with its path parameters filled in. */
function protectedBodyRoutes(): Array<[string, RouteSpec['method'], string]> {
  return allRoutes(ctx.deps)
    .filter((r) => r.scope !== 'public' && ['post', 'put', 'patch'].includes(r.method))
    .map((r) => [`${r.method.toUpperCase()} ${r.path}`, r.method, r.path.replace(/:[A-Za-z_]+/g, 'x')]);
}

describe('no token: 401 before the body is read', () => {
  it('the route table has protected routes that take a body', () => {
    expect(protectedBodyRoutes().length).toBeGreaterThan(3);
  });

  it.each(
    protectedBodyRoutes(),
  )('%s with malformed JSON and no token answers 401', async (_name, method, path) => {
    const res = await request(ctx.app)
      [method](path)
      .set('content-type', 'application/fhir+json')
      .send(MALFORMED);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  it('malformed JSON with an invalid token answers 401 too', async () => {
    const res = await request(ctx.app)
      .post(PROCESS_MESSAGE)
      .set('authorization', 'Bearer a.b.c')
      .set('content-type', 'application/fhir+json')
      .send(MALFORMED);
    expect(res.status).toBe(401);
    expect(res.body.issue[0].code).toBe('login');
  });

  it('FHIR XML without a token answers 401, not 415', async () => {
    const res = await request(ctx.app)
      .post(PROCESS_MESSAGE)
      .set('content-type', 'application/fhir+xml')
      .send('<Bundle xmlns="http://hl7.org/fhir"/>');
    expect(res.status).toBe(401);
  });

  it('a token without the route scope answers 403 before the body is parsed', async () => {
    const res = await request(ctx.app)
      .post(PROCESS_MESSAGE)
      .set('authorization', await bearer(ctx.deps, 'ig-audit-north'))
      .set('content-type', 'application/fhir+json')
      .send(MALFORMED);
    expect(res.status).toBe(403);
  });

  it('with a valid token the body is still parsed: malformed JSON is 400', async () => {
    const res = await request(ctx.app)
      .post(PROCESS_MESSAGE)
      .set('authorization', await bearer(ctx.deps, 'north-coast-trust'))
      .set('content-type', 'application/fhir+json')
      .send(MALFORMED);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].code).toBe('invalid');
  });
});

describe('no token: large and endless bodies are never read', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function listen(): Promise<number> {
    server = createApiServer(createApp(ctx.deps));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  /**
   * Starts a request, writes `firstBytes` of body and never finishes it; resolves with the answer
   * and how many body bytes had been written when it came.
   */
  function unfinished(
    port: number,
    headers: Record<string, string>,
    firstBytes: number,
  ): Promise<{ status: number; written: number }> {
    return new Promise((resolve, reject) => {
      let written = 0;
      const req = httpRequest(
        { port, host: '127.0.0.1', method: 'POST', path: PROCESS_MESSAGE, headers },
        (res: IncomingMessage) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, written });
          req.destroy();
        },
      );
      req.on('error', (err) => {
        if (written === 0) reject(err);
      });
      const chunk = Buffer.alloc(firstBytes, '[');
      req.write(chunk, () => {
        written += chunk.length;
      });
      // Deliberately never req.end(): the gateway must answer without waiting for the body.
      setTimeout(() => reject(new Error('no answer while the body was still open')), 5000).unref();
    });
  }

  it('a chunked body that never ends gets 401 at once, unparsed', async () => {
    const port = await listen();
    const answer = await unfinished(
      port,
      { 'content-type': 'application/fhir+json', 'transfer-encoding': 'chunked' },
      256 * 1024,
    );
    expect(answer.status).toBe(401);
  });

  it('a 50 MB Content-Length gets 401 (not 413) after only 64 KB were sent', async () => {
    const port = await listen();
    const answer = await unfinished(
      port,
      { 'content-type': 'application/fhir+json', 'content-length': String(50 * 1024 * 1024) },
      64 * 1024,
    );
    expect(answer.status).toBe(401);
    expect(answer.written).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('the token endpoint: limits that an unverified claim cannot escape', () => {
  const NOW = new Date(TEST_NOW);

  it('rotating the unverified iss does not buy a fresh budget: the source address is limited too', async () => {
    const settings = {
      ...ctx.deps.settings,
      tokenRateLimitPerMinute: 2,
      tokenRateLimitPerAddressPerMinute: 5,
    };
    const limited = createApp({ ...ctx.deps, settings });
    const url = tokenUrl(settings.publicUrl);
    const attempt = async (i: number) =>
      request(limited)
        .post('/oauth/token')
        .type('form')
        .send(tokenForm(await clientAssertion(TRUST, url, { now: NOW, iss: `stranger-${i}` })));
    // Each claimed client is new, so the per-client budget (2) never runs out ...
    for (let i = 0; i < 5; i++) expect((await attempt(i)).status).toBe(401);
    // ... but the address has used its 5.
    const sixth = await attempt(5);
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    // A genuine client from the same address is limited as well: the flood came from there.
    const genuine = await request(limited)
      .post('/oauth/token')
      .type('form')
      .send(tokenForm(await clientAssertion(TRUST, url, { now: NOW })));
    expect(genuine.status).toBe(429);
  });

  it('an assertion refused invalid_scope has spent its jti: presenting it again is a replay', async () => {
    const url = tokenUrl(ctx.deps.settings.publicUrl);
    const assertion = await clientAssertion(TRUST, url, { now: NOW, jti: 'refused-for-scope' });
    const refused = await request(ctx.app)
      .post('/oauth/token')
      .type('form')
      .send(tokenForm(assertion, 'audit.read'));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_scope');
    const replay = await request(ctx.app)
      .post('/oauth/token')
      .type('form')
      .send(tokenForm(assertion, 'system/Bundle.c'));
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('invalid_client');
    expect(replay.body.error_description).toMatch(/already been used/);
    expect(replay.body).not.toHaveProperty('access_token');
  });
});
