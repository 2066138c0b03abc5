/**
 * Every CodeSystem of the gateway's own that it emits or accepts (issue 21 item 6), and one
 * ValueSet of all the codes of each, so that a partner can resolve every code it is sent at
 * GET /fhir/CodeSystem/{id} (R4 section 4.8, CodeSystem; section 4.9, ValueSet). Each has one
 * canonical url under HOMEWARD_FHIR_BASE, the same at every deployment. Code lists that are
 * TypeScript unions are written as `Record<Union, ...>` here, so the compiler fails when a code is
 * added without its definition.
 */
import type { CodeSystem, ValueSet } from 'fhir/r4.js';
import type { AuditAction } from '../audit/types.js';
import type { ReferralType } from '../config/registry-types.js';
import { DATA_CLASSES } from '../consent/data-classes.js';
import type { ReasonCode } from '../consent/types.js';
import type { OUTCOMES } from '../referral/response-body.js';
import type { ReferralStatus } from '../referral/status.js';
import { housingDelayReasonCodeSystem, wardSpecialtyCodeSystem } from './discharge-codes.js';
import { adaptationNeedCodeSystem, tenureCodeSystem } from './home-adaptation-codes.js';
import { codeSystemUrl, valueSetUrl } from './homeward-base.js';
import { housingEventsCodeSystem } from './housing-events.js';

type Concepts<C extends string> = Readonly<Record<C, string>>;
const DATE = '2026-12-08';

function own(
  id: string,
  title: string,
  description: string,
  concepts: Readonly<Record<string, string>>,
  content: CodeSystem['content'] = 'complete',
) {
  return (version: string): CodeSystem => {
    const list = Object.entries(concepts).map(([code, display]) => ({ code, display }));
    return {
      resourceType: 'CodeSystem',
      id,
      url: codeSystemUrl(id),
      version,
      name: title.replace(/[^A-Za-z]/g, ''),
      title,
      status: 'active',
      experimental: false,
      date: DATE,
      publisher: 'Homeward',
      description,
      caseSensitive: true,
      content,
      ...(content === 'not-present' ? {} : { count: list.length, concept: list }),
    };
  };
}

const REFERRAL_STATUS: Concepts<ReferralStatus | 'withheld' | 'worker-named'> = {
  withheld: 'Withheld: the decision refused the referral (reasons in Task.statusReason)',
  queued: 'Queued for delivery',
  delivered: 'Delivered to the provider',
  acknowledged: 'Acknowledged by the provider',
  accepted: 'Accepted by the provider',
  declined: 'Declined by the provider',
  contacted: 'The provider contacted the person',
  assessed: 'The person was assessed',
  'options-identified': 'Housing options identified',
  'offer-made': 'An offer of accommodation was made',
  'viewing-arranged': 'A viewing was arranged',
  'move-date-set': 'A move date was set',
  'moved-in': 'The person moved in',
  'works-complete': 'The adaptation or repair works are complete',
  completed: 'Completed (the outcome in Task.output)',
  failed: 'Delivery failed after its retries',
  cancelled: 'Cancelled (consent withdrawn, agreement ended or the referral revoked)',
  'worker-named': 'The provider named the housing worker on the case (a step of Task.output)',
};

const REFERRAL_OUTCOME: Concepts<(typeof OUTCOMES)[number] | 'outcome' | 'named-worker' | 'move-date'> = {
  outcome: 'Task.output type: the outcome of a completed referral (a code of this system)',
  'named-worker': 'Task.output type: the housing worker named on the case (a ContactDetail)',
  'move-date': 'Task.output type: the date the person moves (a date)',
  'returned-home': 'Returned home',
  rehoused: 'Rehoused',
  'supported-accommodation': 'Moved to supported accommodation',
  'temporary-accommodation': 'Placed in temporary accommodation',
  'advice-only': 'Advice only',
  'no-contact': 'The person could not be contacted',
};

const REFERRAL_TYPE: Concepts<ReferralType> = {
  'duty-to-refer': 'Duty to Refer (Homelessness Reduction Act 2017, Housing Act 1996 s.213B)',
  'discharge-support': 'Hospital discharge housing support',
  'home-adaptation': 'Home adaptation or repair so the person can return home',
};

const DECISION_REASON: Concepts<ReasonCode> = {
  'no-agreement': 'No data-sharing agreement covers this sender, recipient and purpose',
  'agreement-not-active': 'The agreement is not active',
  'agreement-expired': 'The agreement has ended',
  'agreement-not-yet-effective': 'The agreement is not yet in force',
  'trigger-not-covered': 'The agreement does not cover this event',
  'encounter-class-not-covered': "The agreement does not cover this encounter's class",
  'service-type-not-covered': "The agreement does not cover this encounter's service type",
  'out-of-catchment': "The person's address is outside the recipient's catchment",
  'not-chosen-authority': 'The person chose another local housing authority',
  'purpose-mismatch': "The consent's purpose is not the agreement's",
  'restricted-record': 'The record is restricted (meta.security R or V)',
  deceased: 'The person has died',
  'consent-missing': 'The agreement requires consent and there is none',
  'consent-not-covering': 'The consent does not cover this recipient, purpose or time',
  'consent-expired': "The consent's period has ended",
  'consent-denied': 'The person refused consent',
  'consent-withdrawn': 'The person withdrew consent',
  'dataset-below-minimum': 'What may be shared is below the minimum the referral needs',
  'dataset-invalid': 'The dataset failed its schema (a gateway fault; nothing was sent)',
  'fields-narrowed-by-consent': 'Informational: consent narrowed the fields shared',
  'objection-overridden': 'Informational: an objection was overridden on another lawful basis',
  'alternative-basis-used': 'Informational: a lawful basis other than consent was used',
  'readmission-follow-up': "Informational: a readmission offered to the earlier referral's recipient",
};

