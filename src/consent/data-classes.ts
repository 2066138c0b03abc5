/**
 * Data classes a Consent provision can name (in `class`, `code` or `securityLabel`) and the
 * dataset fields each covers. A nested provision that denies a class narrows the dataset
 * instead of refusing the whole referral (issue 6: "these narrow the dataset fields"); how the
 * classes combine with records, codes and labels is in data-scope.ts.
 */
import type { Coding } from 'fhir/r4.js';
import type { DatasetField } from '../config/dataset-fields.js';
import { codeSystemUrl } from '../fhir/homeward-base.js';

/** The gateway's own data-class codes (published in README, src/consent/README.md). */
export const DATA_CLASS_SYSTEM = codeSystemUrl('data-class');
/** HL7 v3 ActCode sensitivity codes (e.g. PSY, MH) used on Consent.provision.securityLabel. */
export const V3_ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

export const DATA_CLASSES: Readonly<Record<string, readonly DatasetField[]>> = {
  identity: ['name', 'nhsNumber', 'birthDate'],
  contact: ['contactDetails', 'preferredContactMethod'],
  housing: [
    'reason',
    'housingSituation',
    'housingNeedCodes',
    'chosenAuthority',
    'tenure',
    'landlordName',
    'housingDelayReasons',
  ],
  'care-setting': [
    'hospital',
    'ward',
    'admissionDate',
    'expectedDischargeDate',
    'serviceType',
    'readmissionOf',
    'dischargeReadyDate',
    'dischargeDateTime',
    'dischargeDestination',
    'dischargeMethod',
    'housingDelayReasons',
    'wardSpecialty',
  ],
  'support-needs': ['supportNeeds', 'accessibilityNeeds', 'language', 'adaptationNeeds'],
  // A mental health inpatient stay is itself mental health information: the service type and
  // ward reveal it, as do support needs and risk flags written by the mental health team; so do
  // the ward specialty, a destination such as a psychiatric unit and a discharge by a tribunal.
  'mental-health': [
    'serviceType',
    'ward',
    'supportNeeds',
    'riskFlags',
    'wardSpecialty',
    'dischargeDestination',
    'dischargeMethod',
  ],
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

/** A table's own entry for `key` (never one inherited from Object, such as `constructor`). */
function entryOf<T>(table: Readonly<Record<string, T>>, key: string | undefined): T | undefined {
  // Stryker disable next-line ConditionalExpression: for the types only: were it skipped, Object.hasOwn(table, undefined) is false (no table has an "undefined" key)
  if (key === undefined) return undefined;
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** The gateway data class a coding names (our own code system, or a v3 sensitivity code), if any. */
export function dataClassOf(c: Coding): string | undefined {
  const cls =
    c.system === DATA_CLASS_SYSTEM
      ? c.code
      : c.system === V3_ACT_CODE
        ? entryOf(SENSITIVITY, c.code)
        : undefined;
  return entryOf(DATA_CLASSES, cls) ? cls : undefined;
}

/** HL7 v3 Confidentiality, a high-water mark (U < L < M < N < R < V). */
export const V3_CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
const CONFIDENTIALITY_RANK: Readonly<Record<string, number>> = { U: 0, L: 1, M: 2, N: 3, R: 4, V: 5 };
/** Data without a confidentiality label is normal (N): restricted records are never sent automatically. */
export const NORMAL_CONFIDENTIALITY = 3;

/** The rank of a v3 Confidentiality coding, or `undefined` for any other coding. */
export function confidentialityRank(c: Coding): number | undefined {
  return c.system === V3_CONFIDENTIALITY ? entryOf(CONFIDENTIALITY_RANK, c.code) : undefined;
}
