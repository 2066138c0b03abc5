/**
 * The whole channel through the real app (issues 6 and 8): a trust's message in through
 * $process-message, the decision, the referral, the worker, a real local webhook receiver that
 * verifies every signature; and a consent withdrawal between queueing and sending, after which
 * nothing is sent at all.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/verify.js';
import { openStore } from '../../src/store/index.js';
import { harness, newSecret, testKeys } from '../delivery/harness.js';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { tempDir, testApp } from '../helpers/test-app.js';
import { request as fixture, type JsonObject } from '../ingest/fixtures.js';
import { post } from './intake-helpers.js';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function setup() {
  const secret = newSecret();
  const keys = await testKeys();
  const receiver = await startReceiver({ secret, jwks: () => keys.jwks() });
  receivers.push(receiver);
  const store = await openStore(`sqlite:${join(tempDir('homeward-e2e-'), 'gateway.db')}`);
  const h = await harness({ keys, secret, store, webhook: { url: receiver.url } });
  const { app, deps } = await testApp({
    store,
    registry: h.registry,
    clock: h.clock,
    keys,
    audit: h.pipeline.audit,
  });
  return { h, app, deps, receiver };
}

/** The admission fixture as sent a moment ago (the harness clock runs at real time). */
function admission(): JsonObject {
  return { ...fixture('admission'), timestamp: new Date().toISOString() };
}

/** The same person later: their consent, now `inactive` (withdrawn), in a consent-updated message. */
function withdrawal(): JsonObject {
  const b = structuredClone(admission()) as {
    entry: Array<{ fullUrl?: string; resource: JsonObject }>;
  } & JsonObject;
  const header = b.entry[0]?.resource as JsonObject;
  header.id = 'a0d11551-0000-4000-8000-0000000000c1';
  header.eventCoding = {
    system: 'https://homeward.example/fhir/CodeSystem/homeward-housing-events',
    code: 'consent-updated',
  };
  header.reason = {
    coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/message-reason-bars', code: 'update' }],
  };
  const consent = b.entry.find((e) => e.resource.resourceType === 'Consent')?.resource as JsonObject;
  consent.status = 'inactive';
  consent.dateTime = new Date().toISOString();
  header.focus = [
    { reference: b.entry.find((e) => e.resource.resourceType === 'Consent')?.fullUrl as unknown as string },
  ];
  return b;
}

/** How the admission fixture's person could appear in clear. */
const PERSON = [
  '9990079196',
  '999 007 9196',
  'Robin',
  'Ashworth',
  'Byker Bank',
  'NE6 1AA',
  '07700 900123',
  'robin.ashworth',
];

describe('end to end', () => {
  it('a message in becomes one signed webhook out, with exactly one disclosed entry hashing those bytes', async () => {
    const { h, app, deps, receiver } = await setup();
    const res = await post(app, deps, admission(), { requestId: 'e2e-1' });
    expect(res.status).toBe(200);
    await h.worker().runOnce();
    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    expect(got).toMatchObject({ v1: true, v1a: true });
    const body = JSON.parse(got?.body ?? '{}');
    expect(body).toMatchObject({ type: 'referral.created', data: { datasetVersion: 'discharge-support/1' } });
    const disclosed = await h.audit('disclosed');
    expect(disclosed).toHaveLength(1);
    const delivery = await store(deps).selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
    expect(disclosed[0]).toMatchObject({
      recipient: 'homegroup-discharge',
      payload_sha256: delivery.payload_sha256,
      agreement_id: 'dsa-north-coast-homestead-discharge',
    });
    expect(got?.headers['webhook-id']).toBe(delivery.webhook_id);
    expect((await verifyChain(deps.store.db)).ok).toBe(true);
  });

  it('an update is disclosed under its own decision, naming the fields that message carried', async () => {
    const { h, app, deps, receiver } = await setup();
    await post(app, deps, admission());
    await h.worker().runOnce();
    const later = structuredClone(admission()) as { entry: Array<{ resource: JsonObject }> } & JsonObject;
    const header = later.entry[0]?.resource as JsonObject;
    header.id = 'a0d11551-0000-4000-8000-0000000000e2';
    header.eventCoding = {
      system: 'https://homeward.example/fhir/CodeSystem/homeward-housing-events',
      code: 'expected-discharge',
    };
    header.reason = {
      coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/message-reason-bars', code: 'update' }],
    };
    const encounter = later.entry.find((e) => e.resource.resourceType === 'Encounter')
      ?.resource as JsonObject;
    encounter.extension = [
      {
        url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Encounter.plannedEndDate',
        valueDateTime: '2026-12-01T12:00:00Z',
      },
    ];
    expect((await post(app, deps, later)).status).toBe(200);
    await h.worker().runOnce();
    expect(receiver.received.map((r) => JSON.parse(r.body).type)).toEqual([
      'referral.created',
      'referral.updated',
    ]);
    const [first, second] = await h.audit('disclosed');
    expect(JSON.parse(String(first?.fields))).not.toContain('expectedDischargeDate');
    expect(JSON.parse(String(second?.fields))).toContain('expectedDischargeDate');
    const decisions = await store(deps)
      .selectFrom('decisions')
      .select('consents')
      .orderBy('decided_at')
      .execute();
    expect(second?.consent_refs).toBe(decisions.at(-1)?.consents);
  });

  it('consent withdrawn between queueing and sending: nothing is ever sent, and the audit says why', async () => {
    const { h, app, deps, receiver } = await setup();
    expect((await post(app, deps, admission())).status).toBe(200);
    const res = await post(app, deps, withdrawal());
    expect(res.status).toBe(200);
    const tasks = (JSON.parse(res.text).entry as Array<{ resource: JsonObject }>).filter(
      (e) => e.resource.resourceType === 'Task',
    );
    expect(tasks.map((t) => t.resource.status)).toEqual(['cancelled']);
    await h.worker().runOnce();
    expect(receiver.received).toEqual([]);
    const deliveries = await store(deps).selectFrom('deliveries').select(['state', 'kind']).execute();
    expect(deliveries).toEqual([{ state: 'cancelled', kind: 'referral' }]);
    const actions = (await h.audit()).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['queued', 'consent-withdrawn', 'cancelled']));
    expect(actions).not.toContain('disclosed');
  });

  it('leaves no NHS number, name, address or phone in clear in the audit or the decisions (issue 5)', async () => {
    const { h, app, deps } = await setup();
    await post(app, deps, admission());
    await h.worker().runOnce();
    await post(app, deps, withdrawal());
    await h.worker().runOnce();
    const rows = [
      ...(await store(deps).selectFrom('audit').selectAll().execute()),
      ...(await store(deps).selectFrom('decisions').selectAll().execute()),
    ];
    expect(rows.length).toBeGreaterThan(6);
    const text = JSON.stringify(rows);
    for (const clear of PERSON) expect(text, clear).not.toContain(clear);
  });
});

const store = (deps: { store: Awaited<ReturnType<typeof openStore>> }) => deps.store.db;
