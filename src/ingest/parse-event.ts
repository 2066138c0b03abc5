/**
 * A checked message -> the ParsedEvent the decision pipeline reads (issue 4 item 7). Runs only
 * on messages that passed check-message.ts, so the shapes the profiles require are there.
 */
import type {
  CodeableConcept,
  Consent,
  Encounter,
  MessageHeader,
  Patient,
  Resource,
  ServiceRequest,
} from 'fhir/r4.js';
import type { EventCode, Partner, Priority, ReferralType } from '../config/registry-types.js';
import { currentAddress } from '../fhir/address.js';
import { BARS_REASON_SYSTEM, housingEventFor } from '../fhir/housing-events.js';
import { isValidNhsNumber, VERIFIED_STATUS_CODES } from '../fhir/nhs-number.js';
import { isNhsNumberSystem, isVerificationExtension } from '../fhir/systems.js';
import { REFERRAL_TYPE_SYSTEM } from '../referral/referral-task.js';
import { chosenOds } from './chosen-authority.js';
import { housingNeedsOf, PLANNED_END_URL, primaryOf } from './extract.js';
import { allResources, type Entry, headerOf, type Message } from './message.js';
import type { IntakeProfiles } from './profiles.js';
import type {
  CodeRef,
  MessageReason,
  ParsedEncounter,
  ParsedEvent,
  ParsedPatient,
  ParsedServiceRequest,
} from './types.js';

const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
/** v3 Confidentiality R (restricted) and V (very restricted): the person's record is protected. */
const RESTRICTED = new Set(['R', 'V']);

const as = <T extends Resource>(e: Entry) => e.resource as unknown as T;

function codes(concepts: CodeableConcept | CodeableConcept[] | undefined): CodeRef[] {
  return [concepts ?? []].flat().flatMap((c) =>
    (c.coding ?? []).flatMap((k) =>
      k.code
        ? [
            {
              code: k.code,
              ...(k.system ? { system: k.system } : {}),
              ...(k.display ? { display: k.display } : {}),
            },
          ]
        : [],
    ),
  );
}

function restricted(resource: { meta?: Resource['meta'] } | undefined): boolean {
  return (resource?.meta?.security ?? []).some(
    (s) => s.system === CONFIDENTIALITY && RESTRICTED.has(s.code ?? ''),
  );
}

/** Aliases of an entry: its fullUrl and `Type/id`, as other resources may refer to it. */
/**
 * A Consent carried as `urn:uuid:<u>` with no id gets `<u>` as its id, so decisions and the
 * audit can name it (`Consent/<u>`) in terms the trust recognises from its own message.
 */
function withId(c: Consent, fullUrl: string | undefined): Consent {
  if (c.id || !fullUrl?.startsWith('urn:uuid:')) return c;
  const id = fullUrl.slice('urn:uuid:'.length);
  return /^[A-Za-z0-9\-.]{1,64}$/.test(id) ? { ...c, id } : c;
}

function aliases(e: Entry): string[] {
  return [...new Set([e.fullUrl, e.id ? `${e.type}/${e.id}` : undefined].filter((a): a is string => !!a))];
}

function parsePatient(e: Entry, receivedAt: string): ParsedPatient {
  const p = as<Patient>(e);
  const id = (p.identifier ?? []).find((i) => isNhsNumberSystem(i.system) && isValidNhsNumber(i.value ?? ''));
  const nhsNumber = id?.value ?? '';
  if (!isValidNhsNumber(nhsNumber)) throw new Error('parsePatient: unchecked message');
  const status = id?.extension
    ?.filter((x) => isVerificationExtension(x.url))
    .flatMap((x) => x.valueCodeableConcept?.coding ?? [])
    .find((c) => c.code)?.code;
  const home = currentAddress(p.address, new Date(receivedAt));
  const postcode = home?.postalCode?.toUpperCase().replace(/\s+/g, '');
  const formatted = postcode ? `${postcode.slice(0, -3)} ${postcode.slice(-3)}` : undefined;
  return {
    references: aliases(e),
    nhsNumber,
    ...(status ? { nhsNumberStatus: status } : {}),
    verified: status !== undefined && VERIFIED_STATUS_CODES.has(status),
    ...(p.birthDate ? { birthDate: p.birthDate } : {}),
    deceased: p.deceasedBoolean === true || typeof p.deceasedDateTime === 'string',
    ...(formatted && postcode ? { postcode: formatted, postcodeDistrict: postcode.slice(0, -3) } : {}),
  };
}

