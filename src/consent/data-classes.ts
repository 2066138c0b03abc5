/**
 * Data classes a Consent provision can name (in `class`, `code` or `securityLabel`) and the
 * dataset fields each covers. A nested provision that denies a class narrows the dataset
 * instead of refusing the whole referral (issue 6: "these narrow the dataset fields").
 */
import type { Coding } from 'fhir/r4.js';
import type { DatasetField } from '../config/dataset-fields.js';

/** The gateway's own data-class codes (published in README, src/consent/README.md). */
export const DATA_CLASS_SYSTEM = 'https://homeward.example/fhir/CodeSystem/data-class';
/** HL7 v3 ActCode sensitivity codes (e.g. PSY, MH) used on Consent.provision.securityLabel. */
export const V3_ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

export const DATA_CLASSES: Readonly<Record<string, readonly DatasetField[]>> = {
  identity: ['name', 'nhsNumber', 'birthDate'],
  contact: ['contactDetails', 'preferredContactMethod'],
  housing: ['reason', 'housingSituation', 'housingNeedCodes', 'chosenAuthority'],
  'care-setting': ['hospital', 'ward', 'admissionDate', 'expectedDischargeDate', 'serviceType'],
  'support-needs': ['supportNeeds', 'accessibilityNeeds', 'language'],
  // A mental health inpatient stay is itself mental health information: the service type and
  // ward reveal it, as do support needs and risk flags written by the mental health team.
  'mental-health': ['serviceType', 'ward', 'supportNeeds', 'riskFlags'],
  safeguarding: ['safeguardingFlags', 'vulnerability', 'riskFlags'],
  'professional-contacts': ['referrer', 'keyWorker'],
};

/** v3 ActCode sensitivity codes mapped onto the classes above. */
const SENSITIVITY: Readonly<Record<string, string>> = {
  PSY: 'mental-health',
  MH: 'mental-health',
  ETH: 'mental-health',
  SDV: 'safeguarding',
  SEX: 'safeguarding',
};

/**
 * Fields covered by these codings, or `undefined` when none is a known data class (the
 * provision then applies to the whole dataset: an unknown class must never widen a permit,
 * and the caller treats unknown codes on a permit as covering nothing).
 */
export function fieldsOfCodings(codings: readonly Coding[]): { fields: Set<DatasetField>; unknown: number } {
  const fields = new Set<DatasetField>();
  let unknown = 0;
  for (const c of codings) {
    const cls =
      c.system === DATA_CLASS_SYSTEM
        ? c.code
        : c.system === V3_ACT_CODE && c.code
          ? SENSITIVITY[c.code]
          : undefined;
    const covered = cls ? DATA_CLASSES[cls] : undefined;
    if (covered) for (const f of covered) fields.add(f);
    else unknown++;
  }
  return { fields, unknown };
}
