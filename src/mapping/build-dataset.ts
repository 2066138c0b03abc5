/**
 * Minimisation (issue 7 item 3): a dataset is built by calling the reader of each field the
 * decision permits, and no other; a field outside that list is never read into the object.
 * The result is validated against the referral type's JSON Schema before it can be stored.
 */
import type { DatasetField } from '../config/dataset-fields.js';
import * as care from './care-fields.js';
import { readConsent } from './consent-field.js';
import type { MappingContext } from './context.js';
import * as discharge from './discharge-fields.js';
import * as home from './home-adaptation-fields.js';
import * as person from './person-fields.js';

type Reader = (ctx: MappingContext) => unknown;

const READERS: Readonly<Record<DatasetField, Reader>> = {
  name: person.readName,
  contactDetails: person.readContactDetails,
  preferredContactMethod: person.readPreferredContactMethod,
  language: person.readLanguage,
  nhsNumber: person.readNhsNumber,
  birthDate: person.readBirthDate,
  consent: readConsent,
  reason: care.readReason,
  housingSituation: care.readHousingSituation,
  housingNeedCodes: care.readHousingNeedCodes,
  serviceType: care.readServiceType,
  hospital: care.readHospital,
  ward: care.readWard,
  admissionDate: care.readAdmissionDate,
  expectedDischargeDate: care.readExpectedDischargeDate,
  dischargeReadyDate: discharge.readDischargeReadyDate,
  dischargeDateTime: discharge.readDischargeDateTime,
  dischargeDestination: discharge.readDischargeDestination,
  dischargeMethod: discharge.readDischargeMethod,
  housingDelayReasons: discharge.readHousingDelayReasons,
  wardSpecialty: discharge.readWardSpecialty,
  chosenAuthority: care.readChosenAuthority,
  referrer: care.readReferrer,
  keyWorker: care.readKeyWorker,
  supportNeeds: care.readSupportNeeds,
  vulnerability: care.readVulnerability,
  accessibilityNeeds: care.readAccessibilityNeeds,
  riskFlags: care.readRiskFlags,
  safeguardingFlags: care.readSafeguardingFlags,
  tenure: home.readTenure,
  landlordName: home.readLandlordName,
  adaptationNeeds: home.readAdaptationNeeds,
  readmissionOf: (ctx) => ctx.readmissionOf,
};

export type Dataset = Partial<Record<DatasetField, unknown>>;

export interface BuiltDataset {
  dataset: Dataset;
  /** Names of the fields present (what the audit records: names, never values). */
  fields: DatasetField[];
}

export function buildDataset(ctx: MappingContext): BuiltDataset {
  const dataset: Dataset = {};
  for (const field of ctx.decision.fields) {
    const value = READERS[field](ctx);
    if (value !== undefined) dataset[field] = value;
  }
  return { dataset, fields: Object.keys(dataset) as DatasetField[] };
}
