/**
 * Issue 19 item 2, end to end through the real app: admission, then expected discharge, then
 * discharge with destination, each through `$process-message`; the provider's webhook receiver
 * (a real local HTTP server checking every signature) gets one message per event, each naming
 * the event that caused it and the fields changed since the previous one, and the discharge
 * carries the discharge fields. When the agreement allows none of them, the discharge still
 * says `discharge`, and which fields were kept back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Registry } from '../../src/config/registry-types.js';
import { openStore } from '../../src/store/index.js';
import { harness, newSecret, testKeys } from '../delivery/harness.js';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { r4Errors } from '../fhir/r4-validator.js';
import { tempDir, testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';
import type { JsonObject } from '../ingest/fixtures.js';
import { post } from './intake-helpers.js';
import {
  admission,
  type Bundle,
  DISCHARGE_FIELDS,
  discharge,
  expectedDischarge,
  HOMEWARD,
  UKCORE,
} from './stay-messages.js';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function setup(registry?: (r: Registry) => Registry) {
  const secret = newSecret();
  const keys = await testKeys();
  const receiver = await startReceiver({ secret, jwks: () => keys.jwks() });
  receivers.push(receiver);
  const store = await openStore(`sqlite:${join(tempDir('homeward-discharge-'), 'gateway.db')}`);
  const h = await harness({
    keys,
    secret,
    store,
    webhook: { url: receiver.url },
    ...(registry ? { registry } : {}),
  });
  const { app, deps } = await testApp({
    store,
    registry: h.registry,
    clock: h.clock,
    keys,
    audit: h.pipeline.audit,
  });
  return { h, app, deps, receiver };
}

/** openapi.yaml's ReferralMessage, which every webhook body must match (the docs cannot drift). */
const openapi = parse(readFileSync('openapi.yaml', 'utf8')) as {
  components: { schemas: Record<string, object> };
};
const asDocumented = new Ajv2020({ strict: false }).compile(
  openapi.components.schemas.ReferralMessage as object,
);

async function run(ctx: Awaited<ReturnType<typeof setup>>, ...messages: Bundle[]) {
  for (const body of messages) {
    expect((await post(ctx.app, ctx.deps, body)).status).toBe(200);
    await ctx.h.worker().runOnce();
  }
  expect(ctx.receiver.received.every((r) => r.v1a)).toBe(true);
  const bodies = ctx.receiver.received.map((r) => JSON.parse(r.body) as { type: string; data: JsonObject });
  for (const b of bodies) expect(asDocumented(b), JSON.stringify(asDocumented.errors)).toBe(true);
  return bodies;
}

