/**
 * Where a trust's message carries discharge data (issue 19 item 2), and the two small code lists
 * the gateway defines for it. Standards used where they exist:
 * - Discharge destination: Encounter.hospitalization.dischargeDisposition, bound in UK Core
 *   Encounter to ValueSet UKCore-DischargeDestination (CodeSystems UKCore-DischargeDestinationEngland
 *   and -Wales: the NHS Data Dictionary DISCHARGE DESTINATION CODE (HOSPITAL PROVIDER SPELL)).
 * - Discharge method: UK Core Extension-UKCore-DischargeMethod on Encounter, bound to ValueSet
 *   UKCore-DischargeMethod (NHS Data Dictionary DISCHARGE METHOD CODE (HOSPITAL PROVIDER SPELL)).
 * - Discharge Ready Date: NHS England's metric (letters PRN00312 and PRN00603_i: the date a person
 *   no longer meets the Criteria to Reside; NHS Data Dictionary DISCHARGE READY DATE). Neither UK
 *   Core nor BaRS carries it, so the gateway defines an Encounter extension (valueDate or
 *   valueDateTime) below.
 * - Housing-related delay reason and ward specialty: the gateway's own CodeSystems below.
 */
import type { CodeSystem } from 'fhir/r4.js';
import { HOMEWARD_FHIR_BASE } from './homeward-base.js';

const BASE = HOMEWARD_FHIR_BASE;

export const UKCORE_DISCHARGE_DESTINATION_SYSTEMS = [
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeDestinationEngland',
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeDestinationWales',
] as const;
export const UKCORE_DISCHARGE_METHOD_SYSTEMS = [
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeMethodEngland',
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeMethodWales',
] as const;
export const UKCORE_DISCHARGE_METHOD_URL =
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-DischargeMethod';

/** Gateway extensions on Encounter (documented in profiles/datasets/README.md). */
export const DISCHARGE_READY_DATE_URL = `${BASE}/StructureDefinition/discharge-ready-date`;
export const HOUSING_DELAY_REASON_URL = `${BASE}/StructureDefinition/housing-delay-reason`;
export const WARD_SPECIALTY_URL = `${BASE}/StructureDefinition/ward-specialty`;

/** NHS Data Dictionary TREATMENT FUNCTION CODE, as NHS England's HL7 v2-to-FHIR maps PV1-10 into Encounter.serviceType. */
export const TREATMENT_FUNCTION_SYSTEM =
  'https://fhir.nhs.uk/CodeSystem/NHSDataModelAndDictionary-treatment-function';
/** The gateway's own coarse service types, as the sample agreements' scope.serviceTypes name them. */
export const SERVICE_TYPE_SYSTEM = `${BASE}/CodeSystem/service-type`;
export const V3_ROLE_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';

type Concept = { code: string; display: string; definition: string };

export const HOUSING_DELAY_REASON_ID = 'housing-delay-reason';
export const HOUSING_DELAY_REASON_SYSTEM = `${BASE}/CodeSystem/${HOUSING_DELAY_REASON_ID}`;
const HOUSING_DELAY_REASONS: readonly Concept[] = [
  {
    code: 'awaiting-housing-assessment',
    display: 'Awaiting housing assessment',
    definition:
      'Clinically ready, waiting for a housing or homelessness assessment (e.g. Housing Act 1996 Part 7).',
  },
  {
    code: 'no-accommodation-available',
    display: 'No accommodation available',
    definition: 'Assessed, but no suitable accommodation (temporary or settled) is available yet.',
  },
  {
    code: 'awaiting-adaptations',
    display: 'Awaiting home adaptations',
    definition:
      'The home needs adaptations (ramp, stairlift, level-access shower) before the person can return.',
  },
  {
    code: 'awaiting-repairs',
    display: 'Awaiting home repairs',
    definition: 'The home needs repairs (heating, damp, hazards) before the person can return.',
  },
  {
    code: 'homeless-no-fixed-abode',
    display: 'Homeless or no fixed abode',
    definition: 'The person has nowhere to be discharged to.',
  },
  {
    code: 'unsafe-home-environment',
    display: 'Home environment unsafe',
    definition: 'Returning home is unsafe (e.g. domestic abuse, hoarding, severe disrepair) until resolved.',
  },
  {
    code: 'awaiting-care-package-housing-related',
    display: 'Care package waiting on housing',
    definition:
      'A care package is agreed but cannot start until a housing matter (tenancy, access, move) is settled.',
  },
];
export const HOUSING_DELAY_REASON_CODES: readonly string[] = HOUSING_DELAY_REASONS.map((c) => c.code);

export type WardSpecialty = 'mental-health' | 'older-people' | 'surgery' | 'general-medicine' | 'other';
export const WARD_SPECIALTY_ID = 'ward-specialty';
export const WARD_SPECIALTY_SYSTEM = `${BASE}/CodeSystem/${WARD_SPECIALTY_ID}`;
const WARD_SPECIALTIES: ReadonlyArray<Concept & { code: WardSpecialty }> = [
  {
    code: 'mental-health',
    display: 'Mental health',
    definition:
      'Treatment function codes 700-729 (incl. 715 old age psychiatry); service type mental-health-inpatient; location type v3 PSYCHF.',
  },
  {
    code: 'older-people',
    display: 'Older people',
    definition: 'Treatment function code 430 (geriatric medicine); service type older-people-medicine.',
  },
  {
    code: 'surgery',
    display: 'Surgery',
    definition: 'Treatment function codes 100-179 (surgical specialties); service type surgery.',
  },
  {
    code: 'general-medicine',
    display: 'General medicine',
    definition:
      'Treatment function codes 300-499 other than 420 and 430 (medical specialties); service type general-acute.',
  },
  { code: 'other', display: 'Other', definition: 'A specialty was sent, but none of the above.' },
];

function codeSystem(
  id: string,
  url: string,
  title: string,
  description: string,
  concepts: readonly Concept[],
) {
  return (version: string): CodeSystem => ({
    resourceType: 'CodeSystem',
    id,
    url,
    version,
    name: title.replace(/[^A-Za-z]/g, ''),
    title,
    status: 'active',
    experimental: false,
    date: '2026-12-07',
    publisher: 'Homeward',
    description,
    caseSensitive: true,
    content: 'complete',
    count: concepts.length,
    concept: concepts.map(({ code, display, definition }) => ({ code, display, definition })),
  });
}

export const housingDelayReasonCodeSystem = codeSystem(
  HOUSING_DELAY_REASON_ID,
  HOUSING_DELAY_REASON_SYSTEM,
  'Homeward housing-related discharge delay reasons',
  `Why a person clinically ready to leave hospital is still there for a housing reason. Sent by trusts in the Encounter extension ${HOUSING_DELAY_REASON_URL} (valueCodeableConcept, repeatable).`,
  HOUSING_DELAY_REASONS,
);

export const wardSpecialtyCodeSystem = codeSystem(
  WARD_SPECIALTY_ID,
  WARD_SPECIALTY_SYSTEM,
  'Homeward ward specialty',
  'A coarse specialty of the ward the person is on, derived by the gateway from Encounter.serviceType or the Location type; each definition says from which codes.',
  WARD_SPECIALTIES,
);
