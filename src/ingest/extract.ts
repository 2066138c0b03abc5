/**
 * Readers shared by the content checks and the parser: which Encounter or ServiceRequest a
 * message is about, and which housing needs it records. Guards only: they also run on messages
 * that have not passed validation.
 */
import {
  allResources,
  asString,
  type Entry,
  headerOf,
  isObject,
  type Json,
  lookup,
  type Message,
  objects,
} from './message.js';
import type { IntakeProfiles } from './profiles.js';
import type { HousingNeed } from './types.js';

/** R5 Encounter.plannedEndDate used from R4 (FHIR cross-version extensions, R5 -> R4). */
export const PLANNED_END_URL =
  'http://hl7.org/fhir/5.0/StructureDefinition/extension-Encounter.plannedEndDate';

/** The resource of `type` in MessageHeader.focus, else the first of that type in the message. */
export function primaryOf(m: Message, type: string): Entry | undefined {
  const header = headerOf(m);
  if (header) {
    for (const f of objects(header.resource.focus)) {
      const found = lookup(m, f.reference, header);
      if (found.kind === 'found' && found.entry.type === type) return found.entry;
    }
  }
  return allResources(m).find((e) => e.type === type);
}

function codings(concept: unknown): Json[] {
  return isObject(concept) ? objects(concept.coding) : [];
}

/** Statuses that mean "this record is void": its codes say nothing about the person. */
function voided(e: Entry): boolean {
  if (e.resource.status === 'entered-in-error') return true;
  return codings(e.resource.verificationStatus).some(
    (c) => c.code === 'entered-in-error' || c.code === 'refuted',
  );
}

/** Housing need codes (profiles/codes/housing-need.json) in Condition.code, Flag.code, Observation.code/value. */
export function housingNeedsOf(m: Message, profiles: IntakeProfiles): HousingNeed[] {
  const needs: HousingNeed[] = [];
  for (const e of allResources(m)) {
    if (!['Condition', 'Flag', 'Observation'].includes(e.type) || voided(e)) continue;
    const candidates = codings(e.resource.code);
    if (
      e.type === 'Observation' &&
      candidates.some((c) => profiles.isHousingStatusObservation(asString(c.system), asString(c.code)))
    ) {
      candidates.push(...codings(e.resource.valueCodeableConcept));
    }
    for (const c of candidates) {
      const known = profiles.housingNeed(asString(c.system), asString(c.code));
      if (!known) continue;
      needs.push({
        system: known.system,
        code: known.code,
        ...(known.display ? { display: known.display } : {}),
        source: e.fullUrl ?? `${e.type}/${e.id ?? ''}`,
      });
    }
  }
  return needs;
}
