/**
 * A demo-like day of traffic through the real app (issue 10 acceptance): an admission referred to
 * Homestead by webhook, a message withheld for want of consent, a Duty to Refer request to
 * Wearmouth read from the pull inbox, tokens issued and refused. Shared by the metrics and
 * retention tests.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importJWK, SignJWT } from 'jose';
import request from 'supertest';
import { fixedClock } from '../../src/clock.js';
import { loadRegistry } from '../../src/config/registry.js';
import { parseSettings } from '../../src/config/settings.js';
import { type Deps, deliveryWorkerFor } from '../../src/deps.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { openStore, type Store } from '../../src/store/index.js';
import { newSecret, SECRET_ENV, webhookRecipient, withPartner } from '../delivery/harness.js';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { TEST_NOW, tempDir, testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';
import { request as fixture } from '../ingest/fixtures.js';
import { post, uuidSequence } from '../integration/intake-helpers.js';

/** The referral-request example sent by North Coast to Wearmouth (a pull-inbox authority). */
export function dutyToReferWearmouth(): Record<string, unknown> {
  const text = JSON.stringify(fixture('referral-request'))
    .replaceAll('R9R2V', 'R9N1C')
    .replaceAll('Riverside Hospitals NHS Trust (synthetic)', 'North Coast NHS Foundation Trust (synthetic)')
    .replaceAll('LTB01', 'LWM02')
    .replaceAll('"e0f2e001-0000-4000-8000-000000000001"', `"${randomUUID()}"`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** A client assertion for `partnerId` signed with its synthetic key, valid at `now`. */
export async function clientAssertion(partnerId: string, audience: string, now: Date): Promise<string> {
  const jwk = JSON.parse(readFileSync(`examples/keys/${partnerId}.private.jwk.json`, 'utf8'));
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT' })
    .setIssuer(partnerId)
    .setSubject(partnerId)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 240)
    .setJti(randomUUID())
    .sign(await importJWK(jwk, jwk.alg));
}

export interface Traffic {
  deps: Awaited<ReturnType<typeof testApp>>['deps'];
  app: Awaited<ReturnType<typeof testApp>>['app'];
  clock: ReturnType<typeof fixedClock>;
  receiver: Receiver;
  /** Referral ids: Homestead's (webhook) and Wearmouth's (pull). */
  homestead: string;
  wearmouth: string;
}

/** `processMetrics`: the metrics exactly as the gateway builds them (Node.js process metrics too). */
export async function trafficApp(o: { store?: Store; processMetrics?: boolean } = {}) {
  const receiver = await startReceiver();
  const base = loadRegistry('consent');
  const clock = fixedClock(TEST_NOW);
  const settings = parseSettings({
    DATABASE_URL: 'sqlite::memory:',
    KEYS_DIR: tempDir('homeward-keys-'),
    PUBLIC_URL: 'https://homeward.example',
    ALLOW_INSECURE_LOCAL_WEBHOOKS: 'true',
  });
  const registry = withPartner(base, webhookRecipient(base, receiver.url));
  const store = o.store ?? (o.processMetrics ? await openStore('sqlite::memory:') : undefined);
  const { app, deps } = await testApp({
    settings,
    registry,
    clock,
    ids: uuidSequence(),
    ...(store ? { store } : {}),
    ...(store && o.processMetrics
      ? { metrics: createMetrics({ processMetrics: true, state: { store, registry, clock } }) }
      : {}),
  });
  return { app, deps, clock, receiver };
}

/** Run the day: returns the referral ids made. */
export async function runTraffic(t: Awaited<ReturnType<typeof trafficApp>>): Promise<Traffic> {
  const { app, deps, clock } = t;
  const tasks = async (res: { text: string }) =>
    (JSON.parse(res.text).entry as Array<{ resource: { resourceType: string; id: string } }>)
      .map((e) => e.resource)
      .filter((r) => r.resourceType === 'Task');
  const [homestead] = await tasks(await post(app, deps, fixture('admission')));
  await post(app, deps, fixture('housing-need-identified'));
  const [wearmouth] = await tasks(await post(app, deps, dutyToReferWearmouth()));
  // Tokens: one issued (a real assertion), one refused (garbage).
  const tokenUrl = `${deps.settings.publicUrl}/oauth/token`;
  const form = (assertion: string) => ({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    scope: 'referrals.read',
  });
  await request(app)
    .post('/oauth/token')
    .type('form')
    .send(form(await clientAssertion('wearmouth-council', tokenUrl, clock.now())))
    .expect(200);
  await request(app).post('/oauth/token').type('form').send(form('a.b.c')).expect(401);
  // The trust follows its Task (a URL with an id: the metric must show the template).
  await request(app)
    .get(`/fhir/Task/${homestead?.id}`)
    .set('authorization', await bearer(deps, 'north-coast-trust'))
    .expect(200);
  return { ...t, homestead: homestead?.id ?? '', wearmouth: wearmouth?.id ?? '' };
}

/** Deliver: the worker sends Homestead's webhook; Wearmouth reads its inbox. */
export async function deliver(t: Traffic, deps: Deps = t.deps): Promise<void> {
  await deliveryWorkerFor(deps, { [SECRET_ENV]: newSecret() }).runOnce();
  await request(t.app)
    .get(`/referrals/${t.wearmouth}`)
    .set('authorization', await bearer(deps, 'wearmouth-council'))
    .expect(200);
}