describe('discharge data end to end', () => {
  it('admission, expected discharge, discharge: each update names its cause and changed fields; the discharge carries the discharge fields', async () => {
    const ctx = await setup();
    const got = await run(ctx, admission(), expectedDischarge(), discharge());
    expect(got.map((m) => m.type)).toEqual(['referral.created', 'referral.updated', 'referral.updated']);
    expect(got.map((m) => (m.data.cause as { event: string }).event)).toEqual([
      'admission',
      'expected-discharge',
      'discharge',
    ]);
    const [first, second, third] = got.map(
      (m) => m.data as { changes: JsonObject; dataset: JsonObject; version: number },
    );
    expect(first?.changes).toMatchObject({ sinceVersion: null });
    expect(first?.changes.fields).toEqual(
      expect.arrayContaining(['name', 'ward', 'admissionDate', 'wardSpecialty']),
    );
    expect(second?.changes).toEqual({
      sinceVersion: 1,
      fields: ['expectedDischargeDate', 'dischargeReadyDate', 'housingDelayReasons'],
    });
    // The delay is over once the person has left: the trust no longer sends it, so it changed too.
    expect(third?.changes).toEqual({
      sinceVersion: 2,
      fields: ['dischargeDateTime', 'dischargeDestination', 'housingDelayReasons', 'dischargeMethod'],
    });
    expect(third?.dataset).toMatchObject({
      dischargeDateTime: '2026-12-01T11:00:00Z',
      dischargeDestination: { system: `${UKCORE}/CodeSystem/UKCore-DischargeDestinationEngland`, code: '19' },
      dischargeMethod: { code: '1' },
      dischargeReadyDate: '2026-11-27',
      wardSpecialty: 'mental-health',
    });
    const disclosed = await ctx.h.audit('disclosed');
    expect(disclosed).toHaveLength(3);
    expect(JSON.parse(String(disclosed[2]?.fields))).toEqual(expect.arrayContaining(DISCHARGE_FIELDS));
    const queued = await ctx.h.audit('queued');
    expect(queued.map((q) => JSON.parse(String(q.detail)).cause)).toEqual([
      'admission',
      'expected-discharge',
      'discharge',
    ]);
    expect(JSON.parse(String(queued[2]?.detail)).changed).toEqual(third?.changes.fields);
  });

  it('an agreement allowing none of the discharge fields: the discharge still says discharge, and which fields it kept back', async () => {
    const ctx = await setup((r) => {
      const agreements = r.agreements.map((a) =>
        a.recipient === 'homegroup-discharge'
          ? { ...a, fields: a.fields.filter((f) => !DISCHARGE_FIELDS.includes(f)) }
          : a,
      );
      return { ...r, agreements, versions: (id) => agreements.filter((a) => a.id === id) };
    });
    const got = await run(ctx, admission(), discharge());
    expect(got.map((m) => m.type)).toEqual(['referral.created', 'referral.updated']);
    const last = got[1]?.data as { cause: JsonObject; changes: JsonObject; dataset: JsonObject };
    expect(last.cause).toMatchObject({ event: 'discharge' });
    expect(last.changes).toEqual({
      sinceVersion: 1,
      fields: ['expectedDischargeDate', 'dischargeReadyDate'],
      notDisclosed: DISCHARGE_FIELDS,
    });
    for (const f of DISCHARGE_FIELDS) expect(last.dataset).not.toHaveProperty(f);
    const disclosed = await ctx.h.audit('disclosed');
    const named = JSON.parse(String(disclosed[1]?.fields)) as string[];
    for (const f of DISCHARGE_FIELDS) expect(named).not.toContain(f);
  });

  it('the dry run says what a discharge would change for the provider, against the stay it would update', async () => {
    const ctx = await setup();
    await run(ctx, admission());
    const res = await request(ctx.app)
      .post('/consent/$evaluate')
      .set('authorization', await bearer(ctx.deps, 'ig-audit-north'))
      .set('content-type', 'application/fhir+json')
      .send(
        JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            { name: 'message', resource: discharge() },
            { name: 'sender', valueString: 'north-coast-trust' },
            { name: 'recipient', valueString: 'homegroup-discharge' },
          ],
        }),
      );
    expect(res.status).toBe(200);
    const params = res.body.parameter as Array<{ name: string; valueCode?: string; valueInteger?: number }>;
    const all = (name: string) =>
      params.filter((p) => p.name === name).map((p) => p.valueCode ?? p.valueInteger);
    expect(all('cause')).toEqual(['discharge']);
    expect(all('sinceVersion')).toEqual([1]);
    expect(all('changedField')).toEqual(['expectedDischargeDate', 'dischargeReadyDate', ...DISCHARGE_FIELDS]);
    expect(all('notDisclosedField')).toEqual([]);
    // Nothing was sent or stored by it.
    expect(ctx.receiver.received).toHaveLength(1);
  });

  it.each([
    ['housing-delay-reason', 7, 'awaiting-adaptations'],
    ['ward-specialty', 5, 'mental-health'],
  ])('GET /fhir/CodeSystem/%s: the gateway code list, valid R4, without a token', async (id, count, code) => {
    const { app } = await setup();
    const res = await request(app).get(`/fhir/CodeSystem/${id}`);
    expect(res.status).toBe(200);
    const cs = JSON.parse(res.text);
    expect(r4Errors(cs)).toEqual([]);
    expect(cs).toMatchObject({ url: `${HOMEWARD}/CodeSystem/${id}`, count });
    expect(cs.concept.map((c: { code: string }) => c.code)).toContain(code);
  });
});
