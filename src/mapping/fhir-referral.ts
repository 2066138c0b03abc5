/**
 * The FHIR form of a referral (issue 7 item 7), for recipients whose partner file asks for
 * `format: fhir`: a message Bundle centred on a ServiceRequest, in the style of NHS England's
 * Booking and Referral Standard (BaRS: event `servicerequest-request`, MessageHeader.focus the
 * ServiceRequest). It is built from the minimised dataset, never from the inbound message, so
 * it can hold nothing the dataset does not.
 */
import type { Bundle, BundleEntry, Extension, Reference } from 'fhir/r4.js';
import { structureDefinitionUrl } from '../fhir/homeward-base.js';
import { BARS_EVENT_SYSTEM } from '../fhir/housing-events.js';
import { nameUuid } from '../fhir/name-uuid.js';
import { ODS_SYSTEM, REFERRAL_ID_SYSTEM, REFERRAL_TYPE_SYSTEM } from '../referral/referral-task.js';
import type { Dataset } from './build-dataset.js';
import type { ReadmissionOf } from './context.js';
import type { DatasetChanges, UpdateCause } from './dataset-changes.js';
import { patientFrom, supportingFrom } from './fhir-referral-parts.js';
import { referralUpdateExtension } from './fhir-referral-update.js';

export interface FhirReferralInput {
  referralId: string;
  kind: 'referral' | 'update';
  type: string;
  priority: string;
  at: Date;
  sender: { odsCode: string; name: string };
  recipient: { odsCode: string; name: string };
  gatewayEndpoint: string;
  dataset: Dataset;
  /** The event that caused this message and what changed (MessageHeader extension referral-update). */
  cause: UpdateCause;
  changes: DatasetChanges;
}

/** The person's earlier referral this one follows (issue 19 item 5): a complex extension of ours. */
export const READMISSION_OF_URL = structureDefinitionUrl('readmission-of');

function readmissionExtension(r: ReadmissionOf): Extension {
  return {
    url: READMISSION_OF_URL,
    extension: [
      { url: 'sameRecipient', valueBoolean: r.sameRecipient },
      ...(r.referralId
        ? [{ url: 'referral', valueIdentifier: { system: REFERRAL_ID_SYSTEM, value: r.referralId } }]
        : []),
      { url: 'endedAt', valueDateTime: r.endedAt },
      ...(r.outcome ? [{ url: 'outcome', valueCode: r.outcome }] : []),
    ],
  };
}

const org = (o: { odsCode: string; name: string }): Reference => ({
  identifier: { system: ODS_SYSTEM, value: o.odsCode },
  display: o.name,
});

export function fhirReferral(input: FhirReferralInput): Bundle {
  // One name-based UUID per part of this referral's message (R4 `uuid`: a bare RFC 4122 UUID).
  const u = (n: string) => `urn:uuid:${nameUuid(`${input.referralId}/${n}`)}`;
  const d = input.dataset;
  const patient = patientFrom(d);
  const supporting = supportingFrom(d, u);
  const reasons = [
    ...(typeof d.reason === 'string' ? [{ text: d.reason }] : []),
    ...(
      (d.housingNeedCodes ??
        (d.housingSituation as { needs?: unknown[] } | undefined)?.needs ??
        []) as Array<{
        system?: string;
        code: string;
        display?: string;
      }>
    ).map((c) => ({
      coding: [
        {
          ...(c.system ? { system: c.system } : {}),
          code: c.code,
          ...(c.display ? { display: c.display } : {}),
        },
      ],
    })),
  ];
  const entries: BundleEntry[] = [
    {
      fullUrl: u('header'),
      resource: {
        resourceType: 'MessageHeader',
        extension: [referralUpdateExtension(input.cause, input.changes)],
        eventCoding: { system: BARS_EVENT_SYSTEM, code: 'servicerequest-request' },
        source: { name: 'Homeward', endpoint: input.gatewayEndpoint },
        sender: org(input.sender),
        destination: [{ endpoint: `urn:ods:${input.recipient.odsCode}`, receiver: org(input.recipient) }],
        reason: {
          coding: [
            {
              system: 'https://fhir.nhs.uk/CodeSystem/message-reason-bars',
              code: input.kind === 'update' ? 'update' : 'new',
            },
          ],
        },
        focus: [{ reference: u('request') }],
      },
    },
    {
      fullUrl: u('request'),
      resource: {
        resourceType: 'ServiceRequest',
        ...(d.readmissionOf ? { extension: [readmissionExtension(d.readmissionOf as ReadmissionOf)] } : {}),
        identifier: [{ system: REFERRAL_ID_SYSTEM, value: input.referralId }],
        status: 'active',
        intent: 'order',
        category: [
          {
            coding: [{ system: REFERRAL_TYPE_SYSTEM, code: input.type }],
          },
        ],
        priority: (['routine', 'urgent', 'asap', 'stat'].includes(input.priority)
          ? input.priority
          : 'routine') as 'routine',
        subject: { reference: u('patient') },
        authoredOn: input.at.toISOString(),
        requester: org(input.sender),
        performer: [org(input.recipient)],
        ...(reasons.length ? { reasonCode: reasons } : {}),
        ...(supporting.length
          ? { supportingInfo: supporting.map((s) => ({ reference: s.fullUrl as string })) }
          : {}),
      },
    },
    { fullUrl: u('patient'), resource: patient },
    ...supporting,
  ];
  return { resourceType: 'Bundle', type: 'message', timestamp: input.at.toISOString(), entry: entries };
}
