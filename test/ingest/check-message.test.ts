/**
 * The resources of a message against the JSON Schemas in profiles/ (issue 4 item 3): each problem
 * asserted by issue code and FHIRPath location (conventions 5), breaking one thing at a time.
 */
import { describe, expect, it } from 'vitest';
import { breaking, type Case, check, E, found, P } from './check-helpers.js';
import { type JsonObject, patch, REMOVE, request } from './fixtures.js';

const cases: Case[] = [
  [
    'bad NHS number check digit',
    'admission',
    (b) => patch(b, 'entry.1.resource.identifier.0.value', '9990079197'),
    [['value', `${P}.identifier[0].value`]],
  ],
  [
    'NHS number with spaces',
    'admission',
    (b) => patch(b, 'entry.1.resource.identifier.0.value', '999 007 9196'),
    [['value', `${P}.identifier[0].value`]],
  ],
  [
    'no NHS number identifier',
    'admission',
    (b) => patch(b, 'entry.1.resource.identifier.0.system', 'https://fhir.north-coast-trust.example/Id/mrn'),
    [['required', `${P}.identifier`]],
  ],
  [
    'NHS number without a value',
    'admission',
    (b) => patch(b, 'entry.1.resource.identifier.0.value', REMOVE),
    [['required', `${P}.identifier[0].value`]],
  ],
  [
    'unknown verification status',
    'admission',
    (b) => patch(b, 'entry.1.resource.identifier.0.extension.0.valueCodeableConcept.coding.0.code', '09'),
    [['code-invalid', `${P}.identifier[0].extension[0].valueCodeableConcept.coding[0].code`]],
  ],
  ['no name', 'admission', (b) => patch(b, 'entry.1.resource.name', REMOVE), [['required', `${P}.name`]]],
  [
    'birth date in UK notation',
    'admission',
    (b) => patch(b, 'entry.1.resource.birthDate', '12/03/1984'),
    [['value', `${P}.birthDate`]],
  ],
  [
    'not a UK postcode',
    'admission',
    (b) => patch(b, 'entry.1.resource.address.0.postalCode', 'NE6'),
    [['value', `${P}.address[0].postalCode`]],
  ],
  [
    'unknown telecom system',
    'admission',
    (b) => patch(b, 'entry.1.resource.telecom.0.system', 'whatsapp'),
    [['code-invalid', `${P}.telecom[0].system`]],
  ],
  [
    'name that is not a list',
    'admission',
    (b) => patch(b, 'entry.1.resource.name', { family: 'Ashworth' }),
    [['structure', `${P}.name`]],
  ],
  [
    'encounter without status',
    'admission',
    (b) => patch(b, 'entry.2.resource.status', REMOVE),
    [['required', `${E}.status`]],
  ],
  [
    'unknown v3 encounter class',
    'admission',
    (b) => patch(b, 'entry.2.resource.class.code', 'WARD'),
    [['code-invalid', `${E}.class.code`]],
  ],
  [
    'malformed period start',
    'admission',
    (b) => patch(b, 'entry.2.resource.period.start', '2026-11-02 14:30'),
    [['value', `${E}.period.start`]],
  ],
  [
    'malformed planned discharge date',
    'expected-discharge',
    (b) => patch(b, 'entry.2.resource.extension.0.valueDateTime', 'next week'),
    [['value', `${E}.extension[0].valueDateTime`]],
  ],
  // Issue 19 item 2: the gateway's own discharge extensions (src/ingest/discharge-checks.ts).
  [
    'unknown housing delay reason of the gateway CodeSystem',
    'expected-discharge',
    (b) => patch(b, 'entry.2.resource.extension.2.valueCodeableConcept.coding.0.code', 'awaiting-miracle'),
    [['code-invalid', `${E}.extension[2].valueCodeableConcept.coding[0].code`]],
  ],
  [
    'Discharge Ready Date that is not a date',
    'expected-discharge',
    (b) => patch(b, 'entry.2.resource.extension.1.valueDate', 'soon'),
    [['value', `${E}.extension[1].valueDate`]],
  ],
  [
    'lower-case ODS code',
    'admission',
    (b) => patch(b, 'entry.3.resource.identifier.0.value', 'r9n1c'),
    [
      ['value', 'Bundle.entry[3].resource.identifier[0].value'],
      ['forbidden', 'Bundle.entry[3].resource.identifier'],
    ],
  ],
  [
    'consent provision type',
    'admission',
    (b) => patch(b, 'entry.7.resource.provision.type', 'maybe'),
    [['code-invalid', 'Bundle.entry[7].resource.provision.type']],
  ],
  [
    'condition without subject',
    'admission',
    (b) => patch(b, 'entry.8.resource.subject', REMOVE),
    [['required', 'Bundle.entry[8].resource.subject']],
  ],
  [
    'service request priority',
    'referral-request',
    (b) => patch(b, 'entry.9.resource.priority', 'whenever'),
    [['code-invalid', 'Bundle.entry[9].resource.priority']],
  ],
  [
    'resource id too long',
    'admission',
    (b) => patch(b, 'entry.1.resource.id', 'x'.repeat(65)),
    [['value', `${P}.id`]],
  ],
];

describe('resources against profiles/', () => breaking(cases));

describe('what is not an error', () => {
  it('allows unknown elements, resources and extensions (FHIR R4 section 1.13)', async () => {
    const b = request('admission');
    patch(b, 'entry.1.resource.maritalStatus', { text: 'Single' });
    patch(b, 'entry.1.resource.extension', [{ url: 'https://example.org/ext', valueString: 'x' }]);
    (b.entry as JsonObject[]).push({
      fullUrl: 'urn:uuid:a0d11551-0000-4000-8000-000000000050',
      resource: { resourceType: 'Basic', code: { text: 'note' } },
    });
    expect(await check(b)).toMatchObject({ kind: 'valid' });
  });

  it('does not apply the UK postcode rule to an address abroad', async () => {
    const b = patch(
      patch(request('admission'), 'entry.1.resource.address.0.postalCode', '75001'),
      'entry.1.resource.address.0.country',
      'FR',
    );
    expect(await check(b)).toMatchObject({ kind: 'valid' });
  });

  it('accepts the retired UK Core verification codes (restricted-patient fixture)', async () => {
    expect(await check(request('restricted-patient'))).toMatchObject({ kind: 'valid' });
  });
});

describe('every issue at once', () => {
  it('reports all the problems of invalid-several-issues, each at its own place', async () => {
    expect(found(await check(request('invalid-several-issues')))).toEqual([
      ['value', `${P}.address[0].postalCode`],
      ['required', `${E}.status`],
      ['value', `${E}.extension[0].valueDateTime`],
      ['invariant', 'Bundle.entry[4].fullUrl'],
      ['not-found', `${E}.location[0].location.reference`],
      ['code-invalid', 'Bundle.entry[0].resource.reason.coding[0].code'],
    ]);
  });
});
