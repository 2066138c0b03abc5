/**
 * What every referral message says beside its dataset (issue 19 item 2): the event that caused
 * it, and which dataset fields changed since the previous version its recipient got, by name
 * (never values). A discharge is never an empty update: when the decision permits none of the
 * fields a discharge carries, the message still names the event, and `notDisclosed` says which
 * of its fields the agreement (or the person's consent) kept back.
 */
import { DATASET_FIELDS, type DatasetField } from '../config/dataset-fields.js';
import type { EventCode, ReferralType } from '../config/registry-types.js';
import { canonicalJson } from '../fhir/canonical-json.js';
import type { Dataset } from './build-dataset.js';

export interface UpdateCause {
  /** The housing event of the trust's message (MessageHeader.eventCoding, mapped: housing-events.ts). */
  event: EventCode;
  /** When it happened, as the trust said (Bundle.timestamp), else when the gateway received it. */
  occurredAt: string;
}

export interface DatasetChanges {
  /** The version the list is against (the previous one its recipient got); null for a first message. */
  sinceVersion: number | null;
  /** Fields added, changed or removed since then. */
  fields: DatasetField[];
  /** Fields this kind of event carries that the decision does not permit, so not sent. */
  notDisclosed?: DatasetField[];
}

/** The fields whose news an event is: a message of that event without them is worth saying why. */
export const EVENT_FIELDS: Partial<Readonly<Record<EventCode, readonly DatasetField[]>>> = {
  'expected-discharge': ['expectedDischargeDate', 'dischargeReadyDate', 'housingDelayReasons'],
  discharge: ['dischargeDateTime', 'dischargeDestination', 'dischargeMethod'],
};

/** Fields that differ between two datasets (added, changed or removed), in catalogue order. */
export function changedFields(
  type: ReferralType,
  before: Dataset | undefined,
  after: Dataset,
): DatasetField[] {
  return DATASET_FIELDS[type].filter((f) => {
    const a = before?.[f];
    const b = after[f];
    if (a === undefined || b === undefined) return a !== b;
    return canonicalJson(a) !== canonicalJson(b);
  });
}

export interface ChangesInput {
  type: ReferralType;
  event: EventCode;
  /** The fields the decision permits (agreement narrowed by consent). */
  permitted: readonly DatasetField[];
  /** The previous version queued for this recipient, if any. */
  previous?: { version: number; dataset: Dataset };
  dataset: Dataset;
  /**
   * What the newest still-unread pull message of the referral said: a pull read serves only the
   * newest message and supersedes the unread ones (delivery/inbox.ts), so its list carries over.
   */
  unread?: DatasetChanges;
}

export function datasetChanges(i: ChangesInput): DatasetChanges {
  const step = changedFields(i.type, i.previous?.dataset, i.dataset);
  const typeFields: readonly string[] = DATASET_FIELDS[i.type];
  const withheld = (EVENT_FIELDS[i.event] ?? []).filter(
    (f) => typeFields.includes(f) && !i.permitted.includes(f),
  );
  const fields = i.unread ? union(i.type, i.unread.fields, step) : step;
  const notDisclosed = i.unread?.notDisclosed ? union(i.type, i.unread.notDisclosed, withheld) : withheld;
  return {
    sinceVersion: i.unread ? i.unread.sinceVersion : (i.previous?.version ?? null),
    fields,
    ...(notDisclosed.length ? { notDisclosed } : {}),
  };
}

const union = (type: ReferralType, a: readonly DatasetField[], b: readonly DatasetField[]) =>
  DATASET_FIELDS[type].filter((f) => a.includes(f) || b.includes(f));

/** The changes a stored JSON referral message carried (messageBody in delivery/envelope.ts). */
export function changesInJson(payload: string): DatasetChanges | undefined {
  try {
    const changes = (JSON.parse(payload) as { data?: { changes?: DatasetChanges } }).data?.changes;
    return changes && Array.isArray(changes.fields) ? changes : undefined;
  } catch {
    return undefined;
  }
}
