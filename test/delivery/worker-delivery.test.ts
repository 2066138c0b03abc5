import { createHash, createHmac } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_SUBJECT_KEY } from '../helpers/test-app.js';
import { harness, newSecret, stay, testKeys } from './harness.js';
import { type Receiver, type Reply, startReceiver } from './receiver.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const subjectHmac = createHmac('sha256', TEST_SUBJECT_KEY).update('9434765919').digest('hex');

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function setup(reply?: (n: number) => Reply, encrypt = false) {
  const keys = await testKeys();
  const secret = newSecret();
  const pair = encrypt ? await generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true }) : undefined;
  receiver = await startReceiver({
    secret,
    jwks: () => keys.jwks(),
    ...(pair ? { decryptKey: pair.privateKey } : {}),
    ...(reply ? { reply } : {}),
  });
  const encryptionJwk = pair ? { ...(await exportJWK(pair.publicKey)), kid: 'hha-enc-1' } : undefined;
  const h = await harness({
    keys,
    secret,
    webhook: { url: receiver.url, ...(encryptionJwk ? { encryptionJwk } : {}) },
  });
  return { h, receiver };
}

describe('webhook delivery worker', () => {
  it('delivers a referral signed v1 and v1a, and audits one disclosure of exactly the bytes sent', async () => {
    const { h, receiver: rx } = await setup();
    const [made] = await h.refer();
    expect(await h.worker().runOnce()).toBe(1);
    const got = rx.received[0];
    expect(rx.received).toHaveLength(1);
    // v1 checked with the official standardwebhooks package, v1a with webcrypto and the JWKS.
    expect([got?.v1, got?.v1a]).toEqual([true, true]);
    const delivery = await h.store.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
    expect(got?.headers).toMatchObject({
      'webhook-id': delivery.webhook_id,
      'content-type': 'application/json',
      'x-request-id': expect.any(String),
      'webhook-key-id': h.keys.active.kid,
    });
    expect(delivery).toMatchObject({ state: 'delivered', attempts: 1, delivered_at: expect.any(String) });
    expect(sha256(got?.body ?? '')).toBe(delivery.payload_sha256);
    const referral = await h.store.db.selectFrom('referrals').selectAll().executeTakeFirstOrThrow();
    expect(referral.status).toBe('delivered');
    const [disclosed, ...more] = await h.audit('disclosed');
    expect(more).toEqual([]);
    const agreement = h.registry.versions('dsa-north-coast-homestead-discharge')[0];
    expect(disclosed).toMatchObject({
      actor: 'north-coast-trust',
      recipient: 'homegroup-discharge',
      referral_id: made?.referralId,
      agreement_id: 'dsa-north-coast-homestead-discharge',
      agreement_version: String(agreement?.version),
      agreement_sha256: agreement?.sha256,
      lawful_basis: expect.stringContaining('6(1)(e)'),
      purpose: 'hospital-discharge-housing-support',
      payload_sha256: delivery.payload_sha256,
      subject_hmac: subjectHmac,
      request_id: got?.headers['x-request-id'],
    });
    expect(JSON.parse(String(disclosed?.fields))).toEqual(JSON.parse(referral.dataset_fields));
    expect(JSON.parse(String(disclosed?.consent_refs))).toEqual([{ reference: 'Consent/cons1' }]);
    expect(JSON.parse(disclosed?.detail ?? '{}')).toMatchObject({
      attempt: 1,
      httpStatus: 200,
      channel: 'webhook',
    });
    expect(JSON.stringify(await h.audit())).not.toContain('9434765919');
  });

  it('encrypts to the recipient key inside the JSON envelope: the receiver decrypts data.jwe, the hash covers the bytes sent', async () => {
    const { h, receiver: rx } = await setup(undefined, true);
    await h.refer();
    await h.worker().runOnce();
    const got = rx.received[0];
    // JSON, so Standard Webhooks libraries verify it (issue 21 item 4); only type and time in clear.
    expect(got?.headers['content-type']).toBe('application/json');
    expect([got?.v1, got?.svix, got?.v1a]).toEqual([true, true, true]);
    const envelope = JSON.parse(got?.body ?? '{}');
    expect(envelope).toEqual({
      type: 'referral.created',
      timestamp: expect.any(String),
      data: { jwe: expect.stringMatching(/^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/) },
    });
    expect(got?.jweHeader).toMatchObject({
      alg: 'ECDH-ES',
      enc: 'A256GCM',
      cty: 'application/json',
      kid: 'hha-enc-1',
    });
    const plaintext = JSON.parse(got?.plaintext ?? '{}');
    expect(plaintext).toMatchObject({
      type: 'referral.created',
      timestamp: envelope.timestamp,
      data: { dataset: expect.any(Object) },
    });
    const [disclosed] = await h.audit('disclosed');
    expect(disclosed?.payload_sha256).toBe(sha256(got?.body ?? ''));
  });

  it('a receiver failing twice then succeeding: one disclosure, two attempts audited, one webhook-id', async () => {
    const { h, receiver: rx } = await setup((n) => ({ status: n <= 2 ? 503 : 204 }));
    await h.refer();
    const worker = h.worker();
    for (let i = 0; i < 3; i++) await worker.runOnce();
    expect(rx.received).toHaveLength(3);
    expect(new Set(rx.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(await h.audit('disclosed')).toHaveLength(1);
    const attempts = await h.audit('delivery-attempted');
    expect(attempts.map((a) => JSON.parse(a.detail ?? '{}'))).toEqual([
      expect.objectContaining({ attempt: 1, httpStatus: 503, error: 'HTTP 503' }),
      expect.objectContaining({ attempt: 2, httpStatus: 503 }),
    ]);
    expect(JSON.stringify(attempts)).not.toContain('"ok"');
  });

  it('sends the messages of one referral in order: an update waits for the referral', async () => {
    const { h, receiver: rx } = await setup((n) => ({ status: n === 1 ? 500 : 200 }));
    await h.refer(stay('ENC-9'));
    h.clock.advance(1000);
    await h.refer({ ...stay('ENC-9'), event: 'expected-discharge', reason: 'update' });
    const worker = h.worker();
    await worker.runOnce();
    expect(rx.received).toHaveLength(1);
    await worker.runOnce();
    await worker.runOnce();
    expect(rx.received.map((r) => JSON.parse(r.body).type)).toEqual([
      'referral.created',
      'referral.created',
      'referral.updated',
    ]);
  });
});
