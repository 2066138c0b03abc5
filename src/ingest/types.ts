/**
 * The words of the intake stage. `ParsedEvent` is what the decision pipeline receives: plain,
 * typed data read from a message that passed every check, plus the resources themselves.
 */
import type { Consent, Resource } from 'fhir/r4.js';
import type { EventCode, Priority, ReferralType } from '../config/registry-types.js';
import type { NhsNumber } from '../fhir/nhs-number.js';

/** BaRS MessageHeader.reason (https://fhir.nhs.uk/CodeSystem/message-reason-bars); `new` when absent. */
export type MessageReason = 'new' | 'update' | 'delete';
export const MESSAGE_REASONS: readonly MessageReason[] = ['new', 'update', 'delete'];

export interface CodeRef {
  system?: string;
  code: string;
  display?: string;
}

export interface ParsedPatient {
  /** Every way the message refers to the patient (fullUrl, `Patient/id`), for Consent.patient matching. */
  references: string[];
  nhsNumber: NhsNumber;
  /** The UK Core verification status code, when sent; `verified` is true for 01 / number-present-and-verified. */
  nhsNumberStatus?: string;
  verified: boolean;
  birthDate?: string;
  /** Patient.deceasedBoolean true or any Patient.deceasedDateTime: a deceased person is never referred. */
  deceased: boolean;
  /** Normalised postcode (`NE6 1AA`) of the current address (fhir/address.ts) and its district (`NE6`). */
  postcode?: string;
  postcodeDistrict?: string;
}

export interface ParsedEncounter {
  reference: string;
  identifier?: { system?: string; value: string };
  status: string;
  /** v3 ActEncounterCode, e.g. IMP, EMER. */
  class: string;
  serviceTypes: CodeRef[];
  start?: string;
  end?: string;
  /** From http://hl7.org/fhir/5.0/StructureDefinition/extension-Encounter.plannedEndDate */
  plannedEnd?: string;
  dischargeDisposition: CodeRef[];
  /** References of the wards and sites. */
  locations: string[];
}

export interface ParsedServiceRequest {
  reference: string;
  status: string;
  intent: string;
  priority: Priority;
  /** ODS codes of the authorities or providers the person chose (ServiceRequest.performer). */
  performerOds: string[];
  performers: string[];
  requester?: string;
  reasonCodes: CodeRef[];
  /**
   * The referral type the request asks for, when ServiceRequest.category carries one of the
   * gateway's referral-type codes (e.g. `home-adaptation`): routing then offers it only to
   * agreements of that type (mapping/routing.ts).
   */
  referralType?: ReferralType;
}

export interface HousingNeed extends CodeRef {
  /** The Condition, Flag or Observation that carried it. */
  source: string;
}

export interface ParsedEvent {
  /** MessageHeader.id: with the sender, the idempotency key. */
  messageId: string;
  sender: { partnerId: string; odsCode: string };
  event: EventCode;
  /** The eventCoding as sent (may be a v2 or BaRS code mapped onto `event`). */
  sentEvent: { system: string; code: string };
  reason: MessageReason;
  /** Bundle.timestamp when sent, else the time the gateway received the message. */
  occurredAt: string;
  /** When the gateway received the message (its own clock): what "current" and "in force" are judged at. */
  receivedAt: string;
  /** meta.security R or V (v3-Confidentiality) on the Patient or the Bundle: pass on, never widen. */
  restricted: boolean;
  patient: ParsedPatient;
  encounter?: ParsedEncounter;
  serviceRequest?: ParsedServiceRequest;
  consents: Consent[];
  /**
   * Set when the trust's FHIR server was searched for this event (remote-consents.ts): the
   * Consents it listed as active, also merged into `consents`. Their source, for the consent
   * memory (issue 17 item 11): the server's answer replaces what it said before.
   */
  trustConsents?: Consent[];
  housingNeeds: HousingNeed[];
  /** MessageHeader.focus, as sent. */
  focus: string[];
  /** Every resource of the message and those fetched from the trust, by each of its references. */
  resources: ReadonlyMap<string, Resource>;
}
