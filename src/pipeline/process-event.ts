/**
 * From a stored event to decisions, referrals and outbox rows (issues 6 to 8), inside the
 * event's own transaction: every candidate recipient gets a Decision, stored and audited;
 * every permit becomes a referral (or an update of the episode's referral) with its minimised
 * dataset and a delivery row. Cancellations and consent withdrawals are handled here too.
 */
import type { AuditLog } from '../audit/types.js';
import type { Partner, Registry } from '../config/registry-types.js';
import { decide } from '../consent/decide.js';
import { linkReferral, recordDecision } from '../consent/decision-store.js';
import type { Decision, DecisionEvent } from '../consent/types.js';
import type { Ids } from '../ids.js';
import type { ParsedEvent } from '../ingest/types.js';
import type { DatasetValidators } from '../mapping/dataset-schemas.js';
import { candidates } from '../mapping/routing.js';
import type { Tx } from '../store/index.js';
import { cancelEpisode, withdrawConsent } from './cancellations.js';
import { referPermitted } from './refer.js';

export interface PipelineDeps {
  registry: Registry;
  audit: AuditLog;
  ids: Ids;
  datasets: DatasetValidators;
  /** Where the gateway receives messages (`${PUBLIC_URL}/fhir/$process-message`), named in FHIR-form referrals. */
  gatewayEndpoint?: string;
}

export interface PipelineInput {
  eventId: string;
  event: ParsedEvent;
  at: Date;
  requestId?: string;
}

/** What the trust learns per recipient (the Task in its response): nothing about the others. */
export interface RecipientOutcome {
  recipient: string;
  outcome: 'permit' | 'withhold' | 'cancelled';
  decisionId?: string;
  referralId?: string;
  /** Reason codes and texts, for a withheld or cancelled referral. */
  reasons: Array<{ code: string; text: string }>;
}

const isNoFixedAbode = (postcode: string | undefined) =>
  postcode?.replace(/\s+/g, '').toUpperCase() === 'ZZ993VZ';

export function decisionEvent(e: ParsedEvent): DecisionEvent {
  return {
    code: e.event,
    occurredAt: e.occurredAt,
    sender: e.sender.partnerId,
    restricted: e.restricted,
    ...(e.encounter
      ? { encounterClass: e.encounter.class, serviceTypes: e.encounter.serviceTypes.map((s) => s.code) }
      : {}),
    // ZZ99 3VZ is the NHS pseudo-postcode for no fixed abode: it places the person nowhere.
    ...(e.patient.postcodeDistrict && !isNoFixedAbode(e.patient.postcode)
      ? { postcodeDistrict: e.patient.postcodeDistrict }
      : {}),
    ...(e.serviceRequest ? { chosenRecipientOds: e.serviceRequest.performerOds } : {}),
  };
}

/** The decision for one candidate: the pure function, fed from the parsed event. */
export function decideFor(registry: Registry, event: ParsedEvent, recipient: Partner, at: Date): Decision {
  return decide({
    event: decisionEvent(event),
    patient: event.patient,
    recipient,
    agreements: registry.agreements,
    consents: event.consents,
    now: at,
  });
}

/** Later events of one stay update the same referral: the episode is the encounter identifier. */
export function episodeKey(e: ParsedEvent, eventId: string): string {
  const id = e.encounter?.identifier;
  if (id) return `${e.sender.partnerId}|${id.system ?? ''}|${id.value}`;
  return e.encounter
    ? `${e.sender.partnerId}|${e.encounter.reference}`
    : `${e.sender.partnerId}|event:${eventId}`;
}

export async function processEvent(
  deps: PipelineDeps,
  tx: Tx,
  input: PipelineInput,
): Promise<RecipientOutcome[]> {
  const { event } = input;
  if (event.event === 'referral-cancel' || event.reason === 'delete') {
    return cancelEpisode(deps, tx, input, episodeKey(event, input.eventId));
  }
  if (event.event === 'consent-updated') return withdrawConsent(deps, tx, input);
  const out: RecipientOutcome[] = [];
  for (const recipient of candidates(event, deps.registry)) {
    const decision = decideFor(deps.registry, event, recipient, input.at);
    const decisionId = deps.ids.next();
    await recordDecision(tx, { id: decisionId, eventId: input.eventId, decision, at: input.at });
    if (decision.outcome === 'withhold') {
      await auditWithheld(deps, tx, input, decision);
      out.push({ recipient: recipient.id, outcome: 'withhold', decisionId, reasons: decision.reasons });
      continue;
    }
    const referralId = await referPermitted(deps, tx, input, {
      decision,
      decisionId,
      recipient,
      episode: episodeKey(event, input.eventId),
    });
    await linkReferral(tx, decisionId, referralId);
    out.push({ recipient: recipient.id, outcome: 'permit', decisionId, referralId, reasons: [] });
  }
  return out;
}

async function auditWithheld(
  deps: PipelineDeps,
  tx: Tx,
  input: PipelineInput,
  d: Extract<Decision, { outcome: 'withhold' }>,
) {
  await deps.audit.append(tx, {
    action: 'withheld',
    actor: input.event.sender.partnerId,
    recipient: d.recipient,
    eventId: input.eventId,
    ...(d.agreement ? { agreement: d.agreement } : {}),
    consents: d.consents,
    subjectNhsNumber: input.event.patient.nhsNumber,
    ...(input.requestId ? { requestId: input.requestId } : {}),
    detail: { reasons: d.reasons.map((r) => ({ code: r.code, agreement: r.agreementId ?? null })) },
  });
}
