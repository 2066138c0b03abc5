/**
 * Consents kept on the trust's own FHIR server (issue 6 item 3): when an agreement that could
 * apply to this event says `consent.source: trust-fhir`, the person's active Consents are
 * searched there before any decision (the decision itself does no I/O). Like remote references,
 * a server that fails answers 502 (504 on timeout) and nothing is stored: the trust resends.
 * A fetched Consent that does not match our profile is a bad response, not something to skip:
 * skipping a deny could disclose what the person refused.
 */
import type { Consent } from 'fhir/r4.js';
import type { Partner, Registry } from '../config/registry-types.js';
import { OutcomeError, outcome } from '../fhir/outcome.js';
import type { TrustFhir } from '../fhir/trust-fhir.js';
import { issues } from './issues.js';
import type { IntakeProfiles } from './profiles.js';
import type { ParsedEvent } from './types.js';

export const CONSENT_SEARCH_DEADLINE_MS = 10_000;

export function needsTrustConsents(registry: Registry, sender: Partner, event: ParsedEvent): boolean {
  return registry.agreements.some(
    (a) =>
      a.discloser === sender.id &&
      a.status === 'active' &&
      a.consent.source === 'trust-fhir' &&
      a.triggers.includes(event.event),
  );
}

export async function withTrustConsents(
  event: ParsedEvent,
  ctx: { registry: Registry; sender: Partner; trustFhir: TrustFhir; profiles: IntakeProfiles },
): Promise<ParsedEvent> {
  if (!needsTrustConsents(ctx.registry, ctx.sender, event)) return event;
  const at = 'Consent?patient:identifier';
  const found = await ctx.trustFhir.searchConsents(
    ctx.sender,
    event.patient.nhsNumber,
    AbortSignal.timeout(CONSENT_SEARCH_DEADLINE_MS),
  );
  if (found.kind === 'failed') {
    const issue =
      found.failure === 'timeout'
        ? issues.remoteTimeout(at)
        : issues.remoteUnavailable(at, `consent search failed (${found.failure})`);
    throw new OutcomeError(found.failure === 'timeout' ? 504 : 502, outcome([issue]));
  }
  const validate = ctx.profiles.resource('Consent');
  if (validate && found.resources.some((r) => !validate(r))) {
    throw new OutcomeError(
      502,
      outcome([issues.remoteUnavailable(at, 'a Consent from the server is not valid')]),
    );
  }
  const known = new Set(event.consents.map((c) => c.id));
  const listed = found.resources as unknown as Consent[];
  const extra = listed.filter((c) => !c.id || !known.has(c.id));
  return { ...event, consents: [...event.consents, ...extra], trustConsents: listed };
}
