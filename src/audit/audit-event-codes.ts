/**
 * Code systems and codes of the AuditEvent export (audit-event.ts). DICOM event types and roles
 * from DICOM PS3.16 (CID 400-402, http://dicom.nema.org/resources/ontology/DCM), AuditEvent
 * vocabularies from FHIR R4 (http://hl7.org/fhir/R4/auditevent.html), the custodian role from IHE
 * BALP "Privacy Disclosure at Source". `https://homeward.example/...` systems are the gateway's own.
 */
import type { AuditEvent, Coding } from 'fhir/r4.js';
import { codeSystemUrl, identifierSystem } from '../fhir/homeward-base.js';
import { ODS_ORGANISATION_SYSTEM } from '../fhir/systems.js';
import type { AuditAction } from './types.js';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';

export const SYSTEMS = {
  ods: ODS_ORGANISATION_SYSTEM,
  /** HMAC-SHA256 of the NHS number under this gateway's AUDIT_SUBJECT_KEY: comparable only within it. */
  subject: identifierSystem('audit-subject-hmac'),
  partner: identifierSystem('partner'),
  referral: identifierSystem('referral'),
  agreement: identifierSystem('data-sharing-agreement'),
  auditEntry: identifierSystem('audit-seq'),
  /**
   * A consent the decision used, as the sending trust's message or FHIR server named it
   * (`Consent/{id}`, with `/_history/{version}` when known). A logical reference, not a literal
   * one: the Consent lives at the trust, not at the gateway nor in the export Bundle, so a literal
   * `Consent/{id}` would resolve to nothing (R4 section 2.36.4.1; issue 21 item 2).
   */
  trustConsent: identifierSystem('trust-consent'),
  action: codeSystemUrl('audit-action'),
  purpose: codeSystemUrl('agreement-purpose'),
} as const;

const dcm = (code: string, display: string): Coding => ({ system: DCM, code, display });

export const codings = {
  sourceRole: dcm('110153', 'Source Role ID'),
  destinationRole: dcm('110152', 'Destination Role ID'),
  application: dcm('110150', 'Application'),
  custodian: { system: 'http://snomed.info/sct', code: '159541003', display: 'Record keeping/library clerk' },
  informationRecipient: { system: PARTICIPATION, code: 'IRCP', display: 'information recipient' },
  author: { system: PARTICIPATION, code: 'AUT', display: 'author (originator)' },
  person: { system: ENTITY_TYPE, code: '1', display: 'Person' },
  systemObject: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
  consentType: { system: 'http://hl7.org/fhir/resource-types', code: 'Consent', display: 'Consent' },
  patientRole: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
  reportRole: { system: OBJECT_ROLE, code: '3', display: 'Report' },
  domainResource: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
  securityResource: { system: OBJECT_ROLE, code: '13', display: 'Security Resource' },
  queryRole: { system: OBJECT_ROLE, code: '24', display: 'Query' },
  applicationServer: {
    system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
    code: '4',
    display: 'Application Server',
  },
} satisfies Record<string, Coding>;

export interface EventKind {
  type: Coding;
  subtype?: Coding;
  action: NonNullable<AuditEvent['action']>;
  /** 0 success, 4 minor failure (the gateway refused, as designed), 8 serious failure. */
  outcome: NonNullable<AuditEvent['outcome']>;
  gatewayRole: Coding;
  actorRole: Coding;
}

const exportKind = (outcome: EventKind['outcome']): EventKind => ({
  type: dcm('110106', 'Export'),
  action: 'R',
  outcome,
  gatewayRole: codings.sourceRole,
  actorRole: codings.custodian,
});
const importKind = (outcome: EventKind['outcome']): EventKind => ({
  type: dcm('110107', 'Import'),
  action: 'C',
  outcome,
  gatewayRole: codings.destinationRole,
  actorRole: codings.sourceRole,
});
const recordKind = (action: EventKind['action']): EventKind => ({
  type: dcm('110110', 'Patient Record'),
  action,
  outcome: '0',
  gatewayRole: codings.application,
  actorRole: codings.author,
});

const EVENT_KINDS: Record<AuditAction | 'unknown', EventKind> = {
  received: importKind('0'),
  rejected: importKind('4'),
  // BALP Privacy Disclosure: the disclosure itself, and the steps that lead to it or follow it.
  disclosed: {
    ...exportKind('0'),
    subtype: {
      system: 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle',
      code: 'disclose',
      display: 'Disclose Record Lifecycle Event',
    },
  },
  // A disclosure the gateway refused (no agreement, no consent, ...): an export that did not happen.
  withheld: exportKind('4'),
  queued: exportKind('0'),
  'delivery-attempted': exportKind('0'),
  'delivery-failed': exportKind('8'),
  acknowledged: exportKind('0'),
  'status-changed': recordKind('U'),
  'worker-named': recordKind('U'),
  cancelled: recordKind('U'),
  'consent-withdrawn': recordKind('U'),
  purged: recordKind('D'),
  'audit-read': {
    type: dcm('110101', 'Audit Log Used'),
    action: 'R',
    outcome: '0',
    gatewayRole: codings.application,
    actorRole: codings.informationRecipient,
  },
  'registry-loaded': {
    type: dcm('110100', 'Application Activity'),
    subtype: dcm('110120', 'Application Start'),
    action: 'E',
    outcome: '0',
    gatewayRole: codings.application,
    actorRole: codings.author,
  },
  // `homeward keys rotate`: the gateway's signing keys (tokens, webhooks v1a, audit checkpoints).
  'keys-rotated': {
    type: dcm('110100', 'Application Activity'),
    action: 'U',
    outcome: '0',
    gatewayRole: codings.application,
    actorRole: codings.author,
  },
  unknown: {
    type: dcm('110100', 'Application Activity'),
    action: 'E',
    outcome: '0',
    gatewayRole: codings.application,
    actorRole: codings.author,
  },
};

/** The kind of a stored action; a value that is not ours (a tampered row) maps to `unknown`. */
export function eventKind(action: string): EventKind {
  return Object.hasOwn(EVENT_KINDS, action) ? EVENT_KINDS[action as AuditAction] : EVENT_KINDS.unknown;
}
