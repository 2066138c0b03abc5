import type { Consent, ConsentProvision } from 'fhir/r4.js';
import { loadRegistry } from '../../src/config/registry.js';
import { DATA_CLASS_SYSTEM } from '../../src/consent/data-classes.js';
import type { DecisionEvent, DecisionInput, DecisionPatient } from '../../src/consent/types.js';

export const registry = loadRegistry('consent');
export const NOW = new Date('2026-11-23T10:00:00Z');
export const PATIENT_REF = 'urn:uuid:7d1c5c1e-0000-4000-8000-000000000001';
export const NHS = '9434765919';
export const patient: DecisionPatient = { references: [PATIENT_REF, 'Patient/p1'], nhsNumber: NHS };

const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';

export const actor = (ods: string, role = 'IRCP'): NonNullable<ConsentProvision['actor']>[number] => ({
  role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: role }] },
  reference: { identifier: { system: ODS, value: ods } },
});
export const purpose = (code: string) => ({
  system: 'https://homeward.example/fhir/CodeSystem/purpose',
  code,
});
export const dataClass = (code: string) => ({ system: DATA_CLASS_SYSTEM, code });

export interface ConsentOptions {
  id?: string;
  status?: Consent['status'];
  dateTime?: string;
  series?: string;
  versionId?: string;
  scope?: string;
  patientRef?: string;
  byNhsNumber?: string;
  provision?: ConsentProvision;
  policyRule?: string;
}

let n = 0;
export function consent(o: ConsentOptions = {}): Consent {
  const id = o.id ?? `c${++n}`;
  return {
    resourceType: 'Consent',
    id,
    meta: { versionId: o.versionId ?? '1' },
    identifier: [{ system: 'https://trust.example/consents', value: o.series ?? id }],
    status: o.status ?? 'active',
    scope: {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: o.scope ?? 'patient-privacy' },
      ],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: o.byNhsNumber
      ? { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: o.byNhsNumber } }
      : { reference: o.patientRef ?? PATIENT_REF },
    dateTime: o.dateTime ?? '2026-11-18T09:00:00Z',
    ...(o.policyRule
      ? {
          policyRule: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: o.policyRule }],
          },
        }
      : {}),
    ...(o.provision ? { provision: o.provision } : {}),
  };
}

/** Consent to share with `ods` for `purposeCode` (the usual shape a ward records). */
export const permitFor = (
  ods: string,
  purposeCode: string,
  extra: Partial<ConsentProvision> = {},
  o: ConsentOptions = {},
) =>
  consent({
    ...o,
    provision: { type: 'permit', actor: [actor(ods)], purpose: [purpose(purposeCode)], ...extra },
  });

export const DISCHARGE = 'hospital-discharge-housing-support';
export const DTR = 'duty-to-refer';

export const dischargeEvent: DecisionEvent = {
  code: 'admission',
  occurredAt: '2026-11-20T14:00:00Z',
  sender: 'north-coast-trust',
  encounterClass: 'IMP',
  serviceTypes: ['mental-health-inpatient'],
  postcodeDistrict: 'NE4',
  restricted: false,
};

export const dtrEvent: DecisionEvent = {
  code: 'referral-request',
  occurredAt: '2026-11-20T14:00:00Z',
  sender: 'north-coast-trust',
  encounterClass: 'IMP',
  postcodeDistrict: 'NE4',
  chosenRecipientOds: ['LTB01'],
  restricted: false,
};

export function input(
  recipient: string,
  event: DecisionEvent,
  consents: Consent[],
  over: Partial<DecisionInput> = {},
): DecisionInput {
  const partner = registry.partner(recipient);
  if (!partner) throw new Error(`no partner ${recipient}`);
  return { event, patient, recipient: partner, agreements: registry.agreements, consents, now: NOW, ...over };
}
