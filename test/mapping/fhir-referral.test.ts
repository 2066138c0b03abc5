import { describe, expect, it } from 'vitest';
import { DATASET_FIELDS } from '../../src/config/dataset-fields.js';
import { loadRegistry } from '../../src/config/registry.js';
import { buildDataset } from '../../src/mapping/build-dataset.js';
import { fhirReferral, READMISSION_OF_URL } from '../../src/mapping/fhir-referral.js';
import { r4Errors } from '../fhir/r4-validator.js';
import { sampleEvent } from './sample-event.js';

const registry = loadRegistry('consent');
const sender = registry.partner('north-coast-trust');
const recipient = registry.partner('homegroup-discharge');

function datasetWith(fields: readonly string[]) {
  return buildDataset({
    event: sampleEvent(),
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

const build = (fields: readonly string[]) =>
  fhirReferral({
    referralId: 'ref-1',
    kind: 'referral',
    type: 'discharge-support',
    priority: 'urgent',
    at: new Date('2026-11-23T10:00:00Z'),
    sender: { odsCode: 'R9N1C', name: 'North Coast' },
    recipient: { odsCode: 'HHA01', name: 'Homestead' },
    gatewayEndpoint: 'https://homeward.example/fhir',
    dataset: datasetWith(fields),
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
