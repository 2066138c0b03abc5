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
import type { Logger } from '../log.js';
import type { BuiltDataset } from '../mapping/build-dataset.js';
import { DatasetInvalidError, type DatasetValidators } from '../mapping/dataset-schemas.js';
import { candidates } from '../mapping/routing.js';
import type { Tx } from '../store/index.js';
import { cancelEpisode, withdrawConsent } from './cancellations.js';
import { datasetFor, referPermitted } from './refer.js';

export interface PipelineDeps {
  registry: Registry;
  audit: AuditLog;
  ids: Ids;
  datasets: DatasetValidators;
  /** Where the gateway receives messages (`${PUBLIC_URL}/fhir/$process-message`), named in FHIR-form referrals. */
  gatewayEndpoint?: string;
  logger?: Logger;
}

export interface PipelineInput {
  eventId: string;
  event: ParsedEvent;
  at: Date;
  requestId?: string;
  /** The event's correlation id (issue 17 item 9): on its audit entries and outbox rows. */
  correlationId?: string;
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

/**
 * Later events of one stay update the same referral: the episode is the sender, the encounter
 * identifier (system and value) and the person (issue 17 item 1: the subject HMAC, so one
 * person's event can never update another's referral, whatever identifiers the trust reuses;
 * intake refuses an identifier already claimed by another person, ingest/episodes.ts).
 */
export function episodeKey(e: ParsedEvent, eventId: string, subjectHmac: string): string {
  const id = e.encounter?.identifier;
  const stay = id
    ? `${e.sender.partnerId}|${id.system ?? ''}|${id.value}`
    : e.encounter
      ? `${e.sender.partnerId}|${e.encounter.reference}`
      : `${e.sender.partnerId}|event:${eventId}`;
  return `${stay}|${subjectHmac}`;
}

export async function processEvent(
  deps: PipelineDeps,
  tx: Tx,
  input: PipelineInput,
): Promise<RecipientOutcome[]> {
  const { event } = input;
  const episode = episodeKey(event, input.eventId, deps.audit.subjectHash(event.patient.nhsNumber));
  if (event.event === 'referral-cancel' || event.reason === 'delete') {
    return cancelEpisode(deps, tx, input, episode);
  }
  if (event.event === 'consent-updated') return withdrawConsent(deps, tx, input);
  const out: RecipientOutcome[] = [];
  for (const recipient of candidates(event, deps.registry)) {
    let decision = decideFor(deps.registry, event, recipient, input.at);
    let built: BuiltDataset | undefined;
    if (decision.outcome === 'permit') {
      try {
        built = datasetFor(deps, event, decision, recipient);
      } catch (err) {
        if (!(err instanceof DatasetInvalidError)) throw err;
        // A gateway fault (mapping or schema), not the trust's: this recipient is withheld with
        // the reason, the other recipients and the message itself go on.
        deps.logger?.error(
          { recipient: recipient.id, referralType: err.type, problems: err.problems },
          'referral dataset failed its schema: withheld',
        );
        decision = datasetWithheld(decision, err);
      }
    }
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
      episode,
      built: built as BuiltDataset,
    });
    await linkReferral(tx, decisionId, referralId);
    out.push({ recipient: recipient.id, outcome: 'permit', decisionId, referralId, reasons: [] });
  }
  return out;
}

/** A permit whose dataset failed its schema becomes a withhold naming the failing paths (never values). */
function datasetWithheld(
  d: Extract<Decision, { outcome: 'permit' }>,
  err: DatasetInvalidError,
): Extract<Decision, { outcome: 'withhold' }> {
  return {
    outcome: 'withhold',
    recipient: d.recipient,
    agreement: d.agreement,
    consents: d.consents,
    reasons: [
      {
        code: 'dataset-invalid',
        text: `The ${err.type} referral built for this recipient does not match its dataset schema (${err.problems.join('; ')}); nothing was sent. This is a gateway fault: tell the gateway operator.`,
        agreementId: d.agreement.id,
      },
    ],
  };
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
    ...(input.correlationId ? { correlationId: input.correlationId } : {}),
    detail: { reasons: d.reasons.map((r) => ({ code: r.code, agreement: r.agreementId ?? null })) },
  });
}
