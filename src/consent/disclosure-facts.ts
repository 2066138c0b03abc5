/**
 * What the consent rules need to know about one disclosure beyond ODS codes (issue 17 item 2):
 * how the message names the recipient and the sending trust, and the records the referral
 * would draw on, so that `provision.data`, `dataPeriod`, `code` and `securityLabel` can be
 * judged against the data actually carried (FHIR R4 Consent, consent-definitions). Pure: built
 * from the message's resources before the decision.
 */
import type { Organization, Resource } from 'fhir/r4.js';
import type { DatasetField } from '../config/dataset-fields.js';
import { isOdsOrganisationSystem } from '../fhir/systems.js';

/** One record of the message, as the consent rules see it. */
export interface RecordFacts {
  /** Every reference that names it (fullUrl, `Type/id`). */
  references: readonly string[];
  resourceType: string;
  /** The dataset fields that can be drawn from it (FIELDS_BY_RESOURCE_TYPE). */
  fields: readonly DatasetField[];
  /** References it makes to other records (`data.meaning` related / dependents). */
  refersTo: readonly string[];
  /** Who wrote it (`data.meaning` authoredby). */
  authors: readonly string[];
  /** The clinical or operational time of the data (`dataPeriod`); absent when it has none or is unknown. */
  period?: { start?: string; end?: string };
  /** `true` for records that are about no time (a person's demographics, a ward, a professional). */
  timeless: boolean;
  /** `system|code` of every Coding in it (`provision.code`: "if this code is found in an instance"). */
  codes: readonly string[];
  /** `system|code` of its `meta.security` labels (`provision.securityLabel`). */
  labels: readonly string[];
}

export interface DisclosureFacts {
  /** Literal references in the message that resolve to the recipient (an Organization with its ODS code). */
  recipientReferences?: readonly string[];
  /** The sending trust, the custodian and author organisation of the data: its ODS code and references. */
  senderOds?: string;
  senderReferences?: readonly string[];
  /** The records of the message. Absent: unknown, and record-scoped provisions are read conservatively. */
  records?: readonly RecordFacts[];
}

/**
 * Which dataset fields each resource type can feed (src/mapping/*-fields.ts): over-approximate on
 * purpose. A deny of a record removes every field its type can feed; a permit of records permits
 * a field only when every record that can feed it is permitted (the mapping reads fields, not
 * records, so permitting one Flag must not send the others).
 */
export const FIELDS_BY_RESOURCE_TYPE: Readonly<Record<string, readonly DatasetField[]>> = {
  Patient: ['name', 'contactDetails', 'preferredContactMethod', 'language', 'nhsNumber', 'birthDate'],
  Encounter: [
    'admissionDate',
    'expectedDischargeDate',
    'serviceType',
    'ward',
    'keyWorker',
    'dischargeReadyDate',
    'dischargeDateTime',
    'dischargeDestination',
    'dischargeMethod',
    'housingDelayReasons',
    'wardSpecialty',
  ],
  Location: ['ward', 'wardSpecialty'],
  ServiceRequest: ['reason', 'chosenAuthority', 'referrer', 'adaptationNeeds'],
  Practitioner: ['referrer', 'keyWorker'],
  PractitionerRole: ['referrer', 'keyWorker'],
  Condition: ['reason', 'housingSituation', 'housingNeedCodes', 'supportNeeds'],
  Observation: [
    'reason',
    'housingSituation',
    'housingNeedCodes',
    'tenure',
    'landlordName',
    'adaptationNeeds',
  ],
  Flag: [
    'reason',
    'housingSituation',
    'housingNeedCodes',
    'riskFlags',
    'vulnerability',
    'accessibilityNeeds',
    'safeguardingFlags',
  ],
  Consent: ['consent'],
};

/** Records about no point in time: who someone is, a place, a professional, an organisation. */
const TIMELESS = new Set(['Patient', 'Location', 'Practitioner', 'PractitionerRole', 'Organization']);

