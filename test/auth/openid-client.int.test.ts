/**
 * Issue 21 item 3 acceptance: an unmodified third-party OAuth client, `openid-client` (v6, the
 * major that runs on Node 20), gets a token from a real listening gateway by discovery alone:
 * it is given the gateway's address, the partner id and its private key, nothing else. It reads
 * RFC 8414 metadata (or the SMART configuration at the FHIR base), signs a private_key_jwt
 * client assertion with `aud` = the issuer, and uses the client credentials grant. The gateway
 * runs on the system clock, as openid-client signs with the real time.
 */
import type { webcrypto } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importJWK } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { systemClock } from '../../src/clock.js';
import { parseSettings } from '../../src/config/settings.js';
import { samplePrivateJwk } from '../helpers/assertions.js';
import { tempDir, testDeps } from '../helpers/test-app.js';

const TRUST = 'north-coast-trust';
let server: Server;
let issuer: string;

beforeAll(async () => {
  // Listen first: PUBLIC_URL must be the address clients discover, so the port must be known.
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const settings = parseSettings({
    DATABASE_URL: 'sqlite::memory:',
    KEYS_DIR: tempDir('homeward-keys-'),
    PORT: '0',
    PUBLIC_URL: issuer,
  });
  const deps = await testDeps({ settings, clock: systemClock });
  server.on('request', createApp(deps));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function partnerKey(partnerId: string) {
  const jwk = samplePrivateJwk(partnerId);
  return { key: (await importJWK(jwk, jwk.alg)) as webcrypto.CryptoKey, kid: jwk.kid ?? '' };
}

/** What a partner's system does: discover, then ask for a token. Plain HTTP is allowed for 127.0.0.1 only here. */
async function discover(server: URL, partnerId: string, algorithm?: 'oauth2') {
  return client.discovery(server, partnerId, undefined, client.PrivateKeyJwt(await partnerKey(partnerId)), {
    execute: [client.allowInsecureRequests],
    ...(algorithm ? { algorithm } : {}),
  });
}

describe('openid-client, by discovery alone', () => {
  it('gets a token with RFC 8414 metadata (client credentials, private_key_jwt, aud = issuer)', async () => {
    const config = await discover(new URL(issuer), TRUST, 'oauth2');
    expect(config.serverMetadata()).toMatchObject({
      issuer,
      token_endpoint: `${issuer}/oauth/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
    });
    const tokens = await client.clientCredentialsGrant(config, { scope: 'system/Bundle.c system/Task.rs' });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('system/Bundle.c system/Task.rs');
    expect(tokens.expiresIn()).toBeGreaterThan(0);
    // The token works on the FHIR API.
    const res = await fetch(`${issuer}/fhir/Task?identifier=no-such-referral`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(res.status).toBe(200);
  });

  it('gets a token from the SMART configuration at the FHIR base the CapabilityStatement names', async () => {
    const metadata = (await (await fetch(`${issuer}/fhir/metadata`)).json()) as {
      implementation: { url: string };
    };
    const smart = new URL(`${metadata.implementation.url}/.well-known/smart-configuration`);
    const config = await discover(smart, TRUST);
    const tokens = await client.clientCredentialsGrant(config, { scope: 'system/Task.rs' });
    expect(tokens.scope).toBe('system/Task.rs');
  });

  it('reports the OAuth error and its description (no Bearer challenge hides it)', async () => {
    const config = await discover(new URL(issuer), TRUST, 'oauth2');
    const refused = await client.clientCredentialsGrant(config, { scope: 'audit.read' }).catch((e) => e);
    expect(refused).toBeInstanceOf(client.ResponseBodyError);
    expect(refused).toMatchObject({ error: 'invalid_scope', status: 400 });
    // Signed with another partner's key: invalid_client (401), still the OAuth error.
    const wrongKey = client.PrivateKeyJwt({ ...(await partnerKey('riverside-trust')), kid: undefined });
    const impostor = await client.discovery(new URL(issuer), TRUST, undefined, wrongKey, {
      execute: [client.allowInsecureRequests],
      algorithm: 'oauth2',
    });
    const invalid = await client
      .clientCredentialsGrant(impostor, { scope: 'system/Task.rs' })
      .catch((e) => e);
    expect(invalid).toBeInstanceOf(client.ResponseBodyError);
    expect(invalid).toMatchObject({ error: 'invalid_client', status: 401 });
    expect(invalid.error_description).toEqual(expect.any(String));
  });
});
