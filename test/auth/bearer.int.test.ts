import { generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { callerOf } from '../../src/auth/caller.js';
import { tokenUrl } from '../../src/auth/token.js';
import type { RouteSpec } from '../../src/http/routes.js';
import { clientAssertion } from '../helpers/assertions.js';
import { registryWith, testPartner } from '../helpers/registry.js';
import { TEST_NOW, testDeps } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';

/** A probe route that needs audit.read and echoes who called it. */
const probe: RouteSpec = {
  method: 'get',
  path: '/probe',
  scope: 'audit.read',
  handlers: [(req, res) => void res.json({ partner: callerOf(req).partnerId })],
};

let deps: Awaited<ReturnType<typeof testDeps>>;
let app: ReturnType<typeof createApp>;
beforeEach(async () => {
  deps = await testDeps();
  app = createApp(deps, [probe]);
});

const get = (authorization?: string) => {
  const r = request(app).get('/probe');
  return authorization === undefined ? r : r.set('authorization', authorization);
};

describe('bearer token guard', () => {
  it('lets a token with the route scope through and names the caller', async () => {
    const res = await get(await bearer(deps, 'ig-audit-north'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ partner: 'ig-audit-north' });
  });

  it('answers 401 with a WWW-Authenticate challenge when no token is sent', async () => {
    const res = await get();
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="homeward"');
  });

  it('answers 403 insufficient_scope for a token without the route scope', async () => {
    const res = await get(await bearer(deps, 'north-coast-trust'));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(res.headers['www-authenticate']).toContain('scope="audit.read"');
  });

  const invalid: Array<[string, () => Promise<string>]> = [
    [
      'a token from another issuer',
      async () => {
        const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
        const now = Math.floor(new Date(TEST_NOW).getTime() / 1000);
        const t = await new SignJWT({ scope: 'audit.read' })
          .setProtectedHeader({ alg: 'EdDSA', kid: deps.keys.active.kid, typ: 'at+jwt' })
          .setIssuer('https://other-gateway.example')
          .setAudience(deps.settings.publicUrl)
          .setSubject('ig-audit-north')
          .setExpirationTime(now + 300)
          .setJti('x')
          .sign(privateKey);
        return `Bearer ${t}`;
      },
    ],
    [
      'a token signed by a foreign key claiming our issuer and kid',
      async () => {
        const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
        const now = Math.floor(new Date(TEST_NOW).getTime() / 1000);
        const t = await new SignJWT({ scope: 'audit.read' })
          .setProtectedHeader({ alg: 'EdDSA', kid: deps.keys.active.kid, typ: 'at+jwt' })
          .setIssuer(deps.settings.publicUrl)
          .setAudience(deps.settings.publicUrl)
          .setSubject('ig-audit-north')
          .setExpirationTime(now + 300)
          .setJti('x')
          .sign(privateKey);
        return `Bearer ${t}`;
      },
    ],
    [
      'alg none',
      async () => {
        const b = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        return `Bearer ${b({ alg: 'none', typ: 'at+jwt' })}.${b({ sub: 'ig-audit-north', scope: 'audit.read' })}.`;
      },
    ],
    [
      'a tampered payload',
      async () => {
        const [h, , s] = (await bearer(deps, 'north-coast-trust')).slice(7).split('.');
        const p = Buffer.from(
          JSON.stringify({ sub: 'ig-audit-north', scope: 'audit.read', iss: deps.settings.publicUrl }),
        ).toString('base64url');
        return `Bearer ${h}.${p}.${s}`;
      },
    ],
    [
      'a client assertion used as an access token',
      async () => `Bearer ${await clientAssertion('ig-audit-north', tokenUrl(deps.settings.publicUrl))}`,
    ],
    ['extra whitespace', async () => `Bearer  ${(await bearer(deps, 'ig-audit-north')).slice(7)} `],
    ['garbage', async () => 'Bearer !!!garbage!!!'],
    ['another scheme', async () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['an oversized token (> 8 KB)', async () => `Bearer ${'a'.repeat(5000)}.${'b'.repeat(5000)}.c`],
  ];

  it.each(invalid)('answers 401 to %s', async (_name, make) => {
    const res = await get(await make());
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="homeward"/);
    expect(res.body.resourceType).toBeUndefined();
  });

  it('answers 401 once the access token has expired', async () => {
    const auth = await bearer(deps, 'ig-audit-north');
    (deps.clock as unknown as { advance(ms: number): void }).advance(11 * 60_000);
    const res = await get(auth);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('answers 401 when the partner has left the registry since the token was issued', async () => {
    const auth = await bearer(deps, 'ig-audit-north');
    const partners = new Map(deps.registry.partners);
    partners.delete('ig-audit-north');
    const gone = createApp(
      { ...deps, registry: { ...deps.registry, partners, partner: (id) => partners.get(id) } },
      [probe],
    );
    expect((await request(gone).get('/probe').set('authorization', auth)).status).toBe(401);
  });
});

describe('per-partner rate limits', () => {
  it('answers 429 with Retry-After once a partner exceeds its API budget, without touching other partners', async () => {
    const registry = registryWith(deps.registry, [
      { ...testPartner('ig-audit-south', { jwks: { keys: [] } }, ['audit.read']), roles: ['auditor'] },
    ]);
    const limited = createApp({ ...deps, registry, settings: { ...deps.settings, rateLimitPerMinute: 2 } }, [
      probe,
    ]);
    const auth = await bearer(deps, 'ig-audit-north');
    expect((await request(limited).get('/probe').set('authorization', auth)).status).toBe(200);
    expect((await request(limited).get('/probe').set('authorization', auth)).status).toBe(200);
    const third = await request(limited).get('/probe').set('authorization', auth);
    expect(third.status).toBe(429);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    // Another partner is counted separately.
    const other = await request(limited)
      .get('/probe')
      .set('authorization', await bearer({ ...deps, registry }, 'ig-audit-south'));
    expect(other.status).toBe(200);
  });

  it('limits the token endpoint per client and address', async () => {
    const settings = { ...deps.settings, tokenRateLimitPerMinute: 2 };
    const limited = createApp({ ...deps, settings });
    const url = tokenUrl(settings.publicUrl);
    const form = async () => ({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion('north-coast-trust', url, { now: new Date(TEST_NOW) }),
      scope: 'system/Bundle.c',
    });
    for (let i = 0; i < 2; i++) {
      expect(
        (
          await request(limited)
            .post('/oauth/token')
            .type('form')
            .send(await form())
        ).status,
      ).toBe(200);
    }
    const third = await request(limited)
      .post('/oauth/token')
      .type('form')
      .send(await form());
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBeDefined();
  });
});

describe('the token endpoint limits each source address, whatever client it claims (issue 17 item 6)', () => {
  it('a client rotating the unverified iss is still limited per address', async () => {
    const settings = { ...deps.settings, tokenRateLimitPerMinute: 100, tokenRateLimitPerAddressPerMinute: 3 };
    const limited = createApp({ ...deps, settings });
    const url = tokenUrl(settings.publicUrl);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      // A fresh (unknown, unverifiable) client id each time: a fresh bucket if iss were the key.
      const assertion = await clientAssertion('north-coast-trust', url, { now: new Date(TEST_NOW) });
      const [h, , s] = assertion.split('.');
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const forged = `${h}.${b64({ iss: `rotating-${i}`, sub: `rotating-${i}`, aud: url, jti: `j${i}` })}.${s}`;
      const res = await request(limited).post('/oauth/token').type('form').send({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: forged,
        scope: 'system/Bundle.c',
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('the per-address limit answers before the body is parsed: a flood of malformed forms is 429', async () => {
    const settings = { ...deps.settings, tokenRateLimitPerAddressPerMinute: 1 };
    const limited = createApp({ ...deps, settings });
    const send = () =>
      request(limited).post('/oauth/token').set('content-type', 'application/json').send('{"grant_type":');
    expect((await send()).status).toBe(400);
    expect((await send()).status).toBe(429);
  });
});
