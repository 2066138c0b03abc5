import { randomBytes } from 'node:crypto';
import { compactDecrypt, exportJWK, generateKeyPair } from 'jose';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { loadKeyRing } from '../../src/auth/keys.js';
import { isWebhookSecret, signWebhook } from '../../src/delivery/webhook-signature.js';
import { encryptFor } from '../../src/outbox/encryption.js';
import { tempDir } from '../helpers/test-app.js';
import { verifyV1a } from '../helpers/webhook-receiver.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const body = JSON.stringify({ referralId: 'r-1', name: { text: 'Synthetic Person' } });

describe('Standard Webhooks signatures', () => {
  it('v1 verifies with the official standardwebhooks package', async () => {
    const headers = await signWebhook({
      id: 'msg_1',
      at: new Date(),
      body,
      schemes: ['v1'],
      hmacSecret: secret,
    });
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('v1 fails verification when the body was changed', async () => {
    const headers = await signWebhook({
      id: 'msg_1',
      at: new Date(),
      body,
      schemes: ['v1'],
      hmacSecret: secret,
    });
    expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow();
  });

  it('v1a verifies with the gateway JWKS, alongside v1 in one header', async () => {
    const keys = await loadKeyRing(tempDir(), { generateIfMissing: true });
    const headers = await signWebhook({
      id: 'msg_2',
      at: new Date(),
      body,
      schemes: ['v1', 'v1a'],
      hmacSecret: secret,
      ed25519: keys.active,
    });
    expect(headers['webhook-signature'].split(' ').map((s) => s.split(',')[0])).toEqual(['v1', 'v1a']);
    expect(headers['webhook-key-id']).toBe(keys.active.kid);
    expect(await verifyV1a(keys.jwks(), headers, body)).toBe(true);
    expect(await verifyV1a(keys.jwks(), headers, `${body}x`)).toBe(false);
    // Another key set (another gateway) does not verify it.
    const other = await loadKeyRing(tempDir(), { generateIfMissing: true });
    expect(await verifyV1a(other.jwks(), headers, body)).toBe(false);
  });

  it('refuses to sign v1 without a secret', async () => {
    await expect(signWebhook({ id: 'x', at: new Date(), body, schemes: ['v1'] })).rejects.toThrow(/secret/);
  });

  it('recognises well-formed webhook secrets', () => {
    expect(isWebhookSecret(secret)).toBe(true);
    expect(isWebhookSecret('whsec_c2hvcnQ=')).toBe(false);
    expect(isWebhookSecret('plain-password')).toBe(false);
  });
});

describe('JWE payload encryption', () => {
  it('encrypts with ECDH-ES + A256GCM so that only the recipient key decrypts', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
    const jwe = await encryptFor(
      { ...(await exportJWK(publicKey)), kid: 'recipient-1' },
      body,
      'application/json',
    );
    expect(jwe.split('.')).toHaveLength(5);
    const { plaintext, protectedHeader } = await compactDecrypt(jwe, privateKey);
    expect(new TextDecoder().decode(plaintext)).toBe(body);
    expect(protectedHeader).toMatchObject({
      alg: 'ECDH-ES',
      enc: 'A256GCM',
      cty: 'application/json',
      kid: 'recipient-1',
    });
    const stranger = await generateKeyPair('ECDH-ES', { crv: 'P-256' });
    await expect(compactDecrypt(jwe, stranger.privateKey)).rejects.toThrow();
  });
});
