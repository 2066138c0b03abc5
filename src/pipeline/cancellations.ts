/**
 * Ending referrals (issue 6 item 6, issue 7 item 4): a `referral-cancel` event (or a BaRS
 * `delete` reason) cancels the episode's open referrals; a `consent-updated` event that leaves
 * no consent for a recipient withdraws its referral. Either way, messages not yet sent are
 * cancelled, and a recipient that already has the referral gets a notice holding nothing but
 * the referral id, through the same channel.
 */

import { evaluateConsents } from '../consent/consent-evaluation.js';
import {
  consentRefOf,
  minimised,
  recall,
  remember,
  stayOf,
  withRememberedPatient,
} from '../consent/consent-memory.js';
import { consentStillAllows } from '../consent/decide.js';
import { EVENT_TYPES, messageBody, sealFor } from '../outbox/envelope.js';
import { anyDelivered, cancelPending, enqueue } from '../outbox/outbox.js';
import { mustMoveReferral } from '../referral/move.js';
import type { ReferralRow } from '../referral/referral-store.js';
import { FINAL_STATUSES } from '../referral/status.js';
import type { Tx } from '../store/index.js';
import { gatherFrom } from './consent-stage.js';
import type { PipelineDeps, PipelineInput, RecipientOutcome } from './process-event.js';

async function endReferral(
  deps: PipelineDeps,
  tx: Tx,
  input: PipelineInput,
  r: ReferralRow,
  why: {
    kind: 'cancel' | 'consent-withdrawn';
    reasons: Array<{ code: string; text: string }>;
    /** What the `cancelled` entry names as the cause, when it is not the notice kind (e.g. `deceased`). */
    cause?: string;
  },
): Promise<RecipientOutcome> {
  const { at } = input;
  const cancelled = await cancelPending(tx, r.id, at);
  const recipient = deps.registry.partner(r.recipient);
  const notify = recipient !== undefined && (await anyDelivered(tx, r.id));
  if (notify && recipient) {
    const body = messageBody({ kind: why.kind, at, referralId: r.id });
    const sealed = await sealFor(recipient, body, { type: EVENT_TYPES[why.kind], at });
    await enqueue(tx, {
      id: deps.ids.next(),
      referralId: r.id,
      recipient: r.recipient,
      kind: why.kind,
      channel: recipient.delivery?.mode === 'webhook' ? 'webhook' : 'pull',
      payload: sealed.payload,
      payloadSha256: sealed.sha256,
      contentType: sealed.contentType,
      at,
      ...(input.correlationId ? { correlationId: input.correlationId } : {}),
    });
  }
  const common = {
    actor: input.event.sender.partnerId,
    recipient: r.recipient,
    referralId: r.id,
    eventId: input.eventId,
    subjectNhsNumber: input.event.patient.nhsNumber,
    ...(input.requestId ? { requestId: input.requestId } : {}),
    ...(input.correlationId ? { correlationId: input.correlationId } : {}),
  };
  if (why.kind === 'consent-withdrawn') {
    await deps.audit.append(tx, {
      ...common,
      action: 'consent-withdrawn',
      consents: input.event.consents.map((c) => ({
        reference: `Consent/${c.id ?? ''}`,
        ...(c.meta?.versionId ? { versionId: c.meta.versionId } : {}),
      })),
      detail: { reasons: why.reasons.map((x) => x.code) },
    });
  }
  // Every open status may be cancelled by the trust (src/referral/transitions.ts).
  await mustMoveReferral(tx, deps.audit, r, {
    to: 'cancelled',
    by: 'trust',
    at,
    entry: {
      ...common,
      action: 'cancelled',
      detail: { cause: why.cause ?? why.kind, unsentCancelled: cancelled.length, noticeQueued: notify },
    },
  });
  return { recipient: r.recipient, outcome: 'cancelled', referralId: r.id, reasons: why.reasons };
}

export async function cancelEpisode(deps: PipelineDeps, tx: Tx, input: PipelineInput, episode: string) {
  const open = await tx
    .selectFrom('referrals')
    .selectAll()
    .where('episode_key', '=', episode)
    .where('status', 'not in', [...FINAL_STATUSES])
    .execute();
  const reasons = [{ code: 'referral-cancelled', text: 'The trust cancelled the referral' }];
  const out: RecipientOutcome[] = [];
  for (const r of open) out.push(await endReferral(deps, tx, input, r, { kind: 'cancel', reasons }));
  return out;
}

/**
 * A later event of the stay whose decision withholds because the person withdrew or refused
 * (issue 17 item 11): the stay's open referral to that recipient ends as on a consent update.
 */
/**
 * A later event of the stay records the person as deceased (issue 17 item 3): nothing more may be
 * referred, so the stay's open referral to that recipient is cancelled, what is queued for it is
 * never sent, and a provider who already has it is told it is cancelled (the notice carries the
 * referral id only, never the fact of death).
 */
export async function deceasedInStay(
  deps: PipelineDeps,
  tx: Tx,
  input: PipelineInput,
  r: ReferralRow,
  reasons: Array<{ code: string; text: string }>,
): Promise<RecipientOutcome> {
  return endReferral(deps, tx, input, r, { kind: 'cancel', reasons, cause: 'deceased' });
}

export async function withdrawnInStay(
  deps: PipelineDeps,
  tx: Tx,
  input: PipelineInput,
  r: ReferralRow,
  reasons: Array<{ code: string; text: string }>,
): Promise<RecipientOutcome> {
  return endReferral(deps, tx, input, r, { kind: 'consent-withdrawn', reasons });
}

export async function withdrawConsent(deps: PipelineDeps, tx: Tx, input: PipelineInput) {
  const { event } = input;
  const open = await tx
    .selectFrom('referrals')
    .selectAll()
    .where('sender', '=', event.sender.partnerId)
    .where('subject_hmac', '=', deps.audit.subjectHash(event.patient.nhsNumber))
    .where('status', 'not in', [...FINAL_STATUSES])
    .execute();
  const out: RecipientOutcome[] = [];
  for (const r of open) {
    const agreement = deps.registry
      .versions(r.agreement_id ?? '')
      .find((a) => a.version === r.agreement_version);
    const recipient = deps.registry.partner(r.recipient);
    if (!agreement || !recipient) continue;
    // The new consents join those the referral rested on (issue 17 item 11): a later version
    // replaces its series, a new deny overrides, and what still stands is remembered.
    const key = { subjectHmac: r.subject_hmac ?? '', recipient: r.recipient, stay: stayOf(r.episode_key) };
    const gathered = gatherFrom(await recall(tx, key), key, event, input.at);
    const consents = gathered.consents.map((c) => c.resource);
    const check = consentStillAllows(agreement, {
      consents,
      patient: withRememberedPatient(event.patient),
      recipient,
      now: input.at,
    });
    // Only consents about this person are remembered (the evaluation names those it consulted).
    const about = new Set(
      evaluateConsents(consents, withRememberedPatient(event.patient), {
        recipientOds: recipient.odsCode,
        purpose: agreement.purpose,
        at: input.at,
        fields: [],
      }).consulted.map((c) => c.reference),
    );
    const kept = gathered.consents
      .filter((c) => about.has(consentRefOf(c.resource).reference))
      .map((c) => ({ ...c, resource: minimised(c.resource, event.patient) }));
    await remember(tx, key, kept, { trustSearched: gathered.trustSearched, at: input.at });
    if (check.ok) continue;
    out.push(await endReferral(deps, tx, input, r, { kind: 'consent-withdrawn', reasons: check.reasons }));
  }
  return out;
}
