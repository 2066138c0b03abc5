/**
 * The authority (or provider) the person chose, from ServiceRequest.performer (issue 17 item 10;
 * Housing Act 1996 s.213B(2): the person chooses the housing authority). R4 lets a performer be
 * an Organization, or a HealthcareService or PractitionerRole of one (R4 ServiceRequest.performer;
 * HealthcareService.providedBy, PractitionerRole.organization), and BaRS-style senders name the
 * receiving service: either way the ODS code is the organisation's. A performer that names no
 * organisation by ODS code says nothing about the choice.
 */
import { isOdsOrganisationSystem } from '../fhir/systems.js';
import { asArray, type Entry, isObject, type Json, lookup, type Message } from './message.js';

/** Where each kind of performer names its organisation. */
const ORGANISATION_OF: Readonly<Record<string, string>> = {
  HealthcareService: 'providedBy',
  PractitionerRole: 'organization',
};

function odsOf(identifiers: unknown): string[] {
  return asArray(identifiers).flatMap((i) =>
    isObject(i) && isOdsOrganisationSystem(i.system) && typeof i.value === 'string' && i.value
      ? [i.value]
      : [],
  );
}

/** The ODS codes of a Reference: its identifier, else the resource it resolves to (one hop to the organisation). */
function odsOfReference(m: Message, ref: Json, from: Entry, hops = 1): string[] {
  if (isObject(ref.identifier)) {
    const direct = odsOf([ref.identifier]);
    if (direct.length > 0) return direct;
  }
  const found = lookup(m, ref.reference, from);
  if (found.kind !== 'found') return [];
  const { entry } = found;
  if (entry.type === 'Organization') return odsOf(entry.resource.identifier);
  const via = ORGANISATION_OF[entry.type];
  const next = via ? entry.resource[via] : undefined;
  return hops > 0 && isObject(next) ? odsOfReference(m, next, entry, hops - 1) : [];
}

export function chosenOds(m: Message, serviceRequest: Entry): string[] {
  const performers = asArray(serviceRequest.resource.performer).filter(isObject);
  return [...new Set(performers.flatMap((p) => odsOfReference(m, p, serviceRequest)))];
}
