/**
 * The dataset field catalogue: the names an agreement may list in `fields`, per referral type.
 * An agreement allows a subset (the minimum necessary, Caldicott principle 3); the mapping stage
 * drops every field the agreement does not name. consent/schema/agreement.schema.json enumerates
 * the union of these lists; the loader checks each agreement against its own referral type.
 */
import type { ReferralType } from './registry-types.js';

/** Fields every referral dataset carries. */
const COMMON_FIELDS = [
  'name',
  'contactDetails',
  'preferredContactMethod',
  'consent',
  'reason',
  'housingSituation',
  'hospital',
  'ward',
  'admissionDate',
  'expectedDischargeDate',
  // Discharge data (issue 19 item 2): when and where the stay ends, and what housing holds up.
  'dischargeReadyDate',
  'dischargeDateTime',
  'dischargeDestination',
  'housingDelayReasons',
  'referrer',
  'supportNeeds',
  'vulnerability',
  'accessibilityNeeds',
  'language',
  // The person's earlier referral that ended shortly before this stay (issue 19 item 5).
  'readmissionOf',
] as const;

/**
 * Duty to Refer (Housing Act 1996 s.213B): the person chooses the authority, and the statutory
 * referral carries contact details and the reason, not clinical identifiers; so no NHS number here.
 */
const DUTY_TO_REFER_FIELDS = [...COMMON_FIELDS, 'chosenAuthority'] as const;

/** Hospital discharge support: a commissioned service that works with the ward, so it needs more. */
const DISCHARGE_SUPPORT_FIELDS = [
  ...COMMON_FIELDS,
  'nhsNumber',
  'birthDate',
  'serviceType',
  'housingNeedCodes',
  'riskFlags',
  'safeguardingFlags',
  'keyWorker',
  // How the person left and the ward's specialty are clinical detail a discharge service works
  // with; a Duty to Refer carries no clinical identifiers, so not there.
  'dischargeMethod',
  'wardSpecialty',
] as const;

/**
 * Home adaptations and repairs (Care & Repair, handyperson and disabled facilities grant teams,
 * Housing Grants, Construction and Regeneration Act 1996 s.19-24): who the person is and how to
 * reach them (the home to adapt is their address), who owns the home, and what the occupational
 * therapist found; risk flags for the lone worker who visits. See profiles/datasets/README.md.
 */
const HOME_ADAPTATION_FIELDS = [
  ...COMMON_FIELDS,
  'nhsNumber',
  'birthDate',
  'riskFlags',
  'tenure',
  'landlordName',
  'adaptationNeeds',
] as const;

export type DatasetField =
  | (typeof DUTY_TO_REFER_FIELDS)[number]
  | (typeof DISCHARGE_SUPPORT_FIELDS)[number]
  | (typeof HOME_ADAPTATION_FIELDS)[number];

export const DATASET_FIELDS: Readonly<Record<ReferralType, readonly DatasetField[]>> = {
  'duty-to-refer': DUTY_TO_REFER_FIELDS,
  'discharge-support': DISCHARGE_SUPPORT_FIELDS,
  'home-adaptation': HOME_ADAPTATION_FIELDS,
};

/** Is `field` part of the dataset for `type`? */
export function isDatasetField(type: ReferralType, field: string): field is DatasetField {
  return (DATASET_FIELDS[type] as readonly string[]).includes(field);
}
