/**
 * From a stored event to decisions, referrals and outbox rows (issues 6 to 8), inside the
 * event's own transaction: every candidate recipient gets a Decision, stored and audited;
 * every permit becomes a referral (or an update of the episode's referral) with its minimised
 * dataset and a delivery row. Cancellations and consent withdrawals are handled here too.
 */
import type { AuditLog } from '../audit/types.js';
import type { Registry } from '../config/registry-types.js';
import { consentRefOf, minimised, remember } from '../consent/consent-memory.js';
import { linkReferral, recordDecision } from '../consent/decision-store.js';
import type { Decision } from '../consent/types.js';
import type { Ids } from '../ids.js';
import type { ParsedEvent } from '../ingest/types.js';
import type { Logger } from '../log.js';
import type { BuiltDataset } from '../mapping/build-dataset.js';
import type { DatasetValidators } from '../mapping/dataset-schemas.js';
import { candidates } from '../mapping/routing.js';
import { endedReferrals, offerFirst, otherStays, recordReadmission } from '../referral/readmissions.js';
import { openEpisodeReferral } from '../referral/referral-store.js';
import type { Tx } from '../store/index.js';
import { cancelEpisode, deceasedInStay, withdrawConsent, withdrawnInStay } from './cancellations.js';
import { consentStage, type Gathered } from './consent-stage.js';
import { referPermitted } from './refer.js';

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

export { decideFor, decisionEvent } from './consent-stage.js';

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
  const subjectHmac = deps.audit.subjectHash(event.patient.nhsNumber);
  const episode = episodeKey(event, input.eventId, subjectHmac);
  if (event.event === 'referral-cancel' || event.reason === 'delete') {
    return cancelEpisode(deps, tx, input, episode);
  }
  if (event.event === 'consent-updated') return withdrawConsent(deps, tx, input);
  const out: RecipientOutcome[] = [];
  // A readmission (issue 19 item 5): the person's referrals of earlier stays that ended lately;
  // the recipient of such a referral whose agreement allows follow-up is routed first.
  const history = otherStays(await endedReferrals(tx, subjectHmac, input.at), episode);
  const routed = offerFirst(candidates(event, deps.registry), deps.registry.agreements, {
    sender: event.sender.partnerId,
    history,
    at: input.at,
  });
  for (const recipient of routed) {
    const { decision, built, gathered, newReadmission } = await consentStage(deps, tx, {
      event,
      recipient,
      at: input.at,
      episode,
      history,
    });
    const decisionId = deps.ids.next();
    await recordDecision(tx, { id: decisionId, eventId: input.eventId, decision, at: input.at });
    // The consents this decision consulted stand for later events of the stay (issue 17 item 11).
    await rememberConsulted(tx, gathered, decision, event, input.at);
    if (decision.outcome === 'withhold') {
      await auditWithheld(deps, tx, input, decision);
      const ends = endsStay(decision);
      const open = ends ? await openEpisodeReferral(tx, episode, recipient.id) : undefined;
      // The person withdrew or refused (issue 17 item 11), or died (item 3): what is queued for
      // them must not go, and the stay's referral ends.
      if (open && ends === 'withdrawn')
        out.push(await withdrawnInStay(deps, tx, input, open, decision.reasons));
      else if (open) out.push(await deceasedInStay(deps, tx, input, open, decision.reasons));
      else out.push({ recipient: recipient.id, outcome: 'withhold', decisionId, reasons: decision.reasons });
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
    if (newReadmission)
      await recordReadmission(tx, { id: referralId, recipient: recipient.id }, newReadmission, input.at);
    out.push({ recipient: recipient.id, outcome: 'permit', decisionId, referralId, reasons: [] });
  }
  return out;
}

/** Whether a withholding decision ends the stay's open referral, and why. */
function endsStay(d: Decision): 'withdrawn' | 'deceased' | undefined {
  if (d.reasons.some((r) => r.code === 'deceased')) return 'deceased';
  if (d.reasons.some((r) => r.code === 'consent-withdrawn' || r.code === 'consent-denied'))
    return 'withdrawn';
  return undefined;
}

/** Keep what the decision consulted (consents about this person), minimised, as the stay's standing state. */
async function rememberConsulted(
  tx: Tx,
  gathered: Gathered,
  decision: Decision,
  event: ParsedEvent,
  at: Date,
): Promise<void> {
  const consulted = new Set(decision.consents.map((c) => c.reference));
  const kept = gathered.consents
    .filter((c) => consulted.has(consentRefOf(c.resource).reference))
    .map((c) => ({ ...c, resource: minimised(c.resource, event.patient) }));
  if (kept.length === 0 && !gathered.trustSearched) return;
  await remember(tx, gathered.key, kept, { trustSearched: gathered.trustSearched, at });
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