const AUDIT_ACTION: Concepts<AuditAction> = {
  received: 'A message was received',
  rejected: 'A message was refused',
  withheld: 'A referral was withheld',
  queued: 'A referral was queued for delivery',
  disclosed: 'Data was disclosed to a recipient',
  'delivery-attempted': 'A delivery was attempted',
  'delivery-failed': 'A delivery failed for good',
  acknowledged: 'The recipient acknowledged a referral',
  'status-changed': 'A referral changed status',
  'worker-named': 'A provider named the housing worker',
  cancelled: 'A referral was cancelled',
  'consent-withdrawn': 'A consent withdrawal was recorded',
  'registry-loaded': 'The partner registry was loaded',
  'keys-rotated': "The gateway's signing keys were rotated",
  'audit-read': 'The audit was read',
  purged: 'Data past its retention was removed',
};

const DATA_CLASS = Object.fromEntries(
  Object.entries(DATA_CLASSES).map(([c, fields]) => [c, `${c}: the dataset fields ${fields.join(', ')}`]),
);

const SERVICE_TYPE = {
  'mental-health-inpatient': 'Mental health inpatient',
  'older-people-medicine': 'Older people medicine',
  surgery: 'Surgery',
  'general-acute': 'General acute',
};

const HOME_RECORD = { tenure: 'Housing tenure', landlord: 'Landlord' };

/** Every gateway CodeSystem, by id, built for one software version. */
export function gatewayCodeSystems(version: string, purposes: readonly string[]): CodeSystem[] {
  const systems = [
    housingEventsCodeSystem(version),
    housingDelayReasonCodeSystem(version),
    wardSpecialtyCodeSystem(version),
    tenureCodeSystem(version),
    adaptationNeedCodeSystem(version),
    own(
      'referral-status',
      'Homeward referral status',
      "A referral's status (Task.businessStatus) and its steps (Task.output type), incl. the naming of the housing worker.",
      REFERRAL_STATUS,
    )(version),
    own(
      'referral-outcome',
      'Homeward referral outcome',
      'The outcome of a completed referral, and the types of the Task.output entries that are not status steps.',
      REFERRAL_OUTCOME,
    )(version),
    own(
      'referral-outcome-decline',
      'Homeward decline reasons',
      "A provider's reason for declining a referral (Task.statusReason): each provider's own lower-case codes (e.g. out-of-area), with its text beside them.",
      {},
      'not-present',
    )(version),
    own(
      'referral-type',
      'Homeward referral type',
      'The kind of referral (ServiceRequest.category).',
      REFERRAL_TYPE,
    )(version),
    own(
      'decision-reason',
      'Homeward decision reason',
      'Why a referral was withheld or cancelled, or how a permit was reached (Task.statusReason).',
      DECISION_REASON,
    )(version),
    own(
      'audit-action',
      'Homeward audit action',
      'The action of an audit entry (AuditEvent.subtype).',
      AUDIT_ACTION,
    )(version),
    own(
      'agreement-purpose',
      'Homeward agreement purpose',
      "Purposes of the data-sharing agreements (Consent.provision.purpose, AuditEvent.purposeOfEvent): those this deployment's agreements name.",
      Object.fromEntries(purposes.map((p) => [p, p])),
      'fragment',
    )(version),
    own(
      'data-class',
      'Homeward data class',
      'Classes of data a Consent provision can name (class, code or securityLabel) to narrow what is shared.',
      DATA_CLASS,
    )(version),
    own(
      'service-type',
      'Homeward service type',
      'Coarse service types of an Encounter (Encounter.serviceType), as agreements scope them.',
      SERVICE_TYPE,
    )(version),
    own(
      'home-adaptation-record',
      'Homeward home adaptation record',
      'Observation codes of a home adaptation referral: the tenure and the landlord.',
      HOME_RECORD,
    )(version),
  ];
  return systems;
}

/** One ValueSet per CodeSystem: all of its codes (R4 ValueSet.compose.include.system). */
export function gatewayValueSets(codeSystems: readonly CodeSystem[]): ValueSet[] {
  return codeSystems.map((cs) => ({
    resourceType: 'ValueSet',
    id: cs.id as string,
    url: valueSetUrl(cs.id as string),
    ...(cs.version ? { version: cs.version } : {}),
    name: cs.name as string,
    title: cs.title as string,
    status: 'active',
    experimental: false,
    date: DATE,
    publisher: 'Homeward',
    description: `All codes of ${cs.url}.`,
    compose: { include: [{ system: cs.url as string }] },
  }));
}
