import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATASET_FIELDS, type DatasetField } from '../../src/config/dataset-fields.js';
import { loadRegistry } from '../../src/config/registry.js';
import type { ReferralType } from '../../src/config/registry-types.js';
import { decide } from '../../src/consent/decide.js';
import type { Decision } from '../../src/consent/types.js';
import { buildDataset } from '../../src/mapping/build-dataset.js';
import type { MappingContext } from '../../src/mapping/context.js';
import { assertDataset, compileDatasetSchemas } from '../../src/mapping/dataset-schemas.js';
import { propertyRuns } from '../helpers/property-runs.js';
import { sampleEvent } from './sample-event.js';

const registry = loadRegistry('consent');
const validators = compileDatasetSchemas('profiles');
const sender = registry.partner('north-coast-trust');
const homestead = registry.partner('homegroup-discharge');
if (!sender || !homestead) throw new Error('sample registry changed');

function permit(type: ReferralType, fields: DatasetField[]): Extract<Decision, { outcome: 'permit' }> {
  return {
    outcome: 'permit',
    recipient: homestead?.id ?? '',
    agreement: { id: 'a', version: 1, sha256: 'x' },
    referralType: type,
    purpose: 'p',
    lawfulBasis: { article6: '6(1)(e)', article9: '9(2)(h)', basis: 'explicit-consent' },
    fields,
    consents: [{ reference: 'Consent/cons1' }],
    reasons: [],
  };
}

const ctx = (type: ReferralType, fields: DatasetField[], event = sampleEvent()): MappingContext => ({
  event,
  sender: sender as NonNullable<typeof sender>,
  recipient: homestead as NonNullable<typeof homestead>,
  decision: permit(type, fields),
});

