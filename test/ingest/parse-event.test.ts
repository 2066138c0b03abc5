/** The ParsedEvent the decision pipeline receives, read from the synthetic fixtures (issue 4 item 7). */
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/config/registry.js';
import type { Partner } from '../../src/config/registry-types.js';
import { parseEvent } from '../../src/ingest/parse-event.js';
import type { ParsedEvent } from '../../src/ingest/types.js';
import { check, profiles } from './check-helpers.js';
import { patch, REMOVE, request, senderOf } from './fixtures.js';

const registry = loadRegistry('consent');

async function parsed(name: string, change?: (b: Record<string, unknown>) => void): Promise<ParsedEvent> {
  const body = request(name);
  change?.(body);
  const sender = senderOf(body);
  const checked = await check(body, sender);
  if (checked.kind !== 'valid') throw new Error(`${name} is not valid: ${JSON.stringify(checked.issues)}`);
  const partner = registry.partner(sender) as Partner;
  return parseEvent(checked.message, { partner, profiles, receivedAt: '2026-11-23T10:00:00.000Z' });
}

describe('parseEvent: national spellings and the person (issue 17 item 3)', () => {
  it('reads the status under the PDS R4 extension spelling as verified', async () => {
    const e = await parsed('admission', (b) =>
      patch(b, 'entry.1.resource.identifier.0.extension', [
        {
          url: 'https://fhir.nhs.uk/R4/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus',
          valueCodeableConcept: {
            coding: [
              { system: 'https://fhir.nhs.uk/R4/CodeSystem/UKCore-NHSNumberVerificationStatus', code: '01' },
            ],
          },
        },
      ]),
    );
    expect(e.patient).toMatchObject({ nhsNumberStatus: '01', verified: true, deceased: false });
  });

  it('reads a deceased person', async () => {
    const e = await parsed('admission', (b) =>
      patch(b, 'entry.1.resource.deceasedDateTime', '2026-11-22T23:10:00+00:00'),
    );
    expect(e.patient.deceased).toBe(true);
  });

  it('takes the postcode of the current address, not of a previous one, and the arrival time', async () => {
    const e = await parsed('admission', (b) =>
      patch(b, 'entry.1.resource.address', [
        { use: 'home', postalCode: 'NE6 1AA', period: { end: '2025-08-31' } },
        { use: 'home', postalCode: 'DH1 3LE', period: { start: '2025-09-01', end: '2027-06-30' } },
      ]),
    );
    expect(e.patient).toMatchObject({ postcode: 'DH1 3LE', postcodeDistrict: 'DH1' });
    expect(e.receivedAt).toBe('2026-11-23T10:00:00.000Z');
  });
});