/** Elements naming who wrote a record, per resource type (R4). */
const AUTHOR_ELEMENTS = ['author', 'recorder', 'asserter', 'requester', 'performer'];

type Json = unknown;

function collect(node: Json, out: { refs: Set<string>; codes: Set<string> }): void {
  // Stryker disable next-line ConditionalExpression,BlockStatement: only saves work: an array falls through to Object.entries below, which visits its elements the same way (its keys are indices, never meta or text)
  if (Array.isArray(node)) {
    for (const x of node) collect(x, out);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, Json>;
  if (typeof o.reference === 'string') out.refs.add(o.reference);
  if (typeof o.system === 'string' && typeof o.code === 'string') out.codes.add(`${o.system}|${o.code}`);
  for (const [k, v] of Object.entries(o)) if (k !== 'meta' && k !== 'text') collect(v, out);
}

function referencesIn(node: Json): string[] {
  const out = { refs: new Set<string>(), codes: new Set<string>() };
  collect(node, out);
  return [...out.refs];
}

/** The time of the data: its period, or the instant it was effective, recorded or authored. */
function periodOf(r: Record<string, Json>): RecordFacts['period'] {
  const period = (r.period ?? r.effectivePeriod) as { start?: string; end?: string } | undefined;
  if (period && (period.start || period.end)) {
    return { ...(period.start ? { start: period.start } : {}), ...(period.end ? { end: period.end } : {}) };
  }
  for (const k of [
    'effectiveDateTime',
    'onsetDateTime',
    'recordedDate',
    'authoredOn',
    'issued',
    'dateTime',
  ]) {
    const v = r[k];
    if (typeof v === 'string') return { start: v, end: v };
  }
  return undefined;
}

function recordOf(r: Resource, references: string[]): RecordFacts {
  const o = r as unknown as Record<string, Json>;
  const found = { refs: new Set<string>(), codes: new Set<string>() };
  collect(o, found);
  const period = periodOf(o);
  return {
    references,
    resourceType: r.resourceType,
    fields: FIELDS_BY_RESOURCE_TYPE[r.resourceType] ?? [],
    refersTo: [...found.refs],
    authors: AUTHOR_ELEMENTS.flatMap((k) => referencesIn(o[k])),
    ...(period ? { period } : {}),
    timeless: TIMELESS.has(r.resourceType),
    codes: [...found.codes],
    // Stryker disable next-line ArrayDeclaration: an element that is not a coding (a string) gives no label, as no element does
    labels: (r.meta?.security ?? []).flatMap((s) => (s.system && s.code ? [`${s.system}|${s.code}`] : [])),
  };
}

const hasOds = (r: Resource, ods: string) =>
  r.resourceType === 'Organization' &&
  // Stryker disable next-line ArrayDeclaration: an element that is not an identifier (a string) has no ODS system, as no element has
  ((r as Organization).identifier ?? []).some(
    (i) => isOdsOrganisationSystem(i.system) && i.value?.toUpperCase() === ods.toUpperCase(),
  );

/**
 * The facts of one disclosure from the message's resources (each held under every reference
 * that names it), the recipient's ODS code and the sender's.
 */
export function disclosureFacts(
  resources: ReadonlyMap<string, Resource>,
  recipientOds: string,
  senderOds: string,
): DisclosureFacts {
  const byResource = new Map<Resource, string[]>();
  for (const [ref, r] of resources) byResource.set(r, [...(byResource.get(r) ?? []), ref]);
  const all = [...byResource.entries()];
  return {
    recipientReferences: all.filter(([r]) => hasOds(r, recipientOds)).flatMap(([, refs]) => refs),
    senderOds,
    senderReferences: all.filter(([r]) => hasOds(r, senderOds)).flatMap(([, refs]) => refs),
    records: all.map(([r, refs]) => recordOf(r, refs)),
  };
}
