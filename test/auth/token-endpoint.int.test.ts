import { createPublicKey } from 'node:crypto';
import { decodeProtectedHeader, SignJWT } from 'jose';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { tokenUrl } from '../../src/auth/token.js';
import { clientAssertion, samplePrivateJwk, tokenForm } from '../helpers/assertions.js';
import { TEST_NOW, testApp } from '../helpers/test-app.js';

const NOW = new Date(TEST_NOW);
const TRUST = 'north-coast-trust';
let ctx: Awaited<ReturnType<typeof testApp>>;
let url: string;

beforeEach(async () => {
  ctx = await testApp();
  url = tokenUrl(ctx.deps.settings.publicUrl);
});

const post = (form: Record<string, string>) => request(ctx.app).post('/oauth/token').type('form').send(form);
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('POST /oauth/token (SMART Backend Services)', () => {
  it('issues a short-lived access token for a valid ES256 client assertion', async () => {
    const res = await post(tokenForm(await clientAssertion(TRUST, url, { now: NOW })));
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({
      token_type: 'bearer',
      expires_in: 600,
      scope: 'system/Bundle.c system/Task.rs',
    });
    const header = decodeProtectedHeader(res.body.access_token);
    expect(header).toMatchObject({ alg: 'EdDSA', kid: ctx.deps.keys.active.kid, typ: 'at+jwt' });
  });

  it('grants the intersection of requested and allowed scopes', async () => {
    const res = await post(
      tokenForm(await clientAssertion(TRUST, url, { now: NOW }), 'system/Bundle.c audit.read'),
    );
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('system/Bundle.c');
  });

  it.each([
    ['a scope the partner may not have', { scope: 'audit.read' }, 400, 'invalid_scope'],
    ['another grant type', { grant_type: 'authorization_code' }, 400, 'unsupported_grant_type'],
    ['no grant type', { grant_type: '' }, 400, 'invalid_request'],
    ['a wrong assertion type', { client_assertion_type: 'urn:x' }, 400, 'invalid_request'],
    ['no assertion', { client_assertion: '' }, 400, 'invalid_request'],
    ['no scope', { scope: '' }, 400, 'invalid_request'],
  ])('answers RFC 6749 errors: %s', async (_name, change, status, error) => {
    const form = { ...tokenForm(await clientAssertion(TRUST, url, { now: NOW })), ...change };
    const res = await post(form);
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
    expect(res.body.error_description).toEqual(expect.any(String));
  });

  it('answers invalid_request to a JSON body (the endpoint is form-encoded)', async () => {
    const res = await request(ctx.app).post('/oauth/token').send(tokenForm('x'));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });
});

