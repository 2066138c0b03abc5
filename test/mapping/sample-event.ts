import type { Consent, FhirResource } from 'fhir/r4.js';
import type { NhsNumber } from '../../src/fhir/nhs-number.js';
import type { ParsedEvent } from '../../src/ingest/types.js';

/** A synthetic admission with housing need, as intake hands it on (resources by reference). */
export function sampleEvent(over: Partial<ParsedEvent> = {}): ParsedEvent {
  const patient: FhirResource = {
    resourceType: 'Patient',
    id: 'p1',
    identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' }],
    name: [{ use: 'official', given: ['Ada'], family: 'Synthetic-Fenwick', prefix: ['Ms'] }],
    telecom: [
      { system: 'phone', value: '07700 900123', use: 'mobile', rank: 1 },
      { system: 'email', value: 'ada.synthetic@example.org', rank: 2 },
    ],
    address: [
      { use: 'home', line: ['1 Synthetic Street'], city: 'Newcastle upon Tyne', postalCode: 'NE4 5AA' },
    ],
    birthDate: '1979-05-14',
    communication: [
      {
        language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'pl', display: 'Polish' }] },
        preferred: true,
      },
    ],
    extension: [
      { url: 'http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired', valueBoolean: true },
    ],
  };
  const encounter: FhirResource = {
    resourceType: 'Encounter',
    id: 'e1',
    status: 'in-progress',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
    subject: { reference: 'Patient/p1' },
    participant: [
      {
        type: [
          {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PPRF' }],
          },
        ],
        individual: { reference: 'PractitionerRole/kw1' },
      },
    ],
  };
  const ward: FhirResource = { resourceType: 'Location', id: 'w1', name: 'Lindisfarne Ward' };
  const keyWorker: FhirResource = {
    resourceType: 'PractitionerRole',
    id: 'kw1',
    practitioner: { reference: 'Practitioner/pr1' },
    code: [{ text: 'Care coordinator' }],
    telecom: [{ system: 'phone', value: '0191 000 0001' }],
  };
  const practitioner: FhirResource = {
    resourceType: 'Practitioner',
    id: 'pr1',
    name: [{ given: ['Sam'], family: 'Synthetic-Reed' }],
  };
  const referrer: FhirResource = {
    resourceType: 'PractitionerRole',
    id: 'ref1',
    practitioner: { reference: 'Practitioner/pr1' },
    code: [{ text: 'Discharge coordinator' }],
    telecom: [{ system: 'email', value: 'discharge.team@nhs.example' }],
    organization: { display: 'North Coast NHS Foundation Trust (synthetic)' },
  };
  const risk: FhirResource = {
    resourceType: 'Flag',
    id: 'f1',
    status: 'active',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'safety' }] },
    ],
    code: { text: 'Lone visits not advised' },
    subject: { reference: 'Patient/p1' },
  };
  const safeguarding: FhirResource = {
    resourceType: 'Flag',
    id: 'f2',
    status: 'active',
    category: [
      { coding: [{ system: 'https://homeward.example/fhir/CodeSystem/data-class', code: 'safeguarding' }] },
    ],
    code: { text: 'Adult safeguarding plan in place' },
    subject: { reference: 'Patient/p1' },
  };
  const flag = (id: string, category: string, text: string): FhirResource => ({
    resourceType: 'Flag',
    id,
    status: 'active',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: category }] },
    ],
    code: { text },
    subject: { reference: 'Patient/p1' },
  });
  const access = flag('f3', 'contact', 'Wheelchair user: step-free access needed');
  const vulnerable = flag('f4', 'behavioral', 'At risk of exploitation');
  const condition: FhirResource = {
    resourceType: 'Condition',
    id: 'c1',
    clinicalStatus: { coding: [{ code: 'active' }] },
    code: { text: 'Needs support with medication' },
    subject: { reference: 'Patient/p1' },
  };
  const consent: Consent = {
    resourceType: 'Consent',
    id: 'cons1',
    status: 'active',
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: 'Patient/p1' },
    dateTime: '2026-11-19T10:30:00Z',
    performer: [{ display: 'Sam Synthetic-Reed, discharge coordinator' }],
    // Consent names who may receive and why (a permit naming neither is not consent: issue 17).
    provision: {
      type: 'permit',
      actor: ['HHA01', 'LTB01', 'LWM02'].map((value) => ({
        role: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }],
        },
        reference: { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value } },
      })),
      purpose: ['hospital-discharge-housing-support', 'duty-to-refer'].map((code) => ({
        system: 'https://homeward.example/fhir/CodeSystem/agreement-purpose',
        code,
      })),
    },
  };
  const all = [
    patient,
    encounter,
    ward,
    keyWorker,
    practitioner,
    referrer,
    risk,
    safeguarding,
    access,
    vulnerable,
    condition,
    consent,
  ];
  const resources = new Map(all.map((r) => [`${r.resourceType}/${r.id}`, r]));
  return {
    messageId: 'msg-1',
    sender: { partnerId: 'north-coast-trust', odsCode: 'R9N1C' },
    event: 'admission',
    sentEvent: {
      system: 'https://homeward.example/fhir/CodeSystem/homeward-housing-events',
      code: 'admission',
    },
    reason: 'new',
    occurredAt: '2026-11-20T14:00:00Z',
    receivedAt: '2026-11-23T10:00:00Z',
    restricted: false,
    patient: {
      references: ['Patient/p1'],
      nhsNumber: '9434765919' as NhsNumber,
      verified: true,
      birthDate: '1979-05-14',
      deceased: false,
      postcode: 'NE4 5AA',
      postcodeDistrict: 'NE4',
    },
    encounter: {
      reference: 'Encounter/e1',
      identifier: { system: 'https://trust.example/encounters', value: 'ENC-1' },
      status: 'in-progress',
      class: 'IMP',
      serviceTypes: [
        { system: 'https://homeward.example/fhir/CodeSystem/service-type', code: 'mental-health-inpatient' },
      ],
      start: '2026-11-02T09:15:00Z',
      plannedEnd: '2026-12-01',
      dischargeDisposition: [],
      locations: ['Location/w1'],
    },
    serviceRequest: {
      reference: 'ServiceRequest/sr1',
      status: 'active',
      intent: 'order',
      priority: 'urgent',
      performerOds: [],
      performers: [],
      requester: 'PractitionerRole/ref1',
      reasonCodes: [],
    },
    consents: [consent],
    housingNeeds: [
      { system: 'http://snomed.info/sct', code: '32911000', display: 'Homeless', source: 'Condition/h1' },
    ],
    focus: ['Encounter/e1'],
    resources,
    ...over,
  };
}
