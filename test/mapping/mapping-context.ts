import type { FhirResource, Patient } from 'fhir/r4.js';
import type { DatasetField } from '../../src/config/dataset-fields.js';
import { loadRegistry } from '../../src/config/registry.js';
import type { Partner, ReferralType } from '../../src/config/registry-types.js';
import type { Decision } from '../../src/consent/types.js';
import type { ParsedEvent } from '../../src/ingest/types.js';
import type { MappingContext } from '../../src/mapping/context.js';
import { sampleEvent } from './sample-event.js';

const registry = loadRegistry('consent');
export const sampleSender = registry.partner('north-coast-trust') as Partner;
export const sampleRecipient = registry.partner('homegroup-discharge') as Partner;

export type Permit = Extract<Decision, { outcome: 'permit' }>;

/** A permit for `fields` resting on the sample's explicit consent (Consent/cons1). */
export function permit(type: ReferralType, fields: DatasetField[], over: Partial<Permit> = {}): Permit {
  return {
    outcome: 'permit',
    recipient: sampleRecipient.id,
    agreement: { id: 'a', version: 1, sha256: 'x' },
    referralType: type,
    purpose: 'p',
    lawfulBasis: { article6: '6(1)(e)', article9: '9(2)(h)', basis: 'explicit-consent' },
    fields,
    consents: [{ reference: 'Consent/cons1' }],
    reasons: [],
    ...over,
  };
}

/** What a reader sees: `event` (the sample admission by default) decided with `decision`. */
export function mappingContext(
  event: ParsedEvent = sampleEvent(),
  decision: Permit = permit('discharge-support', []),
): MappingContext {
  return { event, sender: sampleSender, recipient: sampleRecipient, decision };
}

/** The event's resources, to change in a test (the pipeline never writes to them). */
export const resourcesOf = (event: ParsedEvent) => event.resources as Map<string, FhirResource>;

/** The sample admission with its Patient changed by `change` (the rest as in the sample). */
export function withPatient(
  change: (p: Patient) => Patient,
  over: Partial<ParsedEvent> = {},
): MappingContext {
  const event = sampleEvent(over);
  const patient = event.resources.get('Patient/p1') as Patient;
  resourcesOf(event).set('Patient/p1', change(structuredClone(patient)) as FhirResource);
  return mappingContext(event);
}

/** The sample admission with `resources` added (by `Type/id`). */
export function withResources(resources: FhirResource[], over: Partial<ParsedEvent> = {}): MappingContext {
  const event = sampleEvent(over);
  for (const r of resources) resourcesOf(event).set(`${r.resourceType}/${r.id}`, r);
  return mappingContext(event);
}