describe('client assertion attacks are refused with 401 invalid_client, never 5xx', () => {
  const attacks: Array<[string, () => Promise<string>]> = [
    [
      'alg none',
      async () =>
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: TRUST, sub: TRUST, aud: url, exp: 9e9, jti: 'n' })}.`,
    ],
    [
      'HS256 signed with the public key as secret (key confusion)',
      async () => {
        const pub = createPublicKey({ key: samplePrivateJwk(TRUST) as never, format: 'jwk' });
        const secret = new TextEncoder().encode(pub.export({ type: 'spki', format: 'pem' }).toString());
        const now = Math.floor(NOW.getTime() / 1000);
        return new SignJWT({})
          .setProtectedHeader({ alg: 'HS256', kid: samplePrivateJwk(TRUST).kid ?? '' })
          .setIssuer(TRUST)
          .setSubject(TRUST)
          .setAudience(url)
          .setExpirationTime(now + 200)
          .setJti('hs')
          .sign(secret);
      },
    ],
    ['expired', () => clientAssertion(TRUST, url, { now: NOW, expIn: -120 })],
    ['not yet valid (nbf beyond skew)', () => clientAssertion(TRUST, url, { now: NOW, nbfOffset: 600 })],
    [
      'issued in the future (iat beyond skew)',
      () => clientAssertion(TRUST, url, { now: NOW, iatOffset: 600, expIn: 800 }),
    ],
    ['exp more than five minutes ahead', () => clientAssertion(TRUST, url, { now: NOW, expIn: 3600 })],
    [
      'wrong aud',
      () => clientAssertion(TRUST, url, { now: NOW, aud: 'https://elsewhere.example/oauth/token' }),
    ],
    ['iss != sub', () => clientAssertion(TRUST, url, { now: NOW, sub: 'riverside-trust' })],
    ['unknown kid', () => clientAssertion(TRUST, url, { now: NOW, kid: 'no-such-kid' })],
    ['unknown client', () => clientAssertion('nobody', url, { now: NOW, jwk: samplePrivateJwk(TRUST) })],
    [
      "another partner's key under its own kid",
      () => clientAssertion(TRUST, url, { now: NOW, jwk: samplePrivateJwk('riverside-trust') }),
    ],
    [
      "another partner's key under this partner's kid",
      () =>
        clientAssertion(TRUST, url, {
          now: NOW,
          jwk: samplePrivateJwk('riverside-trust'),
          kid: samplePrivateJwk(TRUST).kid ?? '',
        }),
    ],
    ['garbage', async () => 'not.a.jwt'],
    ['extra whitespace', async () => ` ${await clientAssertion(TRUST, url, { now: NOW })} `],
    ['oversized (> 8 KB)', () => clientAssertion(TRUST, url, { now: NOW, jti: 'x'.repeat(9000) })],
    [
      'tampered payload',
      async () => {
        const [h, , s] = (await clientAssertion(TRUST, url, { now: NOW })).split('.');
        return `${h}.${b64({ iss: TRUST, sub: TRUST, aud: url, exp: 9e9, jti: 'tampered' })}.${s}`;
      },
    ],
  ];

  it.each(attacks)('%s', async (_name, make) => {
    const res = await post(tokenForm(await make()));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.body).not.toHaveProperty('access_token');
    // RFC 6749 section 5.2: JSON, and no Bearer challenge (the client did not use Authorization).
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('a replayed jti is refused until the assertion expires', async () => {
    const assertion = await clientAssertion(TRUST, url, { now: NOW, jti: 'once-only' });
    expect((await post(tokenForm(assertion))).status).toBe(200);
    const replay = await post(tokenForm(assertion));
    expect(replay.status).toBe(401);
    expect(replay.body.error_description).toMatch(/already been used/);
    // The same jti from another partner is that partner's own and is accepted.
    const other = await clientAssertion('riverside-trust', url, { now: NOW, jti: 'once-only' });
    expect((await post(tokenForm(other))).status).toBe(200);
  });

  it('a replay after the assertion expired is refused as expired', async () => {
    const assertion = await clientAssertion(TRUST, url, { now: NOW, jti: 'later' });
    expect((await post(tokenForm(assertion))).status).toBe(200);
    (ctx.deps.clock as unknown as { advance(ms: number): void }).advance(10 * 60_000);
    const res = await post(tokenForm(assertion));
    expect(res.status).toBe(401);
    expect(res.body.error_description).toMatch(/expired/);
  });
});

describe('the client assertion audience (issue 21 item 3)', () => {
  it('accepts aud = the issuer identifier as well as the token endpoint URL (RFC 7523 section 3)', async () => {
    const issuer = ctx.deps.settings.publicUrl;
    const res = await post(tokenForm(await clientAssertion(TRUST, url, { now: NOW, aud: issuer })));
    expect(res.status).toBe(200);
    for (const aud of [`${issuer}/`, `${issuer}/fhir`, `${url}/`]) {
      const refused = await post(tokenForm(await clientAssertion(TRUST, url, { now: NOW, aud })));
      expect([aud, refused.status, refused.body.error]).toEqual([aud, 401, 'invalid_client']);
    }
  });
});

describe('discovery documents (issue 21 item 3)', () => {
  it('serves the same SMART configuration at the root and at the FHIR base', async () => {
    const root = await request(ctx.app).get('/.well-known/smart-configuration');
    const fhir = await request(ctx.app).get('/fhir/.well-known/smart-configuration');
    expect(fhir.status).toBe(200);
    expect(fhir.headers['content-type']).toMatch(/^application\/json/);
    expect(fhir.body).toEqual(root.body);
    expect(fhir.body).toMatchObject({
      issuer: ctx.deps.settings.publicUrl,
      capabilities: ['client-confidential-asymmetric'],
    });
  });

  it('serves RFC 8414 authorization server metadata for the issuer', async () => {
    const res = await request(ctx.app).get('/.well-known/oauth-authorization-server');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const issuer = ctx.deps.settings.publicUrl;
    expect(res.body).toEqual({
      issuer,
      token_endpoint: url,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      scopes_supported: expect.arrayContaining(['system/Bundle.c', 'referrals.read', 'audit.read']),
      response_types_supported: [],
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384', 'ES256', 'EdDSA'],
    });
    // RFC 8414 section 2: no authorization endpoint, as no grant uses one.
    expect(res.body).not.toHaveProperty('authorization_endpoint');
  });
});

describe('GET /.well-known/smart-configuration', () => {
  it('advertises the token endpoint, private_key_jwt, algorithms and scopes', async () => {
    const res = await request(ctx.app).get('/.well-known/smart-configuration');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      token_endpoint: url,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      grant_types_supported: ['client_credentials'],
    });
    expect(res.body.token_endpoint_auth_signing_alg_values_supported).toEqual(
      expect.arrayContaining(['RS384', 'ES384']),
    );
    expect(res.body.scopes_supported).toEqual(
      expect.arrayContaining([
        'system/Bundle.c',
        'system/Task.rs',
        'referrals.read',
        'referrals.write',
        'audit.read',
      ]),
    );
  });
});

describe('an assertion refused with invalid_scope still consumes its jti (issue 17 item 6)', () => {
  it('replaying it with an allowed scope is refused as a replay', async () => {
    const assertion = await clientAssertion(TRUST, url, { now: NOW, jti: 'scope-probe' });
    const refused = await post(tokenForm(assertion, 'audit.read'));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_scope');
    const replay = await post(tokenForm(assertion, 'system/Bundle.c'));
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('invalid_client');
    expect(replay.body.error_description).toMatch(/already been used/);
  });
});
