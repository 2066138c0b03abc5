/**
 * Retention (issue 10 item 2): personal data is kept no longer than needed (UK GDPR Art. 5(1)(e),
 * storage limitation). What goes, and when:
 *
 * - raw inbound messages (events.payload, events.resolved, events.response): RETENTION_DAYS after
 *   they were received. The full FHIR bundle holds more than any referral; it is kept only while
 *   trusts may retry a message and support may need to look into a refusal. The hash stays, so a
 *   late retry is still recognised (the same content answers "already accepted", other content 409);
 * - referral datasets and the exact bytes sent (referrals.dataset, deliveries.payload), and the
 *   free text of the provider's answer (referrals.response: `note` and `reason.text`, which may
 *   name the person or where they now live), and the text of the conversation about it
 *   (referral_messages.text): REFERRAL_RETENTION_DAYS after the referral reached a
 *   final state (completed, declined, cancelled, failed), measured from its last change (README,
 *   Operating: why 90 days). The answer's status, reason code and outcome stay.
 *
 * Decisions, referral bookkeeping (status, due date, field names) and the audit are kept: they are
 * the record of what was shared, and hold no dataset values. Each purge is one transaction with
 * its `purged` audit entry (counts and cut-off times only), so the entry never claims more or less
 * than was removed. Safe to run from several processes at once: a second run finds nothing left.
 */
import { lockAuditChain } from '../audit/audit-log.js';
import type { AuditLog } from '../audit/types.js';
import { forgetEndedReferralData } from '../referral/referral-retention.js';
import { FINAL_STATUSES } from '../referral/status.js';
import type { Store } from '../store/index.js';

export interface RetentionPolicy {
  retentionDays: number;
  referralRetentionDays: number;
}

export interface PurgeResult {
  /** Events whose raw message (or fetched resources, or stored response) was emptied. */
  events: number;
  referrals: number;
  deliveries: number;
  /** Provider answers whose free text (`note`, `reason.text`) was removed. */
  answers: number;
  /** Conversation messages whose text was removed (issue 19 item 4). */
  messages: number;
  /** Referral steps whose facts (move date, named worker's contact) and note were removed (issue 19 item 3). */
  steps: number;
  /** Cut-offs used (ISO-8601): messages received before, referrals ended before. */
  messagesReceivedBefore: string;
  referralsEndedBefore: string;
}

const DAY_MS = 86_400_000;

export function purgedAnything(r: PurgeResult): boolean {
  return r.events + r.referrals + r.deliveries + r.answers + r.messages + r.steps > 0;
}

export async function purgeExpired(
  deps: { store: Store; audit: AuditLog },
  policy: RetentionPolicy & { now: Date; actor?: string },
): Promise<PurgeResult> {
  const messagesReceivedBefore = new Date(policy.now.getTime() - policy.retentionDays * DAY_MS).toISOString();
  const referralsEndedBefore = new Date(
    policy.now.getTime() - policy.referralRetentionDays * DAY_MS,
  ).toISOString();
  return deps.store.transaction(async (tx) => {
    // The audit entry below is written after these updates: take its lock first (audit-log.ts).
    await lockAuditChain(tx);
    const events = await tx
      .updateTable('events')
      .set({ payload: null, resolved: null, response: null })
      .where('received_at', '<', messagesReceivedBefore)
      .where((eb) =>
        eb.or([
          eb('payload', 'is not', null),
          eb('resolved', 'is not', null),
          eb('response', 'is not', null),
        ]),
      )
      .executeTakeFirst();
    const deliveries = await tx
      .updateTable('deliveries')
      .set({ payload: null })
      .where('payload', 'is not', null)
      .where('referral_id', 'in', (eb) =>
        eb
          .selectFrom('referrals')
          .select('id')
          .where('status', 'in', [...FINAL_STATUSES])
          .where('updated_at', '<', referralsEndedBefore),
      )
      .executeTakeFirst();
    const ended = await forgetEndedReferralData(tx, referralsEndedBefore);
    const result: PurgeResult = {
      events: Number(events.numUpdatedRows),
      referrals: ended.datasets,
      deliveries: Number(deliveries.numUpdatedRows),
      answers: ended.answers,
      messages: ended.messages,
      steps: ended.steps,
      messagesReceivedBefore,
      referralsEndedBefore,
    };
    // Nothing removed, nothing to record: a daily run on a quiet gateway adds no entries.
    if (purgedAnything(result)) {
      await deps.audit.append(tx, {
        action: 'purged',
        actor: policy.actor ?? 'gateway',
        detail: {
          ...result,
          retentionDays: policy.retentionDays,
          referralRetentionDays: policy.referralRetentionDays,
        },
      });
    }
    return result;
  });
}
