/**
 * Issue 19 item 2: each discharge field is read from where the trust sends it, is absent when the
 * message does not carry it, and is never read, sent or named in the audit when the decision does
 * not permit it (BuiltDataset.fields are the names the queued and disclosed audit entries record).
 */
import type { Encounter, Location } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import type { DatasetField } from '../../src/config/dataset-fields.js';
import { loadRegistry } from '../../src/config/registry.js';
import type { ParsedEvent } from '../../src/ingest/types.js';
import { buildDataset } from '../../src/mapping/build-dataset.js';
import { assertDataset, compileDatasetSchemas } from '../../src/mapping/dataset-schemas.js';
import { dischargedEvent } from './sample-discharge.js';
import { sampleEvent } from './sample-event.js';

const registry = loadRegistry('consent');
const validators = compileDatasetSchemas('profiles');
const sender = registry.partner('north-coast-trust');
const recipient = registry.partner('homegroup-discharge');

function built(fields: DatasetField[], event: ParsedEvent) {
  const out = buildDataset({
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
      fields,
      consents: [],
      reasons: [],
    },
  });
  assertDataset(validators, 'discharge-support', out.dataset);
  return out;
}

const UKCORE = 'https://fhir.hl7.org.uk/CodeSystem';
const cases: Array<[DatasetField, unknown]> = [
  ['dischargeReadyDate', '2026-11-20'],
  ['dischargeDateTime', '2026-11-23T09:30:00Z'],
  [
    'dischargeDestination',
    {
      system: `${UKCORE}/UKCore-DischargeDestinationEngland`,
      code: '19',
      display: 'Usual place of residence',
    },
  ],
  ['dischargeMethod', { system: `${UKCORE}/UKCore-DischargeMethodEngland`, code: '1' }],
  ['housingDelayReasons', ['awaiting-adaptations', 'no-accommodation-available']],
  ['wardSpecialty', 'mental-health'],
];
const ALL = cases.map(([f]) => f);

/** The sample admission with none of the discharge data (and no specialty it could derive). */
function admissionWithout(): ParsedEvent {
  const event = sampleEvent();
  event.encounter = { ...(event.encounter as NonNullable<ParsedEvent['encounter']>), serviceTypes: [] };
  return event;
}

describe.each(cases)('discharge field %s', (field, expected) => {
  it('is read from the message when present', () => {
    const { dataset, fields } = built([field], dischargedEvent());
    expect(dataset[field]).toEqual(expected);
    expect(fields).toEqual([field]);
  });

  it('is absent, and not named, when the message does not carry it', () => {
    const { dataset, fields } = built([field], admissionWithout());
    expect(dataset).not.toHaveProperty(field);
    expect(fields).toEqual([]);
  });

  it('is not disclosed, nor in the audited field names, when the decision does not permit it', () => {
    const others = ALL.filter((f) => f !== field);
    const { dataset, fields } = built(['name', ...others], dischargedEvent());
    expect(dataset).not.toHaveProperty(field);
    expect(fields).not.toContain(field);
    expect(fields).toEqual(['name', ...others]);
  });
});

describe('discharge field details', () => {
  it('takes the UK Core discharge destination over another coding, and the first coding when no UK Core one', () => {
    const event = dischargedEvent();
    expect(built(['dischargeDestination'], event).dataset.dischargeDestination).toMatchObject({ code: '19' });
    event.encounter = {
      ...(event.encounter as NonNullable<ParsedEvent['encounter']>),
      dischargeDisposition: [{ system: 'http://snomed.info/sct', code: '306689006' }],
    };
    expect(built(['dischargeDestination'], event).dataset.dischargeDestination).toEqual({
      system: 'http://snomed.info/sct',
      code: '306689006',
    });
  });

  it('keeps only known codes of the gateway delay-reason CodeSystem, each once', () => {
    const event = dischargedEvent();
    const enc = event.resources.get('Encounter/e1') as Encounter;
    const url = 'https://homeward.example/fhir/StructureDefinition/housing-delay-reason';
    const system = 'https://homeward.example/fhir/CodeSystem/housing-delay-reason';
    enc.extension = [
      { url, valueCodeableConcept: { coding: [{ system, code: 'awaiting-repairs' }] } },
      { url, valueCodeableConcept: { coding: [{ system, code: 'awaiting-repairs' }] } },
      { url, valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '1234' }] } },
    ];
    expect(built(['housingDelayReasons'], event).dataset.housingDelayReasons).toEqual(['awaiting-repairs']);
  });

  it.each([
    ['https://fhir.nhs.uk/CodeSystem/NHSDataModelAndDictionary-treatment-function', '710', 'mental-health'],
    ['https://fhir.nhs.uk/CodeSystem/NHSDataModelAndDictionary-treatment-function', '715', 'mental-health'],
    ['https://fhir.nhs.uk/CodeSystem/NHSDataModelAndDictionary-treatment-function', '430', 'older-people'],
    ['https://fhir.nhs.uk/CodeSystem/NHSDataModelAndDictionary-treatment-function', '110', 'surgery'],
    [
      'https://fhir.nhs.uk/CodeSystem/NHSDataModelAndDictionary-treatment-function',
      '300',
      'general-medicine',
    ],
    ['https://fhir.nhs.uk/CodeSystem/NHSDataModelAndDictionary-treatment-function', '420', 'other'],
    ['https://fhir.nhs.uk/CodeSystem/NHSDataModelAndDictionary-treatment-function', '501', 'other'],
    ['https://homeward.example/fhir/CodeSystem/service-type', 'general-acute', 'general-medicine'],
    ['https://homeward.example/fhir/CodeSystem/service-type', 'older-people-medicine', 'older-people'],
  ])('derives the ward specialty from serviceType %s|%s as %s', (system, code, specialty) => {
    const event = sampleEvent();
    event.encounter = {
      ...(event.encounter as NonNullable<ParsedEvent['encounter']>),
      serviceTypes: [{ system, code }],
    };
    expect(built(['wardSpecialty'], event).dataset.wardSpecialty).toBe(specialty);
  });

  it('derives it from the Location type too, and a mental health code anywhere wins', () => {
    const event = sampleEvent();
    event.encounter = {
      ...(event.encounter as NonNullable<ParsedEvent['encounter']>),
      serviceTypes: [
        { system: 'https://homeward.example/fhir/CodeSystem/service-type', code: 'general-acute' },
      ],
    };
    const ward = event.resources.get('Location/w1') as Location;
    ward.type = [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'PSYCHF' }] },
    ];
    expect(built(['wardSpecialty'], event).dataset.wardSpecialty).toBe('mental-health');
  });

  it('says nothing of the specialty for codes of a system it does not know', () => {
    const event = sampleEvent();
    event.encounter = {
      ...(event.encounter as NonNullable<ParsedEvent['encounter']>),
      serviceTypes: [{ system: 'http://snomed.info/sct', code: '722165004' }],
    };
    expect(built(['wardSpecialty'], event).dataset).not.toHaveProperty('wardSpecialty');
  });
});
