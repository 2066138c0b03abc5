/**
 * Readers of the home adaptation fields (issue 19 item 6), from the trust's records:
 *  - tenure: an Observation coded `tenure` (home-adaptation-record) whose valueCodeableConcept is a
 *    housing-tenure code or a SNOMED CT accommodation tenure finding, or an Observation whose code
 *    is such a finding (as GP and hospital systems record them);
 *  - landlordName: the `landlord` component (valueString) of that tenure Observation;
 *  - adaptationNeeds: home-adaptation-need codes in Observation.code / valueCodeableConcept (the
 *    occupational therapy assessment) or in ServiceRequest.reasonCode.
 * Void records (entered-in-error, cancelled) say nothing. Free text (notes) is never read.
 */
import type { CodeableConcept, Observation } from 'fhir/r4.js';
import {
  ADAPTATION_NEED_SYSTEM,
  ADAPTATION_NEEDS,
  type AdaptationNeed,
  adaptationNeedOf,
  HOME_RECORD_SYSTEM,
  needDisplay,
  TENURE_SYSTEM,
  type Tenure,
  tenureDisplay,
  tenureOf,
} from '../fhir/home-adaptation-codes.js';
import { allResources, type MappingContext, nonEmpty } from './context.js';

const VOID = new Set(['entered-in-error', 'cancelled']);

function observations(ctx: MappingContext): Observation[] {
  return allResources(ctx)
    .filter((r): r is Observation => r.resourceType === 'Observation')
    .filter((o) => !VOID.has(o.status));
}

const codings = (c: CodeableConcept | undefined) => c?.coding ?? [];
const isRecord = (c: CodeableConcept | undefined, code: string) =>
  codings(c).some((x) => x.system === HOME_RECORD_SYSTEM && x.code === code);

function tenureRecord(ctx: MappingContext): { observation: Observation; tenure: Tenure } | undefined {
  for (const o of observations(ctx)) {
    const from = isRecord(o.code, 'tenure') ? codings(o.valueCodeableConcept) : codings(o.code);
    const tenure = from.map(tenureOf).find((t) => t !== undefined);
    if (tenure) return { observation: o, tenure };
  }
  return undefined;
}

export function readTenure(ctx: MappingContext) {
  const found = tenureRecord(ctx);
  return found
    ? { system: TENURE_SYSTEM, code: found.tenure, display: tenureDisplay(found.tenure) }
    : undefined;
}

export function readLandlordName(ctx: MappingContext) {
  const found = tenureRecord(ctx);
  const name = found?.observation.component?.find((c) => isRecord(c.code, 'landlord'))?.valueString?.trim();
  return name ? name.slice(0, 200) : undefined;
}

export function readAdaptationNeeds(ctx: MappingContext) {
  const found = new Set<AdaptationNeed>();
  for (const o of observations(ctx))
    for (const c of [...codings(o.code), ...codings(o.valueCodeableConcept)]) {
      const need = adaptationNeedOf(c);
      if (need) found.add(need);
    }
  for (const c of ctx.event.serviceRequest?.reasonCodes ?? []) {
    const need = adaptationNeedOf(c);
    if (need) found.add(need);
  }
  // In the CodeSystem's order, so the same assessment always reads the same.
  return nonEmpty(
    ADAPTATION_NEEDS.filter((n) => found.has(n.code)).map((n) => ({
      system: ADAPTATION_NEED_SYSTEM,
      code: n.code,
      display: needDisplay(n.code),
    })),
  );
}
