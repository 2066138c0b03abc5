/**
 * Issue 19 item 2 in the pull inbox: the provider reads the same message a webhook would carry
 * (cause, changes, discharge fields). A read serves only the newest message and supersedes the
 * unread ones, so a message queued while an older one is unread carries that one's changes too:
 * the list is always against the version the provider last got.
 */
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { Partner } from '../../src/config/registry-types.js';
import { openStore } from '../../src/store/index.js';
import { harness, withPartner } from '../delivery/harness.js';
import { tempDir, testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';
import { request as fixture, type JsonObject } from '../ingest/fixtures.js';
import { post } from './intake-helpers.js';

type Bundle = { entry: Array<{ resource: JsonObject }> } & JsonObject;
const UKCORE = 'https://fhir.hl7.org.uk';

async function setup() {
  const store = await openStore(`sqlite:${join(tempDir('homeward-discharge-pull-'), 'gateway.db')}`);
  const h = await harness({
    store,
    registry: (r) =>
      withPartner(r, {
        ...(r.partner('homegroup-discharge') as Partner),
        delivery: { mode: 'pull', format: 'dataset' },
      }),
  });
  const { app, deps } = await testApp({
    store,
    registry: h.registry,
    clock: h.clock,
    keys: h.keys,
    audit: h.pipeline.audit,
  });
  return { app, deps, clock: h.clock };
}

function later(id: string, code: string, change: (enc: JsonObject) => void): Bundle {
  const b = structuredClone({
    ...fixture('admission'),
    timestamp: new Date().toISOString(),
  }) as unknown as Bundle;
  const header = b.entry[0]?.resource as JsonObject;
  header.id = id;
  header.eventCoding = { system: 'https://homeward.example/fhir/CodeSystem/homeward-housing-events', code };
  header.reason = {
    coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/message-reason-bars', code: 'update' }],
  };
  change(b.entry.find((e) => e.resource.resourceType === 'Encounter')?.resource as JsonObject);
  return b;
}

const ready = (enc: JsonObject) => {
  enc.extension = [
    {
      url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Encounter.plannedEndDate',
      valueDateTime: '2026-12-01T12:00:00Z',
    },
    {
      url: 'https://homeward.example/fhir/StructureDefinition/discharge-ready-date',
      valueDate: '2026-11-27',
    },
  ];
};
const left = (enc: JsonObject) => {
  ready(enc);
  enc.status = 'finished';
  enc.period = { start: '2026-11-02T14:30:00Z', end: '2026-12-01T11:00:00Z' };
  enc.hospitalization = {
    dischargeDisposition: {
      coding: [{ system: `${UKCORE}/CodeSystem/UKCore-DischargeDestinationEngland`, code: '19' }],
    },
  };
};

describe('discharge data in the pull inbox', () => {
  it('each read names the cause and the changes since the version last read, unread ones included', async () => {
    const { app, deps, clock } = await setup();
    await post(app, deps, { ...fixture('admission'), timestamp: new Date().toISOString() });
    const { id } = await deps.store.db.selectFrom('referrals').select('id').executeTakeFirstOrThrow();
    clock.advance(60_000);
    expect(
      (await post(app, deps, later('a0d11551-0000-4000-8000-0000000019f1', 'expected-discharge', ready)))
        .status,
    ).toBe(200);
    const token = await bearer(deps, 'homegroup-discharge');
    const read = async () => {
      const res = await request(app).get(`/referrals/${id}`).set('authorization', token);
      expect(res.status).toBe(200);
      return JSON.parse(res.text).data as {
        cause: JsonObject;
        changes: { sinceVersion: number | null; fields: string[] };
        dataset: JsonObject;
        version: number;
      };
    };
    // Never read the admission: the expected discharge is the first the provider gets, all of it new.
    const first = await read();
    expect(first).toMatchObject({
      version: 2,
      cause: { event: 'expected-discharge' },
      changes: { sinceVersion: null },
    });
    expect(first.changes.fields).toEqual(expect.arrayContaining(['name', 'ward', 'dischargeReadyDate']));
    clock.advance(60_000);
    expect(
      (await post(app, deps, later('a0d11551-0000-4000-8000-0000000019f2', 'discharge', left))).status,
    ).toBe(200);
    const second = await read();
    expect(second).toMatchObject({ version: 3, cause: { event: 'discharge' } });
    expect(second.changes).toEqual({
      sinceVersion: 2,
      fields: ['dischargeDateTime', 'dischargeDestination'],
    });
    expect(second.dataset).toMatchObject({
      dischargeDateTime: '2026-12-01T11:00:00Z',
      dischargeDestination: { code: '19' },
    });
  });
});