describe('parseEvent', () => {
  it('reads an admission sent as HL7 v2 A01', async () => {
    const e = await parsed('admission');
    expect(e).toMatchObject({
      messageId: 'a0d11551-0000-4000-8000-000000000001',
      sender: { partnerId: 'north-coast-trust', odsCode: 'R9N1C' },
      event: 'admission',
      sentEvent: { system: 'http://terminology.hl7.org/CodeSystem/v2-0003', code: 'A01' },
      reason: 'new',
      occurredAt: '2026-11-02T14:35:00Z',
      restricted: false,
      patient: {
        nhsNumber: '9990079196',
        nhsNumberStatus: '01',
        verified: true,
        birthDate: '1984-03-12',
        postcode: 'NE6 1AA',
        postcodeDistrict: 'NE6',
        references: ['urn:uuid:a0d11551-0000-4000-8000-000000000003'],
      },
      encounter: {
        class: 'IMP',
        status: 'in-progress',
        identifier: { system: 'https://fhir.north-coast-trust.example/Id/encounter', value: 'ENC-A0D1-2611' },
        serviceTypes: [expect.objectContaining({ code: 'mental-health-inpatient' })],
        start: '2026-11-02T14:30:00Z',
        locations: ['urn:uuid:a0d11551-0000-4000-8000-000000000005'],
      },
      housingNeeds: [expect.objectContaining({ system: 'http://snomed.info/sct', code: '32911000' })],
      focus: ['urn:uuid:a0d11551-0000-4000-8000-000000000004'],
    });
    expect(e.consents).toHaveLength(1);
    expect(e.consents[0]?.provision?.type).toBe('permit');
    expect(e.resources.get('urn:uuid:a0d11551-0000-4000-8000-000000000003')?.resourceType).toBe('Patient');
  });

  it('reads the planned discharge date and a BaRS update reason', async () => {
    const e = await parsed('expected-discharge');
    expect(e.event).toBe('expected-discharge');
    expect(e.reason).toBe('update');
    expect(e.encounter?.plannedEnd).toBe('2026-11-30T12:00:00Z');
  });

  it('reads a discharge (v2 A03) with its disposition and the no-fixed-abode postcode', async () => {
    const e = await parsed('discharge');
    expect(e.event).toBe('discharge');
    expect(e.encounter).toMatchObject({ status: 'finished', end: '2026-11-23T09:30:00Z' });
    // The fixture carries the UK Core destination (issue 19 item 2) beside the SNOMED CT one.
    expect(e.encounter?.dischargeDisposition).toEqual([
      {
        system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeDestinationEngland',
        code: '29',
        display:
          'Temporary place of residence when usually resident elsewhere (includes hotel, residential Educational Establishment)',
      },
      { system: 'http://snomed.info/sct', code: '306689006', display: 'Discharge to home' },
    ]);
    expect(e.patient.postcode).toBe('ZZ99 3VZ');
  });

  it('reads housing needs from Condition, Observation value and Flag', async () => {
    const e = await parsed('housing-need-identified');
    expect(e.housingNeeds.map((n) => n.code)).toEqual(['105531004', '32911000', '32911000']);
  });

  it('ignores a housing need recorded in error', async () => {
    const e = await parsed('admission', (b) =>
      patch(b, 'entry.8.resource.verificationStatus.coding.0.code', 'entered-in-error'),
    );
    expect(e.housingNeeds).toEqual([]);
  });

  it('reads a BaRS referral: performer ODS code (the authority chosen), priority, requester', async () => {
    const e = await parsed('referral-request');
    expect(e.event).toBe('referral-request');
    expect(e.serviceRequest).toMatchObject({
      status: 'active',
      intent: 'order',
      priority: 'urgent',
      performerOds: ['LTB01'],
      requester: 'urn:uuid:e0f2e001-0000-4000-8000-000000000007',
      reasonCodes: [expect.objectContaining({ code: '32911000' })],
    });
  });

  it('reads a performer named only by ODS identifier, and defaults priority to routine', async () => {
    const e = await parsed('referral-request', (b) => {
      patch(b, 'entry.9.resource.performer.0', {
        identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'LWM02' },
      });
      patch(b, 'entry.9.resource.priority', REMOVE);
    });
    expect(e.serviceRequest).toMatchObject({ performerOds: ['LWM02'], priority: 'routine' });
  });

  it('reads a cancellation and a consent update', async () => {
    expect((await parsed('referral-cancel')).serviceRequest?.status).toBe('revoked');
    const consent = await parsed('consent-updated');
    expect(consent.consents[0]?.provision?.type).toBe('deny');
  });

  it('flags a restricted patient (meta.security R) and keeps the retired verification code', async () => {
    const e = await parsed('restricted-patient');
    expect(e.restricted).toBe(true);
    expect(e.patient).toMatchObject({ nhsNumberStatus: 'number-present-and-verified', verified: true });
    expect(e.encounter?.class).toBe('EMER');
  });

  it('flags a restriction on the bundle too, and an unverified number as such', async () => {
    const e = await parsed('admission', (b) => {
      patch(b, 'meta.security', [
        { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'V' },
      ]);
      patch(b, 'entry.1.resource.identifier.0.extension.0.valueCodeableConcept.coding.0.code', '02');
    });
    expect(e.restricted).toBe(true);
    expect(e.patient).toMatchObject({ nhsNumberStatus: '02', verified: false });
  });

  it('uses the receipt time when the bundle has no timestamp', async () => {
    const e = await parsed('admission', (b) => patch(b, 'timestamp', REMOVE));
    expect(e.occurredAt).toBe('2026-11-23T10:00:00.000Z');
  });
});
