/**
 * Readers for the fields about the stay, the need and the professionals. Flags are sorted into
 * fields by category (FHIR flag-category: `safety` -> riskFlags, `behavioral` -> vulnerability,
 * `contact` -> accessibilityNeeds) or by the gateway data class `safeguarding`; see
 * profiles/datasets/README.md for the table.
 */
import type { Condition, Encounter, Flag, Location, Practitioner, PractitionerRole } from 'fhir/r4.js';
import { DATA_CLASS_SYSTEM } from '../consent/data-classes.js';
import { allResources, dateOnly, encounterOf, type MappingContext, nonEmpty, resource } from './context.js';

const HOMELESS = '32911000';

export function readReason(ctx: MappingContext) {
  const needs = ctx.event.housingNeeds;
  if (needs.some((n) => n.code === HOMELESS)) return 'homeless';
  return needs.length > 0 ? 'threatened-with-homelessness' : undefined;
}

const coded = (c: { system?: string; code: string; display?: string }) => ({
  code: c.code,
  ...(c.system ? { system: c.system } : {}),
  ...(c.display ? { display: c.display } : {}),
});

export function readHousingSituation(ctx: MappingContext) {
  const needs = ctx.event.housingNeeds.map(coded);
  return needs.length ? { needs } : undefined;
}

export const readHousingNeedCodes = (ctx: MappingContext) => nonEmpty(ctx.event.housingNeeds.map(coded));
export const readServiceType = (ctx: MappingContext) =>
  nonEmpty((ctx.event.encounter?.serviceTypes ?? []).map(coded));
export const readHospital = (ctx: MappingContext) => ({ odsCode: ctx.sender.odsCode, name: ctx.sender.name });
export const readAdmissionDate = (ctx: MappingContext) => dateOnly(ctx.event.encounter?.start);
export const readExpectedDischargeDate = (ctx: MappingContext) => dateOnly(ctx.event.encounter?.plannedEnd);

export function readWard(ctx: MappingContext) {
  // Stryker disable next-line ArrayDeclaration: a list holding a string that is no reference of the message finds no Location, as an empty list does
  for (const ref of ctx.event.encounter?.locations ?? []) {
    const name = resource<Location>(ctx, ref, 'Location')?.name;
    if (name) return name;
  }
  return undefined;
}

export function readChosenAuthority(ctx: MappingContext) {
  // Stryker disable next-line ArrayDeclaration: a list holding a string that is no ODS code never names the recipient, as an empty list does not
  const chosen = ctx.event.serviceRequest?.performerOds ?? [];
  return {
    odsCode: ctx.recipient.odsCode,
    name: ctx.recipient.name,
    chosenByPerson: chosen.includes(ctx.recipient.odsCode),
  };
}

/** A professional's name, role and work contact, from a PractitionerRole or a Practitioner. */
function professional(ctx: MappingContext, ref: string | undefined) {
  const role = resource<PractitionerRole>(ctx, ref, 'PractitionerRole');
  const person = resource<Practitioner>(ctx, role?.practitioner?.reference ?? ref, 'Practitioner');
  const name = person?.name?.[0];
  // Stryker disable next-line ArrayDeclaration: a string in the list has no system, so it is never the phone or the email found below
  const telecom = [...(role?.telecom ?? []), ...(person?.telecom ?? [])];
  const out = {
    ...(name ? { name: name.text ?? [...(name.given ?? []), name.family].filter(Boolean).join(' ') } : {}),
    ...(role?.code?.[0] ? { role: role.code[0].text ?? role.code[0].coding?.[0]?.display ?? '' } : {}),
    ...(telecom.find((t) => t.system === 'phone')?.value
      ? // Stryker disable next-line OptionalChaining: this branch runs only when the same find gave a value above
        { phone: telecom.find((t) => t.system === 'phone')?.value }
      : {}),
    ...(telecom.find((t) => t.system === 'email')?.value
      ? // Stryker disable next-line OptionalChaining: this branch runs only when the same find gave a value above
        { email: telecom.find((t) => t.system === 'email')?.value }
      : {}),
    ...(role?.organization?.display ? { organisation: role.organization.display } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}

export const readReferrer = (ctx: MappingContext) => professional(ctx, ctx.event.serviceRequest?.requester);

/** The encounter participant of type PPRF (primary performer) is the person's key worker on the ward. */
export function readKeyWorker(ctx: MappingContext) {
  const enc: Encounter | undefined = encounterOf(ctx);
  const p = enc?.participant?.find((x) => x.type?.some((t) => t.coding?.some((c) => c.code === 'PPRF')));
  return professional(ctx, p?.individual?.reference);
}

const housingCodes = (ctx: MappingContext) => new Set(ctx.event.housingNeeds.map((n) => n.code));
const textOf = (c: Condition['code'] | Flag['code']) => c?.text ?? c?.coding?.[0]?.display;

/** Active Flags of a category (or of our safeguarding data class), as plain text. */
function flagTexts(ctx: MappingContext, category: string, system?: string) {
  const housing = housingCodes(ctx);
  return nonEmpty(
    allResources(ctx)
      .filter((r): r is Flag => r.resourceType === 'Flag')
      .filter((f) => f.status === 'active')
      .filter((f) =>
        f.category?.some((c) =>
          c.coding?.some((x) => x.code === category && (!system || x.system === system)),
        ),
      )
      .filter((f) => !f.code.coding?.some((c) => c.code && housing.has(c.code)))
      .map((f) => textOf(f.code))
      .filter((t): t is string => !!t),
  );
}

export const readRiskFlags = (ctx: MappingContext) => flagTexts(ctx, 'safety');
export const readVulnerability = (ctx: MappingContext) => flagTexts(ctx, 'behavioral');
export const readAccessibilityNeeds = (ctx: MappingContext) => flagTexts(ctx, 'contact');
export const readSafeguardingFlags = (ctx: MappingContext) =>
  flagTexts(ctx, 'safeguarding', DATA_CLASS_SYSTEM);

/** Active conditions other than the housing need, by their display text: what support may be needed. */
export function readSupportNeeds(ctx: MappingContext) {
  const housing = housingCodes(ctx);
  return nonEmpty(
    allResources(ctx)
      .filter((r): r is Condition => r.resourceType === 'Condition')
      .filter((c) => c.clinicalStatus?.coding?.some((x) => x.code === 'active') ?? true)
      .filter((c) => !c.code?.coding?.some((x) => x.code && housing.has(x.code)))
      .map((c) => textOf(c.code))
      .filter((t): t is string => !!t),
  );
}
