import type { Encounter, MessageHeader } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import { DATASET_FIELDS } from '../../src/config/dataset-fields.js';
import { loadRegistry } from '../../src/config/registry.js';
import { buildDataset } from '../../src/mapping/build-dataset.js';
import { fhirReferral, READMISSION_OF_URL } from '../../src/mapping/fhir-referral.js';
import { r4Errors } from '../fhir/r4-validator.js';
import { dischargedEvent } from './sample-discharge.js';
import { sampleEvent } from './sample-event.js';

const registry = loadRegistry('consent');
const sender = registry.partner('north-coast-trust');
const recipient = registry.partner('homegroup-discharge');

function datasetWith(fields: readonly string[], event = sampleEvent()) {
  return buildDataset({
    event,
    sender: sender as NonNullable<typeof sender>,
    recipient: recipient as NonNullable<typeof recipient>,
    decision: {
      outcome: 'permit',
      recipient: 'homegroup-discharge',
      agreement: { id: 'a', version: 1, sha256: 'x' },
      referralType: 'discharge-support',
      purpose: 'p',
      lawfulBasis: { article6: 'a', article9: 'b', basis: 'explicit-consent' },
      fields: fields as never,
      consents: [{ reference: 'Consent/cons1' }],
      reasons: [],
    },
  }).dataset;
}

const build = (fields: readonly string[], event = sampleEvent()) =>
  fhirReferral({
    referralId: 'ref-1',
    kind: 'referral',
    type: 'discharge-support',
    priority: 'urgent',
    at: new Date('2026-11-23T10:00:00Z'),
    sender: { odsCode: 'R9N1C', name: 'North Coast' },
    recipient: { odsCode: 'HHA01', name: 'Homestead' },
    gatewayEndpoint: 'https://homeward.example/fhir',
    dataset: datasetWith(fields, event),
    cause: { event: event.event, occurredAt: event.occurredAt },
    changes: { sinceVersion: null, fields: [] },
  });

describe('the FHIR form of a referral', () => {
  it('is a valid R4 message Bundle centred on a ServiceRequest, with every field', () => {
    const bundle = build(DATASET_FIELDS['discharge-support']);
    expect(r4Errors(bundle)).toEqual([]);
    const types = bundle.entry?.map((e) => e.resource?.resourceType);
    expect(types?.slice(0, 3)).toEqual(['MessageHeader', 'ServiceRequest', 'Patient']);
    expect(types).toEqual(
      expect.arrayContaining(['Encounter', 'Consent', 'Flag', 'Condition', 'PractitionerRole']),
    );
    expect(JSON.stringify(bundle)).toContain('9434765919');
  });

  it('holds nothing the dataset does not: name and reason only', () => {
    const bundle = build(['name', 'reason']);
    expect(r4Errors(bundle)).toEqual([]);
    const text = JSON.stringify(bundle);
    for (const absent of ['9434765919', '07700', 'NE4 5AA', 'Lindisfarne', 'Lone visits', '1979-05-14']) {
      expect(text).not.toContain(absent);
    }
    expect(bundle.entry?.map((e) => e.resource?.resourceType)).toEqual([
      'MessageHeader',
      'ServiceRequest',
      'Patient',
    ]);
  });

  // Issue 19 item 2: the discharge fields in the elements and extensions a trust sends them in.
  it('carries the discharge fields on a finished Encounter, still valid R4', () => {
    const bundle = build(DATASET_FIELDS['discharge-support'], dischargedEvent());
    expect(r4Errors(bundle)).toEqual([]);
    const stay = bundle.entry?.find((e) => e.resource?.resourceType === 'Encounter')?.resource as Encounter;
    expect(stay).toMatchObject({
      status: 'finished',
      period: { start: '2026-11-02', end: '2026-11-23T09:30:00Z' },
      hospitalization: { dischargeDisposition: { coding: [{ code: '19' }] } },
    });
    const ext = (url: string) => stay.extension?.filter((x) => x.url.endsWith(url)) ?? [];
    expect(ext('/discharge-ready-date')[0]?.valueDate).toBe('2026-11-20');
    expect(ext('/Extension-UKCore-DischargeMethod')[0]?.valueCodeableConcept?.coding?.[0]?.code).toBe('1');
    expect(ext('/housing-delay-reason').map((x) => x.valueCodeableConcept?.coding?.[0]?.code)).toEqual([
      'awaiting-adaptations',
      'no-accommodation-available',
    ]);
    expect(ext('/ward-specialty')[0]?.valueCoding?.code).toBe('mental-health');
  });

  it('says on the MessageHeader which event caused it and which fields changed', () => {
    const bundle = fhirReferral({
      referralId: 'ref-1',
      kind: 'update',
      type: 'discharge-support',
      priority: 'routine',
      at: new Date('2026-11-23T10:00:00Z'),
      sender: { odsCode: 'R9N1C', name: 'North Coast' },
      recipient: { odsCode: 'HHA01', name: 'Homestead' },
      gatewayEndpoint: 'https://homeward.example/fhir',
      dataset: datasetWith(['dischargeDateTime'], dischargedEvent()),
      cause: { event: 'discharge', occurredAt: '2026-11-23T09:40:00Z' },
      changes: { sinceVersion: 2, fields: ['dischargeDateTime'], notDisclosed: ['dischargeMethod'] },
    });
    expect(r4Errors(bundle)).toEqual([]);
    const header = bundle.entry?.[0]?.resource as MessageHeader;
    expect(header.extension?.[0]).toEqual({
      url: 'https://homeward.example/fhir/StructureDefinition/referral-update',
      extension: [
        {
          url: 'cause',
          valueCoding: {
            system: 'https://homeward.example/fhir/CodeSystem/homeward-housing-events',
            code: 'discharge',
          },
        },
        { url: 'occurredAt', valueDateTime: '2026-11-23T09:40:00Z' },
        { url: 'sinceVersion', valuePositiveInt: 2 },
        { url: 'changed', valueCode: 'dischargeDateTime' },
        { url: 'notDisclosed', valueCode: 'dischargeMethod' },
      ],
    });
  });

  it('says the referral follows an earlier one (issue 19 item 5) in a valid R4 extension of the ServiceRequest', () => {
    const readmissionOf = {
      sameRecipient: true,
      referralId: 'ref-0',
      endedAt: '2026-11-01T10:00:00.000Z',
      outcome: 'completed',
    };
    const bundle = fhirReferral({
      referralId: 'ref-1',
      kind: 'referral',
      cause: { event: 'referral-request', occurredAt: '2026-11-23T10:00:00Z' },
      changes: { sinceVersion: null, fields: [] },
      type: 'discharge-support',
      priority: 'routine',
      at: new Date('2026-11-23T10:00:00Z'),
      sender: { odsCode: 'R9N1C', name: 'North Coast' },
      recipient: { odsCode: 'HHA01', name: 'Homestead' },
      gatewayEndpoint: 'https://homeward.example/fhir',
      dataset: { readmissionOf },
    });
    expect(r4Errors(bundle)).toEqual([]);
    const request = bundle.entry?.[1]?.resource as {
      extension?: Array<{ url: string; extension?: unknown[] }>;
    };
    expect(request.extension).toEqual([
      {
        url: READMISSION_OF_URL,
        extension: [
          { url: 'sameRecipient', valueBoolean: true },
          {
            url: 'referral',
            valueIdentifier: { system: 'https://homeward.example/fhir/Id/referral', value: 'ref-0' },
          },
          { url: 'endedAt', valueDateTime: '2026-11-01T10:00:00.000Z' },
          { url: 'outcome', valueCode: 'completed' },
        ],
      },
    ]);
  });
});
