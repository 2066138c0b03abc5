/**
 * Issue 21 item 4: every webhook body the gateway sends is JSON that any Standard Webhooks
 * implementation verifies. The real pipeline, provider API and delivery worker send each kind of
 * body (a referral and its update in `format: dataset` and `format: fhir`, encrypted to the
 * provider's key or not; the ward's question to the provider; a cancellation notice; the status
 * pushes and the provider's message to the trust's status webhook) to real local HTTP receivers,
 * and every body is verified with BOTH the official `standardwebhooks` package and `svix`
 * (1.82, the last release with its own verification code rather than a wrapper of
 * `standardwebhooks`), each of which JSON-parses the body it verifies. An encrypted body is the
 * envelope `{ type, timestamp, data: { jwe } }`: nothing personal in clear, and its JWE decrypts to
 * exactly the body an unencrypted recipient gets. Every body also matches its description under
 * openapi.yaml `webhooks:` (so the docs cannot drift).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { type CryptoKey, compactDecrypt, exportJWK, generateKeyPair } from 'jose';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { Webhook as SvixWebhook } from 'svix';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Partner } from '../../src/config/registry-types.js';
import { harness, newSecret, SECRET_ENV, stay, testKeys, withPartner } from '../delivery/harness.js';
import { type Received, type Receiver, startReceiver } from '../delivery/receiver.js';
import { testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** What of the synthetic patient must never be readable in an encrypted envelope. */
const PERSONAL = ['9434765919', 'Synthetic-Fenwick', 'Lindisfarne Ward'];
const QUESTION = 'Can the flat take a wheelchair? (synthetic)';
const REPLY = 'Yes, it is step-free. (synthetic)';

/** Both libraries, exactly as a recipient calls them: raw body string and the request headers. */
function verifyWithBoth(secret: string, r: Received): { standardwebhooks: unknown; svix: unknown } {
  return {
    standardwebhooks: new Webhook(secret).verify(r.body, r.headers),
    svix: new SvixWebhook(secret).verify(r.body, r.headers),
  };
}

/** The request body schema of `webhooks.<name>` in openapi.yaml for `mediaType`, compiled. */
const openapi = parse(readFileSync('openapi.yaml', 'utf8')) as Record<string, unknown>;
const ajv = new Ajv2020({ strict: false, allErrors: true });
// ajv-formats is CommonJS; under NodeNext its default import is the module object.
addFormats.default(ajv, ['date', 'date-time', 'email']);
const DOC = 'https://homeward.test/openapi.yaml';
ajv.addSchema({ $id: DOC, components: openapi.components, webhooks: openapi.webhooks });
function documented(webhook: string, mediaType: string) {
  const pointer = `#/webhooks/${webhook}/post/requestBody/content/${mediaType.replace('/', '~1')}/schema`;
  const validate = ajv.getSchema(`${DOC}${pointer}`);
  if (!validate) throw new Error(`openapi.yaml has no ${pointer}`);
  return (body: unknown) => (validate(body) ? [] : (validate.errors ?? []));
}

const CASES = [
  { format: 'dataset', encrypted: false },
  { format: 'dataset', encrypted: true },
  { format: 'fhir', encrypted: false },
  { format: 'fhir', encrypted: true },
] as const;

