/**
 * Readers for the discharge data (issue 19 item 2): when the person is clinically ready to leave,
 * when and how they left and where to, why housing is holding them, and the coarse specialty of
 * their ward. Where each is read from, and the standard behind it: src/fhir/discharge-codes.ts
 * and profiles/datasets/README.md.
 */
import type { CodeableConcept, Extension, Location } from 'fhir/r4.js';
import {
  DISCHARGE_READY_DATE_URL,
  HOUSING_DELAY_REASON_CODES,
  HOUSING_DELAY_REASON_SYSTEM,
  HOUSING_DELAY_REASON_URL,
  SERVICE_TYPE_SYSTEM,
  TREATMENT_FUNCTION_SYSTEM,
  UKCORE_DISCHARGE_DESTINATION_SYSTEMS,
  UKCORE_DISCHARGE_METHOD_SYSTEMS,
  UKCORE_DISCHARGE_METHOD_URL,
  V3_ROLE_CODE_SYSTEM,
  type WardSpecialty,
} from '../fhir/discharge-codes.js';
import type { CodeRef } from '../ingest/types.js';
import { dateOnly, encounterOf, type MappingContext, nonEmpty, resource } from './context.js';

const extensions = (ctx: MappingContext, url: string): Extension[] =>
  (encounterOf(ctx)?.extension ?? []).filter((x) => x.url === url);

const codingsOf = (c: CodeableConcept | undefined): CodeRef[] =>
  (c?.coding ?? []).flatMap((k) =>
    k.code
      ? [
          {
            code: k.code,
            ...(k.system ? { system: k.system } : {}),
            ...(k.display ? { display: k.display } : {}),
          },
        ]
      : [],
  );

/** The coding of a UK Core system when one is sent (the bindings are extensible), else the first. */
function preferred(codes: CodeRef[], systems: readonly string[]): CodeRef | undefined {
  return codes.find((c) => c.system && systems.includes(c.system)) ?? codes[0];
}

/** NHS England's Discharge Ready Date (a date: the day the person no longer met the criteria to reside). */
export function readDischargeReadyDate(ctx: MappingContext) {
  const x = extensions(ctx, DISCHARGE_READY_DATE_URL)[0];
  return dateOnly(x?.valueDate ?? x?.valueDateTime);
}

/** Encounter.period.end, as sent (a dateTime): the person has left. */
export const readDischargeDateTime = (ctx: MappingContext) => ctx.event.encounter?.end;

export const readDischargeDestination = (ctx: MappingContext) =>
  preferred(ctx.event.encounter?.dischargeDisposition ?? [], UKCORE_DISCHARGE_DESTINATION_SYSTEMS);

export function readDischargeMethod(ctx: MappingContext) {
  const codes = extensions(ctx, UKCORE_DISCHARGE_METHOD_URL).flatMap((x) =>
    codingsOf(x.valueCodeableConcept),
  );
  return preferred(codes, UKCORE_DISCHARGE_METHOD_SYSTEMS);
}

/** Codes of the gateway's CodeSystem only (intake refuses an unknown code of it, content.ts). */
export function readHousingDelayReasons(ctx: MappingContext) {
  const codes = extensions(ctx, HOUSING_DELAY_REASON_URL)
    .flatMap((x) => codingsOf(x.valueCodeableConcept))
    .filter((c) => c.system === HOUSING_DELAY_REASON_SYSTEM && HOUSING_DELAY_REASON_CODES.includes(c.code))
    .map((c) => c.code);
  return nonEmpty([...new Set(codes)]);
}

const SERVICE_TYPES: Readonly<Record<string, WardSpecialty>> = {
  'mental-health-inpatient': 'mental-health',
  'older-people-medicine': 'older-people',
  surgery: 'surgery',
  'general-acute': 'general-medicine',
};

/** NHS Data Dictionary TREATMENT FUNCTION CODE ranges, coarsely. */
function treatmentFunction(code: string): WardSpecialty {
  const n = /^[0-9]{3}$/.test(code) ? Number(code) : Number.NaN;
  if (n >= 700 && n <= 729) return 'mental-health';
  if (n === 430) return 'older-people';
  if (n >= 100 && n <= 179) return 'surgery';
  if (n >= 300 && n <= 499 && n !== 420) return 'general-medicine';
  return 'other';
}

function specialtyOf(c: CodeRef): WardSpecialty | undefined {
  if (c.system === TREATMENT_FUNCTION_SYSTEM) return treatmentFunction(c.code);
  if (c.system === SERVICE_TYPE_SYSTEM) return SERVICE_TYPES[c.code] ?? 'other';
  if (c.system === V3_ROLE_CODE_SYSTEM && c.code === 'PSYCHF') return 'mental-health';
  return undefined; // a system the gateway does not know: it cannot tell
}

/** Most protective first: a mental health code anywhere makes the ward mental-health. */
const RANK: readonly WardSpecialty[] = [
  'mental-health',
  'older-people',
  'surgery',
  'general-medicine',
  'other',
];

/** From Encounter.serviceType, then the type of the Encounter's Locations. */
export function readWardSpecialty(ctx: MappingContext): WardSpecialty | undefined {
  const locationTypes = (ctx.event.encounter?.locations ?? []).flatMap((ref) =>
    (resource<Location>(ctx, ref, 'Location')?.type ?? []).flatMap(codingsOf),
  );
  const found = new Set(
    [...(ctx.event.encounter?.serviceTypes ?? []), ...locationTypes]
      .map(specialtyOf)
      .filter((s): s is WardSpecialty => !!s),
  );
  return RANK.find((s) => found.has(s));
}
