/**
 * The words of the decision stage (design.md, Core types): for one event and one candidate
 * recipient, `permit` or `withhold`, with machine-readable reasons, the agreement version used,
 * the consents consulted, the lawful basis and the exact fields that may be disclosed.
 */
import type { Consent } from 'fhir/r4.js';
import type { AgreementRef, ConsentRef } from '../audit/types.js';
import type { DatasetField } from '../config/dataset-fields.js';
import type { Agreement, EventCode, Partner } from '../config/registry-types.js';
import type { DisclosureFacts } from './disclosure-facts.js';

export type ReasonCode =
  // agreement rules
  | 'no-agreement'
  | 'agreement-not-active'
  | 'agreement-expired'
  | 'agreement-not-yet-effective'
  | 'trigger-not-covered'
  | 'encounter-class-not-covered'
  | 'service-type-not-covered'
  | 'out-of-catchment'
  | 'not-chosen-authority'
  | 'purpose-mismatch'
  | 'restricted-record'
  // the person
  | 'deceased'
  // consent rules
  | 'consent-missing'
  | 'consent-not-covering'
  | 'consent-expired'
  | 'consent-denied'
  | 'consent-withdrawn'
  | 'dataset-below-minimum'
  // mapping: the dataset built for a permit failed its schema (a gateway fault; nothing is sent)
  | 'dataset-invalid'
  // informational, on permits
  | 'fields-narrowed-by-consent'
  | 'objection-overridden'
  | 'alternative-basis-used'
  // a readmission offered to the earlier referral's recipient, its catchment waived (issue 19 item 5)
  | 'readmission-follow-up';

export interface Reason {
  code: ReasonCode;
  text: string;
  /** The agreement the reason arose under, when there was one. */
  agreementId?: string;
}

/** What the decision needs to know about the event: plain data gathered before the call. */
export interface DecisionEvent {
  code: EventCode;
  /** When the event happened as the sender says (Bundle.timestamp); the agreement is judged at `now`, not this. */
  occurredAt: string;
  /** Partner id of the sending trust. */
  sender: string;
  encounterClass?: string;
  serviceTypes?: string[];
  /** Outward code district of the person's home postcode (e.g. `NE4`); absent when none is known. */
  postcodeDistrict?: string;
  /** ODS codes of the authorities/providers the person chose (ServiceRequest.performer). */
  chosenRecipientOds?: string[];
  /** The purpose the sender asked for, when the message says (otherwise any agreement purpose). */
  requestedPurpose?: string;
  /** `meta.security` R (restricted): see README of this folder. */
  restricted: boolean;
  /** The trust records the person as deceased (Patient.deceased[x]): nobody is referred. */
  deceased?: boolean;
  /**
   * The person's referrals of earlier stays that ended (completed or declined), by recipient and
   * end time (issue 19 item 5): a recipient whose agreement allows readmission follow-up and whose
   * referral ended within its window is offered the new one even outside its catchment.
   */
  earlierEndings?: ReadonlyArray<{ recipient: string; endedAt: string }>;
}

/** How the Consent resources name the person: bundle references and the NHS number. */
export interface DecisionPatient {
  references: string[];
  nhsNumber?: string;
}

export interface DecisionInput {
  event: DecisionEvent;
  patient: DecisionPatient;
  recipient: Partner;
  /** All versions of all agreements (the registry's list). */
  agreements: readonly Agreement[];
  /** Every Consent gathered for the person (from the message or the trust's FHIR server). */
  consents: readonly Consent[];
  now: Date;
  /**
   * How the message names the recipient and the sending trust, and the records the referral
   * draws on (consent/disclosure-facts.ts). Absent: unknown, and the consent rules that need
   * them read a deny as covering everything and a permit as covering nothing.
   */
  facts?: DisclosureFacts;
}

export interface LawfulBasis {
  article6: string;
  article9: string;
  /** `explicit-consent`, or the alternative basis the agreement names. */
  basis: 'explicit-consent' | 'safeguarding' | 'vital-interests' | 'public-task';
  reference?: string;
}

interface DecisionCommon {
  recipient: string;
  consents: ConsentRef[];
  reasons: Reason[];
}

export type Decision =
  | (DecisionCommon & {
      outcome: 'permit';
      agreement: AgreementRef;
      referralType: Agreement['referralType'];
      purpose: string;
      lawfulBasis: LawfulBasis;
      /** Exactly the fields that may be disclosed: a subset of the agreement's fields. */
      fields: DatasetField[];
    })
  | (DecisionCommon & {
      outcome: 'withhold';
      /** The agreement examined, when one was in force. */
      agreement?: AgreementRef;
    });
