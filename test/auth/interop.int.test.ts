import { createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import nock from 'nock';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { partnerKeyResolver } from '../../src/auth/partner-keys.js';
import { tokenUrl } from '../../src/auth/token.js';
import { clientAssertion, samplePrivateJwk, tokenForm } from '../helpers/assertions.js';
import { registryWith, testPartner } from '../helpers/registry.js';
import { TEST_NOW, testDeps } from '../helpers/test-app.js';

const NOW = new Date(TEST_NOW);
const nowSeconds = Math.floor(NOW.getTime() / 1000);

/** Sign a client assertion with jsonwebtoken (not jose), as an independent client library would. */
function jsonwebtokenAssertion(
  partnerId: string,
  url: string,
  pem: string,
  alg: jsonwebtoken.Algorithm,
  kid: string,
) {
  return jsonwebtoken.sign(
    { iss: partnerId, sub: partnerId, aud: url, jti: randomUUID(), iat: nowSeconds, exp: nowSeconds + 240 },
    pem,
    { algorithm: alg, keyid: kid },
  );
}

function pemOf(jwk: JWK): string {
  return createPrivateKey({ key: jwk as never, format: 'jwk' })
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();
}

describe('interoperability with an independent JOSE implementation (jsonwebtoken)', () => {
  it('accepts an ES256 assertion signed by jsonwebtoken with a sample partner key', async () => {
    const deps = await testDeps();
    const url = tokenUrl(deps.settings.publicUrl);
    const jwk = samplePrivateJwk('north-coast-trust');
    const assertion = jsonwebtokenAssertion('north-coast-trust', url, pemOf(jwk), 'ES256', jwk.kid ?? '');
    const res = await request(createApp(deps)).post('/oauth/token').type('form').send(tokenForm(assertion));
    expect(res.status).toBe(200);
    expect(res.body.access_token).toEqual(expect.any(String));
  });

  it.each([
    ['RS384', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['ES384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' })],
  ] as const)('accepts the SMART-required %s from a partner registered with that key', async (alg, make) => {
    const { publicKey, privateKey } = make();
    const pub = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid: `${alg}-key`, alg };
    const base = await testDeps();
    const registry = registryWith(base.registry, [testPartner('interop-trust', { jwks: { keys: [pub] } })]);
    const deps = { ...base, registry };
    const url = tokenUrl(deps.settings.publicUrl);
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const res = await request(createApp(deps))
      .post('/oauth/token')
      .type('form')
      .send(
        tokenForm(jsonwebtokenAssertion('interop-trust', url, pem, alg, `${alg}-key`), 'system/Bundle.c'),
      );
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('system/Bundle.c');
  });
});

describe('partner keys published at a jwksUri', () => {
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    nock.enableNetConnect();
    expect(pending).toEqual([]);
  });

  it('fetches the key set, caches it, and refetches on an unknown kid after a key rotation', async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    const first = await generateKeyPair('ES256', { extractable: true });
    const second = await generateKeyPair('ES256', { extractable: true });
    const jwk1 = { ...(await exportJWK(first.privateKey)), kid: 'k1', alg: 'ES256' };
    const jwk2 = { ...(await exportJWK(second.privateKey)), kid: 'k2', alg: 'ES256' };
    const pub = (j: JWK) => ({ kty: j.kty, crv: j.crv, x: j.x, y: j.y, kid: j.kid, alg: j.alg });
    const keysHost = nock('https://keys.remote-trust.example', { reqheaders: { accept: /json/ } });
    keysHost
      .get('/jwks.json')
      .once()
      .reply(200, { keys: [pub(jwk1)] });
    keysHost
      .get('/jwks.json')
      .once()
      .reply(200, { keys: [pub(jwk1), pub(jwk2)] });

    const base = await testDeps();
    const registry = registryWith(base.registry, [
      testPartner('remote-trust', { jwksUri: 'https://keys.remote-trust.example/jwks.json' }),
    ]);
    const deps = { ...base, registry, partnerKeys: partnerKeyResolver({ cooldownMs: 0 }) };
    const app = createApp(deps);
    const url = tokenUrl(deps.settings.publicUrl);
    const send = async (jwk: JWK) =>
      request(app)
        .post('/oauth/token')
        .type('form')
        .send(tokenForm(await clientAssertion('remote-trust', url, { now: NOW, jwk }), 'system/Bundle.c'));

    expect((await send(jwk1)).status).toBe(200);
    expect((await send(jwk1)).status).toBe(200); // served from cache: no second fetch yet
    expect((await send(jwk2)).status).toBe(200); // unknown kid: refetched
  });
});