describe('buildDataset', () => {
  it('maps every discharge-support field of the sample admission, and the result validates', () => {
    const all = [...DATASET_FIELDS['discharge-support']];
    // A readmission: what the referral stage worked out reaches the dataset as it is.
    const readmissionOf = { sameRecipient: false, endedAt: '2026-11-01T10:00:00.000Z' };
    const { dataset, fields } = buildDataset({ ...ctx('discharge-support', all), readmissionOf });
    expect(() => assertDataset(validators, 'discharge-support', dataset)).not.toThrow();
    expect(dataset.readmissionOf).toEqual(readmissionOf);
    // The discharge data (issue 19 item 2) comes with a discharge: test/mapping/discharge-fields.test.ts.
    const later = ['dischargeReadyDate', 'dischargeDateTime', 'dischargeDestination', 'dischargeMethod'];
    const notYet = [...later, 'housingDelayReasons'];
    expect(fields.sort()).toEqual(all.filter((f) => !notYet.includes(f)).sort());
    expect(dataset).toMatchObject({
      name: { given: ['Ada'], family: 'Synthetic-Fenwick' },
      contactDetails: {
        phones: [{ value: '07700 900123', use: 'mobile' }],
        address: { postcode: 'NE4 5AA' },
      },
      preferredContactMethod: 'phone',
      consent: {
        referral: true,
        shareContactDetails: true,
        recordedAt: '2026-11-19T10:30:00Z',
        consents: ['Consent/cons1'],
      },
      reason: 'homeless',
      hospital: { odsCode: 'R9N1C' },
      ward: 'Lindisfarne Ward',
      admissionDate: '2026-11-02',
      expectedDischargeDate: '2026-12-01',
      referrer: {
        name: 'Sam Synthetic-Reed',
        role: 'Discharge coordinator',
        email: 'discharge.team@nhs.example',
      },
      keyWorker: { role: 'Care coordinator', phone: '0191 000 0001' },
      language: { code: 'pl', interpreterRequired: true },
      nhsNumber: '9434765919',
      riskFlags: ['Lone visits not advised'],
      safeguardingFlags: ['Adult safeguarding plan in place'],
      supportNeeds: ['Needs support with medication'],
    });
  });

  it('reads only the permitted fields: nothing else reaches the dataset', () => {
    const { dataset, fields } = buildDataset(ctx('duty-to-refer', ['name', 'reason', 'consent']));
    expect(Object.keys(dataset).sort()).toEqual(['consent', 'name', 'reason']);
    expect(fields.sort()).toEqual(['consent', 'name', 'reason']);
    const text = JSON.stringify(dataset);
    for (const absent of ['9434765919', '07700', 'NE4 5AA', 'Lindisfarne', 'safeguarding'])
      expect(text).not.toContain(absent);
  });

  it('leaves a field the message has nothing for out of the dataset and out of the audited field names', () => {
    const event = sampleEvent({ housingNeeds: [] });
    const { dataset, fields } = buildDataset(
      ctx('duty-to-refer', ['name', 'reason', 'housingSituation'], event),
    );
    expect(Object.keys(dataset)).toEqual(['name']);
    expect(fields).toEqual(['name']);
  });

  it('says no fixed abode and offers no address for the ZZ99 3VZ pseudo-postcode', () => {
    const event = sampleEvent();
    const patient = event.resources.get('Patient/p1') as {
      address?: Array<{ postalCode?: string; line?: string[] }>;
    };
    patient.address = [{ postalCode: 'ZZ99 3VZ' }];
    const { dataset } = buildDataset(ctx('duty-to-refer', ['contactDetails'], event));
    expect(dataset.contactDetails).toEqual({
      phones: [{ value: '07700 900123', use: 'mobile' }],
      emails: [{ value: 'ada.synthetic@example.org' }],
      noFixedAbode: true,
    });
  });

  // Issue 17 item 3: an address whose period has ended is a previous address, not no fixed abode.
  it('says no current address (not no fixed abode) when every address has ended', () => {
    const event = sampleEvent();
    const patient = event.resources.get('Patient/p1') as { address?: unknown[] };
    patient.address = [
      { use: 'home', postalCode: 'NE4 5AA', period: { start: '2019-01-01', end: '2025-08-31' } },
      { use: 'old', postalCode: 'NE6 1AA' },
    ];
    const { dataset } = buildDataset(
      ctx('duty-to-refer', ['contactDetails', 'preferredContactMethod'], event),
    );
    expect(dataset.contactDetails).toEqual({
      phones: [{ value: '07700 900123', use: 'mobile' }],
      emails: [{ value: 'ada.synthetic@example.org' }],
      noCurrentAddress: true,
    });
    expect(() => assertDataset(validators, 'duty-to-refer', dataset)).not.toThrow();
  });

  it('sends the current address, one ending in the future included, and not the previous one', () => {
    const event = sampleEvent();
    const patient = event.resources.get('Patient/p1') as { address?: unknown[] };
    patient.address = [
      { use: 'home', line: ['1 Old Road'], postalCode: 'NE4 5AA', period: { end: '2025-08-31' } },
      {
        use: 'home',
        line: ['2 New Road'],
        postalCode: 'NE2 1XD',
        period: { start: '2025-09-01', end: '2027-06-30' },
      },
    ];
    const { dataset } = buildDataset(ctx('duty-to-refer', ['contactDetails'], event));
    expect(dataset.contactDetails).toMatchObject({ address: { lines: ['2 New Road'], postcode: 'NE2 1XD' } });
    expect(JSON.stringify(dataset)).not.toContain('Old Road');
    expect(JSON.stringify(dataset)).not.toContain('noFixedAbode');
  });

  it('maps the sample through a real decision: consent narrowing removes fields before they are read', () => {
    const event = sampleEvent();
    const decision = decide({
      event: {
        ...event,
        code: event.event,
        sender: 'north-coast-trust',
        encounterClass: 'IMP',
        serviceTypes: ['mental-health-inpatient'],
        postcodeDistrict: 'NE4',
      } as never,
      patient: event.patient,
      recipient: homestead as NonNullable<typeof homestead>,
      agreements: registry.agreements,
      consents: [
        {
          ...event.consents[0],
          provision: {
            ...event.consents[0]?.provision,
            type: 'permit',
            provision: [
              {
                type: 'deny',
                class: [
                  { system: 'https://homeward.example/fhir/CodeSystem/data-class', code: 'mental-health' },
                ],
              },
            ],
          },
        } as never,
      ],
      now: new Date('2026-11-23T10:00:00Z'),
    });
    expect(decision.outcome).toBe('permit');
    if (decision.outcome !== 'permit') return;
    const { dataset } = buildDataset({
      event,
      sender: sender as never,
      recipient: homestead as never,
      decision,
    });
    expect(dataset).not.toHaveProperty('riskFlags');
    expect(dataset).not.toHaveProperty('serviceType');
    expect(dataset).toHaveProperty('name');
  });

  it('property: for any allowed subset, keys stay within it and the dataset validates', () => {
    for (const type of ['duty-to-refer', 'discharge-support', 'home-adaptation'] as const) {
      fc.assert(
        fc.property(fc.subarray([...DATASET_FIELDS[type]]), fc.boolean(), (allowed, noContact) => {
          const event = sampleEvent();
          if (noContact) (event.resources.get('Patient/p1') as { telecom?: unknown }).telecom = undefined;
          const { dataset, fields } = buildDataset(ctx(type, allowed, event));
          expect(Object.keys(dataset).every((k) => (allowed as string[]).includes(k))).toBe(true);
          expect(fields.every((f) => allowed.includes(f))).toBe(true);
          assertDataset(validators, type, dataset);
        }),
        { numRuns: propertyRuns(300), seed: 7 },
      );
    }
  });
});
