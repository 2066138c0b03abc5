/**
 * What the gateway needs from a message beyond its shapes (issue 4 items 2 and 4): a known
 * event, a BaRS reason, the caller as sender, one person, and the resources each event relies on.
 * Runs on unvalidated JSON, so every read goes through a guard. `pending` lists references still
 * to fetch: a requirement they may satisfy is not reported until they have been fetched.
 */
import type { EventCode, Partner } from '../config/registry-types.js';
import { BARS_REASON_SYSTEM, housingEventFor } from '../fhir/housing-events.js';
import type { Issue } from '../fhir/outcome.js';
import { isNhsNumberSystem, isOdsOrganisationSystem, ODS_ORGANISATION_SYSTEM } from '../fhir/systems.js';
import { dischargeIssues } from './discharge-checks.js';
import { housingNeedsOf, PLANNED_END_URL, primaryOf } from './extract.js';
import { issues } from './issues.js';
import {
  allResources,
  asString,
  type Entry,
  headerOf,
  isObject,
  lookup,
  type Message,
  objects,
} from './message.js';
import type { IntakeProfiles } from './profiles.js';
import type { RemoteCandidate } from './references.js';
import { MESSAGE_REASONS } from './types.js';

export interface ContentContext {
  partner: Partner;
  profiles: IntakeProfiles;
  pending: readonly RemoteCandidate[];
}

function odsCodes(resource: unknown): string[] {
  if (!isObject(resource)) return [];
  return objects(resource.identifier)
    .filter((i) => isOdsOrganisationSystem(i.system))
    .flatMap((i) => (typeof i.value === 'string' ? [i.value] : []));
}

function checkSender(m: Message, header: Entry, partner: Partner): Issue[] {
  const at = `${header.expression}.sender`;
  const sender = header.resource.sender;
  if (!isObject(sender)) return []; // schema: required
  const expected = { system: ODS_ORGANISATION_SYSTEM, code: partner.odsCode };
  const direct = odsCodes({ identifier: [sender.identifier] });
  if (direct.length > 0)
    return direct.includes(partner.odsCode)
      ? []
      : [issues.senderNotCaller(`${at}.identifier.value`, expected)];
  const found = lookup(m, sender.reference, header);
  if (found.kind === 'pending' || (found.kind === 'missing' && typeof sender.reference === 'string'))
    return [];
  if (found.kind !== 'found' || found.entry.type !== 'Organization') return [issues.senderMissing(at)];
  const codes = odsCodes(found.entry.resource);
  if (codes.length === 0) return [issues.senderMissing(`${found.entry.expression}.identifier`)];
  return codes.includes(partner.odsCode)
    ? []
    : [issues.senderNotCaller(`${found.entry.expression}.identifier`, expected)];
}

function checkReason(header: Entry): Issue[] {
  const reason = header.resource.reason;
  if (!isObject(reason)) return [];
  const bars = objects(reason.coding).findIndex((c) => c.system === BARS_REASON_SYSTEM);
  if (bars < 0) return [issues.unknownReason(`${header.expression}.reason`)];
  const code = objects(reason.coding)[bars]?.code;
  return MESSAGE_REASONS.some((r) => r === code)
    ? []
    : [issues.unknownReason(`${header.expression}.reason.coding[${bars}].code`)];
}

function nhsNumberOf(patient: Entry): string | undefined {
  return objects(patient.resource.identifier).find((i) => isNhsNumberSystem(i.system))?.value as
    | string
    | undefined;
}

function checkPatients(patients: Entry[], pending: boolean): Issue[] {
  if (patients.length === 0) {
    return pending
      ? []
      : [issues.missingResource('a Patient', 'every event is about one person, named by NHS number')];
  }
  const first = nhsNumberOf(patients[0] as Entry);
  return patients
    .slice(1)
    .flatMap((p) => (nhsNumberOf(p) === first ? [] : [issues.patientMismatch(p.expression)]));
}

/** The resources each event relies on (design.md: the decision and mapping stages read these). */
function checkEvent(event: EventCode, m: Message, ctx: ContentContext): Issue[] {
  const of = (type: string) => allResources(m).filter((e) => e.type === type);
  const pendingOf = (...types: string[]) => ctx.pending.some((p) => types.includes(p.type));
  const encounter = primaryOf(m, 'Encounter');
  const request = primaryOf(m, 'ServiceRequest');
  const needEncounter = () =>
    encounter || pendingOf('Encounter')
      ? []
      : [issues.missingResource('an Encounter', `a ${event} event is about a hospital stay`)];
  switch (event) {
    case 'admission':
      return needEncounter();
    case 'expected-discharge': {
      if (!encounter) return needEncounter();
      const planned = objects(encounter.resource.extension).some((x) => x.url === PLANNED_END_URL);
      return planned
        ? []
        : [
            issues.eventNeeds(
              `${encounter.expression}.extension`,
              `expected-discharge needs the planned discharge date (extension ${PLANNED_END_URL})`,
            ),
          ];
    }
    case 'discharge': {
      if (!encounter) return needEncounter();
      const period = encounter.resource.period;
      return isObject(period) && typeof period.end === 'string'
        ? []
        : [
            issues.eventNeeds(
              `${encounter.expression}.period.end`,
              'discharge needs the discharge date (Encounter.period.end)',
            ),
          ];
    }
    case 'housing-need-identified':
      return housingNeedsOf(m, ctx.profiles).length > 0 || pendingOf('Condition', 'Flag', 'Observation')
        ? []
        : [
            issues.missingResource(
              'a housing need',
              'a Condition, Flag or Observation coded from profiles/codes/housing-need.json',
            ),
          ];
    case 'referral-request':
    case 'referral-cancel': {
      if (!request) {
        return pendingOf('ServiceRequest')
          ? []
          : [issues.missingResource('a ServiceRequest', `a ${event} is about a referral`)];
      }
      const status = asString(request.resource.status);
      const cancelled = status === 'revoked' || status === 'entered-in-error';
      if (event === 'referral-cancel' && !cancelled) {
        return [
          issues.eventConflict(
            `${request.expression}.status`,
            'referral-cancel needs ServiceRequest.status revoked or entered-in-error',
          ),
        ];
      }
      return event === 'referral-request' && cancelled
        ? [
            issues.eventConflict(
              `${request.expression}.status`,
              'a revoked ServiceRequest is a referral-cancel, not a referral-request',
            ),
          ]
        : [];
    }
    case 'consent-updated':
      return of('Consent').length > 0 || pendingOf('Consent')
        ? []
        : [issues.missingResource('a Consent', 'consent-updated carries the Consent')];
  }
}

export function contentIssues(m: Message, ctx: ContentContext): Issue[] {
  const header = headerOf(m);
  if (!header) return [];
  const out: Issue[] = [...checkReason(header), ...checkSender(m, header, ctx.partner)];
  const patients = allResources(m).filter((e) => e.type === 'Patient');
  out.push(
    ...checkPatients(
      patients,
      ctx.pending.some((p) => p.type === 'Patient'),
    ),
  );
  const coding = header.resource.eventCoding;
  if (!isObject(coding)) return out; // schema: required
  const event = housingEventFor({ system: asString(coding.system), code: asString(coding.code) });
  if (!event) return [...out, issues.unknownEvent(`${header.expression}.eventCoding`)];
  return [...out, ...checkEvent(event, m, ctx), ...dischargeIssues(m)];
}
