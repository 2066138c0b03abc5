/**
 * The FHIR form of "what caused this message and what changed" (issue 19 item 2): one complex
 * extension of the gateway's on the MessageHeader (R4 section 2.17, extensibility), because
 * neither FHIR nor BaRS has an element for it (BaRS MessageHeader.reason says only new / update).
 *
 *   https://homeward.example/fhir/StructureDefinition/referral-update
 *     cause         1..1 valueCoding  (homeward-housing-events: the event of the trust's message)
 *     occurredAt    1..1 valueDateTime
 *     sinceVersion  0..1 valuePositiveInt (absent for a first message)
 *     changed       0..* valueCode    (dataset field names)
 *     notDisclosed  0..* valueCode    (fields of the event the decision does not permit)
 */
import type { Bundle, Extension, MessageHeader } from 'fhir/r4.js';
import type { DatasetField } from '../config/dataset-fields.js';
import { structureDefinitionUrl } from '../fhir/homeward-base.js';
import { HOUSING_EVENTS_SYSTEM } from '../fhir/housing-events.js';
import type { DatasetChanges, UpdateCause } from './dataset-changes.js';

export const REFERRAL_UPDATE_URL = structureDefinitionUrl('referral-update');

export function referralUpdateExtension(cause: UpdateCause, changes: DatasetChanges): Extension {
  return {
    url: REFERRAL_UPDATE_URL,
    extension: [
      { url: 'cause', valueCoding: { system: HOUSING_EVENTS_SYSTEM, code: cause.event } },
      { url: 'occurredAt', valueDateTime: cause.occurredAt },
      ...(changes.sinceVersion !== null
        ? [{ url: 'sinceVersion', valuePositiveInt: changes.sinceVersion }]
        : []),
      ...changes.fields.map((f) => ({ url: 'changed', valueCode: f })),
      ...(changes.notDisclosed ?? []).map((f) => ({ url: 'notDisclosed', valueCode: f })),
    ],
  };
}

/** The changes a stored FHIR-form referral message carried (the inverse of the above). */
export function changesInFhir(payload: string): DatasetChanges | undefined {
  let bundle: Bundle;
  try {
    bundle = JSON.parse(payload) as Bundle;
  } catch {
    return undefined;
  }
  const header = bundle.entry?.[0]?.resource as MessageHeader | undefined;
  const ext = header?.extension?.find((x) => x.url === REFERRAL_UPDATE_URL)?.extension;
  if (!ext) return undefined;
  const codes = (url: string) =>
    ext.filter((x) => x.url === url && x.valueCode).map((x) => x.valueCode as DatasetField);
  const notDisclosed = codes('notDisclosed');
  return {
    sinceVersion: ext.find((x) => x.url === 'sinceVersion')?.valuePositiveInt ?? null,
    fields: codes('changed'),
    ...(notDisclosed.length ? { notDisclosed } : {}),
  };
}
