/**
 * What mapping reads from: the parsed event (with its resources), the two organisations and the
 * permit decision. Readers look up resources by reference here; nothing else is reachable.
 */
import type { Encounter, Patient, Resource } from 'fhir/r4.js';
import type { Partner } from '../config/registry-types.js';
import type { Decision } from '../consent/types.js';
import type { ParsedEvent } from '../ingest/types.js';

/** The `readmissionOf` field as the referral stage worked it out (referral/readmissions.ts). */
export interface ReadmissionOf {
  sameRecipient: boolean;
  /** Only when the earlier referral went to this recipient. */
  referralId?: string;
  endedAt: string;
  outcome?: 'completed' | 'declined';
}

export interface MappingContext {
  event: ParsedEvent;
  sender: Partner;
  recipient: Partner;
  decision: Extract<Decision, { outcome: 'permit' }>;
  /** The person's earlier referral this stay follows, when it is a readmission (issue 19 item 5). */
  readmissionOf?: ReadmissionOf;
}

export function resource<T extends Resource>(
  ctx: MappingContext,
  reference: string | undefined,
  type: T['resourceType'],
): T | undefined {
  if (!reference) return undefined;
  const r = ctx.event.resources.get(reference);
  return r?.resourceType === type ? (r as T) : undefined;
}

export const patientOf = (ctx: MappingContext): Patient | undefined =>
  ctx.event.patient.references.map((r) => resource<Patient>(ctx, r, 'Patient')).find(Boolean);

export const encounterOf = (ctx: MappingContext): Encounter | undefined =>
  resource<Encounter>(ctx, ctx.event.encounter?.reference, 'Encounter');

/** Every distinct resource of the message (the map holds each under several references). */
export function allResources(ctx: MappingContext): Resource[] {
  return [...new Set(ctx.event.resources.values())];
}

/** `2026-11-20T14:00:00Z` -> `2026-11-20` (dates only: the time of admission is not needed). */
export const dateOnly = (v: string | undefined): string | undefined => (v ? v.slice(0, 10) : undefined);

export const nonEmpty = <T>(xs: T[]): T[] | undefined => (xs.length > 0 ? xs : undefined);