describe.each(
  CASES,
)('webhook bodies verify with standardwebhooks and svix (format $format, encrypted $encrypted)', ({
  format,
  encrypted,
}) => {
  it('every body sent to the provider and to the trust: referral, update, message, cancellation, status pushes', async () => {
    const secret = newSecret();
    const keys = await testKeys();
    const pair = encrypted
      ? await generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true })
      : undefined;
    const provider = await startReceiver({ secret, jwks: () => keys.jwks() });
    const ward = await startReceiver({ secret });
    receivers.push(provider, ward);
    const encryptionJwk = pair ? { ...(await exportJWK(pair.publicKey)), kid: 'hg-enc-1' } : undefined;
    const h = await harness({
      keys,
      secret,
      webhook: { url: provider.url, format, ...(encryptionJwk ? { encryptionJwk } : {}) },
      registry: (r) =>
        withPartner(r, {
          ...(r.partner('north-coast-trust') as Partner),
          statusWebhook: { url: ward.url, secretRef: `env:${SECRET_ENV}` },
        }),
    });
    const { app, deps } = await testApp({
      store: h.store,
      registry: h.registry,
      clock: h.clock,
      keys,
      audit: h.pipeline.audit,
    });
    const homegroup = { authorization: await bearer(deps, 'homegroup-discharge') };
    const trust = { authorization: await bearer(deps, 'north-coast-trust') };
    const send = async () => {
      await h.worker().runOnce();
    };

    const [made] = await h.refer(stay('SW-1'));
    const id = made?.referralId ?? '';
    await send();
    h.clock.advance(1000);
    await h.refer({ ...stay('SW-1'), event: 'expected-discharge', reason: 'update' });
    await send();
    await request(app)
      .post(`/referrals/${id}/status`)
      .set(homegroup)
      .send({ status: 'accepted' })
      .expect(200);
    await send();
    await request(app)
      .post('/fhir/Communication')
      .set(trust)
      .send({
        resourceType: 'Communication',
        status: 'completed',
        basedOn: [{ reference: `Task/${id}` }],
        payload: [{ contentString: QUESTION }],
        sender: { display: 'Sam Ward (discharge coordinator)' },
      })
      .expect(201);
    await send();
    await request(app)
      .post(`/referrals/${id}/messages`)
      .set(homegroup)
      .send({ text: REPLY, author: { name: 'Jo Example' } })
      .expect(201);
    await send();
    h.clock.advance(1000);
    await h.refer({ ...stay('SW-1'), event: 'referral-cancel', reason: 'delete' });
    await send();

    expect(provider.received).toHaveLength(4);
    expect(ward.received).toHaveLength(2);
    for (const r of [...provider.received, ...ward.received]) {
      // Both libraries accept the body (neither throws) and hand back the JSON it is.
      const verified = verifyWithBoth(secret, r);
      expect(verified.standardwebhooks).toEqual(JSON.parse(r.body));
      expect(verified.svix).toEqual(JSON.parse(r.body));
      expect(r.headers['content-type']).toMatch(/^application\/(fhir\+)?json/);
    }
    for (const r of provider.received) expect(r.v1a).toBe(true);

    // Each body is as openapi.yaml `webhooks:` describes it.
    const contentType = (r: Received) => (r.headers['content-type'] ?? '').split(';')[0] as string;
    for (const r of provider.received) {
      const body = JSON.parse(r.body);
      const webhook =
        contentType(r) === 'application/fhir+json' ||
        (format === 'fhir' && /created|updated/.test(body.type ?? ''))
          ? 'referralFhir'
          : body.type === 'referral.message'
            ? 'message'
            : 'referral';
      expect(documented(webhook, contentType(r))(body), `${webhook} ${r.body.slice(0, 80)}`).toEqual([]);
    }
    for (const r of ward.received)
      expect(documented('status', contentType(r))(JSON.parse(r.body))).toEqual([]);

    const typeOf = (r: Received) => {
      const body = JSON.parse(r.body) as { type?: string; resourceType?: string };
      return body.resourceType ?? body.type;
    };
    const fhirPlain = format === 'fhir' && !encrypted;
    expect(provider.received.map(typeOf)).toEqual([
      fhirPlain ? 'Bundle' : 'referral.created',
      fhirPlain ? 'Bundle' : 'referral.updated',
      'referral.message',
      'referral.cancelled',
    ]);
    // The trust's status webhook: the Task after the acceptance, then the provider's reply.
    expect(ward.received.map(typeOf)).toEqual(['referral.status', 'referral.message']);
    expect(JSON.parse(ward.received[0]?.body ?? '{}').data).toMatchObject({ resourceType: 'Task', id });
    expect(JSON.parse(ward.received[1]?.body ?? '{}').data).toMatchObject({ resourceType: 'Communication' });

    if (!encrypted) return;
    for (const r of provider.received) {
      const body = JSON.parse(r.body);
      // The envelope: type and time in clear, the rest in the JWE; no personal data readable.
      expect(Object.keys(body).sort()).toEqual(['data', 'timestamp', 'type']);
      expect(Object.keys(body.data)).toEqual(['jwe']);
      expect(r.headers['content-type']).toBe('application/json');
      for (const p of [...PERSONAL, QUESTION]) expect(r.body).not.toContain(p);
      const { plaintext, protectedHeader } = await compactDecrypt(
        body.data.jwe,
        pair?.privateKey as CryptoKey,
      );
      const text = new TextDecoder().decode(plaintext);
      // The same bytes an unencrypted recipient gets: the personal data is there, inside.
      if (body.type === 'referral.created') expect(text).toContain('9434765919');
      const inner = JSON.parse(text);
      const fhirInner = format === 'fhir' && ['referral.created', 'referral.updated'].includes(body.type);
      expect(protectedHeader).toMatchObject({
        alg: 'ECDH-ES',
        enc: 'A256GCM',
        kid: 'hg-enc-1',
        cty: fhirInner ? 'application/fhir+json' : 'application/json',
      });
      if (fhirInner) expect(inner).toMatchObject({ resourceType: 'Bundle', type: 'message' });
      else
        expect(inner).toMatchObject({ type: body.type, timestamp: body.timestamp, data: { referralId: id } });
    }
  });
});
