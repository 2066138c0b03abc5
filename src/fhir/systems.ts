/**
 * Identifier and code systems national services publish under more than one URL (issue 17
 * item 3). The first spelling of each list is the current UK Core one: the gateway writes only
 * that one; it reads every spelling listed, because trusts copy payloads from whichever
 * specification their system was built against. Every reader of these systems (intake profiles,
 * content checks, parsing, consent evaluation) asks this module, so a spelling is added once.
 *
 * Where each spelling is published:
 * - UK Core R4 (HL7 UK, https://simplifier.net/hl7fhirukcorer4): NhsNumber identifier, UKCore
 *   Organization (odsOrganisationCode / odsSiteCode slices), Extension-UKCore-NHSNumberVerificationStatus
 *   bound to CodeSystem UKCore-NHSNumberVerificationStatusEngland (STU2 on) and, in STU1,
 *   UKCore-NHSNumberVerificationStatus.
 * - PDS FHIR API (NHSDigital/personal-demographics-service-api): specification/components/schemas/
 *   codeable/NHSNumberVerificationStatus.yaml (system fhir.hl7.org.uk UKCore-NHSNumberVerificationStatus,
 *   code "01"); specification/components/examples/Patient.json (the fhir.nhs.uk/R4 extension and
 *   CodeSystem spellings); specification/components/schemas/GeneralPractitionerReference.yaml
 *   (GP practice identifier system https://digital.nhs.uk/services/organisation-data-service).
 * - BaRS (NHSDigital/booking-and-referral-fhir-api): specification/examples/process_message/
 *   POST-111ToEDServiceRequest.json (UKCore-NHSNumberVerificationStatus with code
 *   number-present-and-verified).
 * - Care Connect STU3 (HL7 UK): Extension-CareConnect-NHSNumberVerificationStatus-1 and CodeSystem
 *   CareConnect-NHSNumberVerificationStatus-1 under https://fhir.hl7.org.uk/STU3/.
 * - GP Connect STU3 (NHS England, e.g. the GP Connect Patient examples): the GPC extension
 *   https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-NHSNumberVerificationStatus-1
 *   with CodeSystem https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1.
 * - GP Connect 0.x (DSTU2, foundations "Find a patient" / "Find an organisation"): the Spine
 *   systems http://fhir.nhs.net/Id/nhs-number, /ods-organization-code and /ods-site-code.
 * - The UK Core STU1 Organization guidance page spells the ODS system with an "s"
 *   (https://fhir.nhs.uk/Id/ods-organisation-code); trusts building from it send that spelling.
 */

/** NHS number (NHS Data Dictionary, NHS NUMBER). */
export const NHS_NUMBER_SYSTEMS = [
  'https://fhir.nhs.uk/Id/nhs-number',
  'http://fhir.nhs.net/Id/nhs-number',
] as const;

/** ODS organisation code (NHS Data Dictionary, ORGANISATION CODE). */
export const ODS_ORGANISATION_SYSTEMS = [
  'https://fhir.nhs.uk/Id/ods-organization-code',
  'https://fhir.nhs.uk/Id/ods-organisation-code',
  'https://digital.nhs.uk/services/organisation-data-service',
  'http://fhir.nhs.net/Id/ods-organization-code',
] as const;

/** ODS site code (a site of an organisation). */
export const ODS_SITE_SYSTEMS = [
  'https://fhir.nhs.uk/Id/ods-site-code',
  'http://fhir.nhs.net/Id/ods-site-code',
] as const;

/** The extension on Patient.identifier carrying the NHS number verification status. */
export const NHS_NUMBER_VERIFICATION_EXTENSIONS = [
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus',
  'https://fhir.nhs.uk/R4/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus',
  'https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1',
  'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-NHSNumberVerificationStatus-1',
] as const;

/** CodeSystems of that extension's valueCodeableConcept. */
export const NHS_NUMBER_VERIFICATION_SYSTEMS = [
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland',
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus',
  'https://fhir.nhs.uk/R4/CodeSystem/UKCore-NHSNumberVerificationStatus',
  'https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1',
  'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1',
] as const;

/**
 * The verification statuses (NHS Data Dictionary, NHS NUMBER STATUS INDICATOR CODE): the national
 * codes 01 to 08, and the word codes UK Core STU1 and BaRS publish for the same statuses (plus the
 * Welsh tracing one). PDS sends `01` under the STU1 system and BaRS the word code under it, so
 * each code is accepted under every system above.
 */
export const NHS_NUMBER_VERIFICATION_CODES = [
  '01',
  '02',
  '03',
  '04',
  '05',
  '06',
  '07',
  '08',
  'number-present-and-verified',
  'number-present-but-not-traced',
  'trace-required',
  'trace-attempted',
  'trace-needs-to-be-resolved',
  'trace-in-progress',
  'number-not-present-and-trace-not-required',
  'trace-postponed',
  'number-present-and-traced-using-welsh-nhs-ar',
] as const;

/** The spellings the gateway writes. */
export const NHS_NUMBER_SYSTEM = NHS_NUMBER_SYSTEMS[0];
export const ODS_ORGANISATION_SYSTEM = ODS_ORGANISATION_SYSTEMS[0];
export const ODS_SITE_SYSTEM = ODS_SITE_SYSTEMS[0];

const member =
  (list: readonly string[]) =>
  (system: unknown): boolean =>
    typeof system === 'string' && list.includes(system);

export const isNhsNumberSystem = member(NHS_NUMBER_SYSTEMS);
export const isOdsOrganisationSystem = member(ODS_ORGANISATION_SYSTEMS);
/** An ODS organisation or site code system (either names an ODS-registered place). */
export const isOdsSystem = member([...ODS_ORGANISATION_SYSTEMS, ...ODS_SITE_SYSTEMS]);
export const isVerificationExtension = member(NHS_NUMBER_VERIFICATION_EXTENSIONS);
export const isVerificationSystem = member(NHS_NUMBER_VERIFICATION_SYSTEMS);

/**
 * JSON Schema formats for the intake profiles (profiles/fhir/*.schema.json), so the profiles
 * name a kind of system and this module, not the profile, holds its spellings.
 */
export const SYSTEM_FORMATS: Readonly<Record<string, (value: string) => boolean>> = {
  'nhs-number-system': isNhsNumberSystem,
  'ods-system': isOdsSystem,
  'nhs-number-verification-extension': isVerificationExtension,
  'nhs-number-verification-system': isVerificationSystem,
};
