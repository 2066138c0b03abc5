/**
 * One audit row as a FHIR R4 AuditEvent, in the style of IHE Basic Audit Log Patterns (BALP,
 * https://profiles.ihe.net/ITI/BALP/): a disclosure follows "Privacy Disclosure at Source" (type DICOM
 * 110106 Export, action R, subtype ISO 21089 `disclose`, a source agent, a recipient agent, the
 * custodian that released the data, the patient entity, the data entity). Other actions use the DICOM
 * event type that fits (Import, Audit Log Used, Application Activity, Patient Record) and always carry
 * the gateway's own action code as a subtype. The patient is named only by the subject HMAC, under a
 * gateway-specific identifier system: the NHS number never leaves the gateway in an audit export.
 */
import type {
  AuditEvent,
  AuditEventAgent,
  AuditEventEntity,
  CodeableConcept,
  Coding,
  Reference,
} from 'fhir/r4.js';
import type { Registry } from '../config/registry-types.js';
import type { AuditTable } from '../store/schema.js';
import { codings, type EventKind, eventKind, SYSTEMS } from './audit-event-codes.js';
import { toEntry } from './entries.js';

export interface AuditEventContext {
  registry: Registry;
  /** PUBLIC_URL: the gateway's network address in the source agent. */
  publicUrl: string;
}

const GATEWAY: Reference = {
  identifier: { system: SYSTEMS.partner, value: 'gateway' },
  display: 'Homeward health-to-housing referral gateway',
};

/** A partner by its ODS code (https://fhir.nhs.uk/Id/ods-organization-code) when the registry knows it. */
function organisation(id: string, ctx: AuditEventContext): Reference {
  if (id === 'gateway') return GATEWAY;
  const p = ctx.registry.partner(id);
  return p
    ? { type: 'Organization', identifier: { system: SYSTEMS.ods, value: p.odsCode }, display: p.name }
    : { type: 'Organization', identifier: { system: SYSTEMS.partner, value: id } };
}

function gatewayAgent(kind: EventKind, requestor: boolean, ctx: AuditEventContext): AuditEventAgent {
  return {
    type: { coding: [kind.gatewayRole] },
    who: GATEWAY,
    requestor,
    network: { address: ctx.publicUrl, type: '5' },
  };
}

function agents(row: AuditTable, kind: EventKind, ctx: AuditEventContext): AuditEventAgent[] {
  const list = [gatewayAgent(kind, row.actor === 'gateway', ctx)];
  if (row.recipient !== null) {
    const p = ctx.registry.partner(row.recipient);
    const url = p?.delivery?.mode === 'webhook' ? p.delivery.url : undefined;
    list.push({
      type: { coding: [codings.destinationRole] },
      who: organisation(row.recipient, ctx),
      requestor: row.actor === row.recipient,
      ...(url ? { network: { address: url, type: '5' as const } } : {}),
    });
  }
  if (row.actor !== null && row.actor !== 'gateway' && row.actor !== row.recipient) {
    list.push({ type: { coding: [kind.actorRole] }, who: organisation(row.actor, ctx), requestor: true });
  }
  return list;
}

const detail = (type: string, value: string | null) => (value === null ? [] : [{ type, valueString: value }]);
/** FHIR JSON has no empty arrays: `detail` only when there is one. */
const details = (list: Array<{ type: string; valueString: string }>) =>
  list.length > 0 ? { detail: list } : {};

function entities(row: AuditTable, ctx: AuditEventContext): AuditEventEntity[] {
  const e = toEntry(row);
  const list: AuditEventEntity[] = [];
  if (e.subject) {
    list.push({
      what: { type: 'Patient', identifier: { system: SYSTEMS.subject, value: e.subject } },
      type: codings.person,
      role: codings.patientRole,
    });
  }
  if (e.referralId || e.fields.length > 0 || e.payloadSha256) {
    list.push({
      ...(e.referralId ? { what: { identifier: { system: SYSTEMS.referral, value: e.referralId } } } : {}),
      type: codings.systemObject,
      role: codings.reportRole,
      ...details([
        ...detail('fields', e.fields.length > 0 ? e.fields.join(' ') : null),
        ...detail('payload-sha256', e.payloadSha256),
      ]),
    });
  }
  if (e.agreement) {
    const version = ctx.registry.versions(e.agreement.id).find((a) => a.version === e.agreement?.version);
    list.push({
      what: {
        identifier: { system: SYSTEMS.agreement, value: e.agreement.id },
        ...(version ? { display: version.title } : {}),
      },
      type: codings.systemObject,
      role: codings.securityResource,
      ...details([
        ...detail('version', row.agreement_version),
        ...detail('sha256', e.agreement.sha256),
        ...detail('lawful-basis', e.lawfulBasis),
      ]),
    });
  }
  for (const c of e.consents) {
    list.push({
      what: {
        type: 'Consent',
        identifier: {
          system: SYSTEMS.trustConsent,
          value: c.versionId ? `${c.reference}/_history/${c.versionId}` : c.reference,
        },
      },
      type: codings.consentType,
      role: codings.securityResource,
    });
  }
  if (row.action === 'audit-read' && row.detail !== null) {
    // BALP Query pattern: the filter used, base64 (the subject filter is already an HMAC).
    list.push({
      type: codings.systemObject,
      role: codings.queryRole,
      query: Buffer.from(row.detail).toString('base64'),
    });
  }
  // The chain link itself, so a FHIR consumer can tie the event back to the verified log.
  list.push({
    what: { identifier: { system: SYSTEMS.auditEntry, value: String(e.seq) } },
    type: codings.systemObject,
    role: codings.domainResource,
    detail: [
      ...detail('hash', e.hash),
      ...detail('prev-hash', e.prevHash),
      ...detail('request-id', e.requestId),
      ...detail('event-id', e.eventId),
      ...detail('detail', row.action === 'audit-read' ? null : row.detail),
    ],
  });
  return list;
}

/** FHIR R4 `code`: no leading, trailing or double whitespace (datatypes, "code"). */
const isCode = (text: string) => /^[^\s]+( [^\s]+)*$/.test(text);

/** The agreement's purpose code as a coding when it is a valid FHIR `code`, always as text. */
function purposeOf(purpose: string): CodeableConcept {
  return isCode(purpose)
    ? { coding: [{ system: SYSTEMS.purpose, code: purpose }], text: purpose }
    : { text: purpose };
}

export function toAuditEvent(row: AuditTable, ctx: AuditEventContext): AuditEvent {
  const kind = eventKind(row.action);
  const subtype: Coding[] = [
    ...(kind.subtype ? [kind.subtype] : []),
    ...(isCode(row.action) ? [{ system: SYSTEMS.action, code: row.action }] : []),
  ];
  const reasons = toEntry(row).detail?.reasons;
  return {
    resourceType: 'AuditEvent',
    id: `audit-${Number(row.seq)}`,
    type: kind.type,
    ...(subtype.length > 0 ? { subtype } : {}),
    action: kind.action,
    recorded: row.at,
    outcome: kind.outcome,
    ...(Array.isArray(reasons) ? { outcomeDesc: `${row.action}: ${reasons.join(', ')}` } : {}),
    ...(row.purpose ? { purposeOfEvent: [purposeOf(row.purpose)] } : {}),
    agent: agents(row, kind, ctx),
    source: { site: 'Homeward', observer: GATEWAY, type: [codings.applicationServer] },
    entity: entities(row, ctx),
  };
}
