/**
 * The gateway's housing events: what a trust tells it happened (MessageHeader.eventCoding,
 * R4 section 2.37). Published as a CodeSystem at GET /fhir/CodeSystem/homeward-housing-events.
 * Trusts that already send HL7 v2-derived or BaRS events need not translate: those codes are
 * mapped onto ours here.
 */
import type { CodeSystem, Coding } from 'fhir/r4.js';
import type { EventCode } from '../config/registry-types.js';
import { codeSystemUrl } from './homeward-base.js';

/** Canonical URLs are identifiers, not locations (R4 section 2.34.0.1, canonical references). */
export const HOUSING_EVENTS_ID = 'homeward-housing-events';
export const HOUSING_EVENTS_SYSTEM = codeSystemUrl(HOUSING_EVENTS_ID);
export const V2_EVENT_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0003';
export const BARS_EVENT_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/message-events-bars';
export const BARS_REASON_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/message-reason-bars';

export const HOUSING_EVENTS: ReadonlyArray<{ code: EventCode; display: string; definition: string }> = [
  {
    code: 'admission',
    display: 'Admission',
    definition: 'The person was admitted (also accepted: HL7 v2 event A01 from v2-0003).',
  },
  {
    code: 'housing-need-identified',
    display: 'Housing need identified',
    definition:
      'A housing need was recorded (Condition, Flag or Observation with a housing need code), e.g. homeless or housing unsatisfactory.',
  },
  {
    code: 'expected-discharge',
    display: 'Expected discharge',
    definition:
      'A discharge date is planned (Encounter extension plannedEndDate; also accepted: HL7 v2 event A16 pending discharge).',
  },
  {
    code: 'discharge',
    display: 'Discharge',
    definition: 'The person was discharged (Encounter.period.end; also accepted: HL7 v2 event A03).',
  },
  {
    code: 'referral-request',
    display: 'Referral request',
    definition:
      'A referral to a housing authority or provider, e.g. a Duty to Refer (ServiceRequest; also accepted: BaRS servicerequest-request).',
  },
  {
    code: 'consent-updated',
    display: 'Consent updated',
    definition: "The person's consent to sharing was given, changed or withdrawn (Consent).",
  },
  {
    code: 'referral-cancel',
    display: 'Referral cancelled',
    definition:
      'A referral sent earlier is cancelled (ServiceRequest with status revoked or entered-in-error).',
  },
];

export const EVENT_CODES: readonly EventCode[] = HOUSING_EVENTS.map((e) => e.code);

/** Other code systems' events and the housing event each one means. */
const MAPPED: Readonly<Record<string, Readonly<Record<string, EventCode>>>> = {
  [V2_EVENT_SYSTEM]: { A01: 'admission', A16: 'expected-discharge', A03: 'discharge' },
  [BARS_EVENT_SYSTEM]: { 'servicerequest-request': 'referral-request' },
};

/** The housing event an eventCoding means, or undefined when the gateway does not handle it. */
export function housingEventFor(coding: Pick<Coding, 'system' | 'code'>): EventCode | undefined {
  const { system, code } = coding;
  if (typeof system !== 'string' || typeof code !== 'string') return undefined;
  if (system === HOUSING_EVENTS_SYSTEM) return EVENT_CODES.find((c) => c === code);
  const mapped = MAPPED[system];
  return mapped && Object.hasOwn(mapped, code) ? mapped[code] : undefined;
}

/** Every accepted (system, code) pair, for documentation and error messages. */
export function acceptedEventCodings(): Array<{ system: string; code: string }> {
  return [
    ...EVENT_CODES.map((code) => ({ system: HOUSING_EVENTS_SYSTEM, code })),
    ...Object.entries(MAPPED).flatMap(([system, codes]) =>
      Object.keys(codes).map((code) => ({ system, code })),
    ),
  ];
}

/** The CodeSystem resource the gateway publishes (R4 section 4.8, CodeSystem). */
export function housingEventsCodeSystem(version: string): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    id: HOUSING_EVENTS_ID,
    url: HOUSING_EVENTS_SYSTEM,
    version,
    name: 'HomewardHousingEvents',
    title: 'Homeward housing events',
    status: 'active',
    experimental: false,
    date: '2026-11-23',
    publisher: 'Homeward',
    description:
      'Events an NHS trust sends to the Homeward gateway in MessageHeader.eventCoding with POST /fhir/$process-message. HL7 v2 events A01, A16 and A03 (http://terminology.hl7.org/CodeSystem/v2-0003) and the BaRS event servicerequest-request (https://fhir.nhs.uk/CodeSystem/message-events-bars) are accepted too and mapped as each definition says.',
    caseSensitive: true,
    content: 'complete',
    count: HOUSING_EVENTS.length,
    concept: HOUSING_EVENTS.map((e) => ({ code: e.code, display: e.display, definition: e.definition })),
  };
}