function parseEncounter(e: Entry): ParsedEncounter {
  const enc = as<Encounter>(e);
  const identifier = enc.identifier?.find((i) => i.value);
  const plannedEnd = enc.extension?.find((x) => x.url === PLANNED_END_URL)?.valueDateTime;
  return {
    reference: aliases(e)[0] ?? e.expression,
    ...(identifier?.value
      ? {
          identifier: {
            value: identifier.value,
            ...(identifier.system ? { system: identifier.system } : {}),
          },
        }
      : {}),
    status: enc.status,
    class: enc.class.code ?? '',
    serviceTypes: codes(enc.serviceType),
    ...(enc.period?.start ? { start: enc.period.start } : {}),
    ...(enc.period?.end ? { end: enc.period.end } : {}),
    ...(plannedEnd ? { plannedEnd } : {}),
    dischargeDisposition: codes(enc.hospitalization?.dischargeDisposition),
    locations: (enc.location ?? []).flatMap((l) => (l.location.reference ? [l.location.reference] : [])),
  };
}

const REFERRAL_TYPES: readonly ReferralType[] = ['duty-to-refer', 'discharge-support', 'home-adaptation'];

function requestedType(sr: ServiceRequest): ReferralType | undefined {
  return codes(sr.category)
    .filter((c) => c.system === REFERRAL_TYPE_SYSTEM)
    .map((c) => c.code as ReferralType)
    .find((c) => REFERRAL_TYPES.includes(c));
}

function parseServiceRequest(m: Message, e: Entry): ParsedServiceRequest {
  const sr = as<ServiceRequest>(e);
  const performerOds = chosenOds(m, e);
  const referralType = requestedType(sr);
  return {
    reference: aliases(e)[0] ?? e.expression,
    status: sr.status,
    intent: sr.intent,
    priority: (sr.priority ?? 'routine') as Priority,
    performerOds,
    performers: (sr.performer ?? []).flatMap((p) => (p.reference ? [p.reference] : [])),
    ...(sr.requester?.reference ? { requester: sr.requester.reference } : {}),
    reasonCodes: codes(sr.reasonCode),
    ...(referralType ? { referralType } : {}),
  };
}

export interface ParseContext {
  partner: Partner;
  profiles: IntakeProfiles;
  receivedAt: string;
}

export function parseEvent(m: Message, ctx: ParseContext): ParsedEvent {
  const headerEntry = headerOf(m);
  const header = headerEntry ? as<MessageHeader>(headerEntry) : undefined;
  const event: EventCode | undefined = header?.eventCoding && housingEventFor(header.eventCoding);
  const patientEntry = primaryOf(m, 'Patient');
  if (!header || !event || !patientEntry) throw new Error('parseEvent: unchecked message');
  const reasonCode = header.reason?.coding?.find((c) => c.system === BARS_REASON_SYSTEM)?.code;
  const encounter = primaryOf(m, 'Encounter');
  const request = primaryOf(m, 'ServiceRequest');
  const resources = new Map<string, Resource>();
  for (const e of allResources(m))
    for (const a of aliases(e)) resources.set(a, e.resource as unknown as Resource);
  const timestamp = m.body.timestamp;
  return {
    messageId: header.id as string,
    sender: { partnerId: ctx.partner.id, odsCode: ctx.partner.odsCode },
    event,
    sentEvent: { system: header.eventCoding?.system ?? '', code: header.eventCoding?.code ?? '' },
    reason: (reasonCode ?? 'new') as MessageReason,
    occurredAt: typeof timestamp === 'string' ? timestamp : ctx.receivedAt,
    receivedAt: ctx.receivedAt,
    restricted: restricted(as<Patient>(patientEntry)) || restricted(m.body as { meta?: Resource['meta'] }),
    patient: parsePatient(patientEntry, ctx.receivedAt),
    ...(encounter ? { encounter: parseEncounter(encounter) } : {}),
    ...(request ? { serviceRequest: parseServiceRequest(m, request) } : {}),
    consents: allResources(m)
      .filter((e) => e.type === 'Consent')
      .map((e) => withId(as<Consent>(e), e.fullUrl)),
    housingNeeds: housingNeedsOf(m, ctx.profiles),
    focus: (header.focus ?? []).flatMap((f) => (f.reference ? [f.reference] : [])),
    resources,
  };
}
