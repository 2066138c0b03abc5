/**
 * Recording a webhook attempt that did not deliver, or a delivery stopped before sending, each in
 * one transaction with its audit entry. Every write is conditional on the lease this worker holds:
 * a worker whose lease ran out (and whose row another worker took over) records nothing, so a
 * row's state and its audit trail only ever come from the worker that owns it. A pull message
 * stopped at its first read (inbox.ts) has no lease: the write is conditional on the row still
 * being an unread (`pending`) pull message, so two concurrent first reads record it once.
 */
import type { AuditInput, AuditLog, ConsentRef } from '../audit/types.js';
import type { Registry } from '../config/registry-types.js';
import type { Ids } from '../ids.js';
import { EVENT_TYPES, messageBody, sealFor } from '../outbox/envelope.js';
import { anyDelivered, cancelPending, type DeliveryRow, enqueue } from '../outbox/outbox.js';
import { agreementRefOf } from '../referral/agreement-ref.js';
import { moveReferral } from '../referral/move.js';
import { type ReferralRow, referralById } from '../referral/referral-store.js';
import { FINAL_STATUSES, isReferralStatus } from '../referral/status.js';
import { isLegalMove } from '../referral/transitions.js';
import type { Tx } from '../store/index.js';
import type { AttemptResult, NextStep } from './retry-policy.js';

export interface OutcomeDeps {
  audit: AuditLog;
  registry: Registry;
  /** Ids for a consent-withdrawn notice queued at send time. */
  ids?: Ids;
}

interface Owned {
  /** For a first read, the row with `attempts` already counting this read. */
  delivery: DeliveryRow;
  /** The worker holding the lease; `null` for a pull message at its first read (no lease). */
  owner: string | null;
  at: Date;
  requestId?: string;
  /** The partner whose first read of a pull message this is (named in the entries). */
  readBy?: string;
}

async function release(
  tx: Tx,
  o: Owned,
  set: { state: DeliveryRow['state']; next_attempt_at?: string; last_error: string },
): Promise<boolean> {
  const q = tx
    .updateTable('deliveries')
    .set({
      ...set,
      ...(o.owner === null ? { attempts: o.delivery.attempts } : {}),
      lease_owner: null,
      lease_expires_at: null,
      updated_at: o.at.toISOString(),
    })
    .where('id', '=', o.delivery.id);
  const r = await (o.owner === null
    ? q.where('channel', '=', 'pull').where('state', '=', 'pending')
    : q.where('state', '=', 'in-flight').where('lease_owner', '=', o.owner)
  ).executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/** Detail naming the reader of a pull message, so its entries say which read was stopped. */
const readOf = (o: Owned) => (o.readBy ? { channel: 'pull', readBy: o.readBy } : {});

async function referralOf(tx: Tx, id: string): Promise<ReferralRow> {
  const r = await referralById(tx, id);
  if (!r) throw new Error(`referral ${id} is gone`);
  return r;
}

/** The fields every entry about this delivery shares (no bodies, no personal data). */
function about(o: Owned, subjectHmac: string | null): Omit<AuditInput, 'action' | 'detail'> {
  return {
    actor: 'gateway',
    recipient: o.delivery.recipient,
    referralId: o.delivery.referral_id,
    ...(o.delivery.payload_sha256 ? { payloadSha256: o.delivery.payload_sha256 } : {}),
    ...(subjectHmac ? { subjectHmac } : {}),
    ...(o.requestId ? { requestId: o.requestId } : {}),
    ...(o.delivery.correlation_id ? { correlationId: o.delivery.correlation_id } : {}),
  };
}

/** A failed attempt: `delivery-attempted`, then either back to `pending` or dead-lettered. */
export async function recordFailedAttempt(
  tx: Tx,
  deps: OutcomeDeps,
  o: Owned & { result: Exclude<AttemptResult, { kind: 'delivered' }>; next: NextStep },
): Promise<boolean> {
  const { result, next } = o;
  const owned = await release(
    tx,
    o,
    next.kind === 'retry'
      ? { state: 'pending', next_attempt_at: next.at.toISOString(), last_error: result.error }
      : { state: 'failed', last_error: result.error },
  );
  if (!owned) return false;
  const referral = await referralOf(tx, o.delivery.referral_id);
  const common = about(o, referral.subject_hmac);
  await deps.audit.append(tx, {
    ...common,
    action: 'delivery-attempted',
    detail: {
      deliveryId: o.delivery.id,
      attempt: o.delivery.attempts,
      ...(result.status !== undefined ? { httpStatus: result.status } : {}),
      error: result.error,
      ...(next.kind === 'retry' && o.owner !== null ? { nextAttemptAt: next.at.toISOString() } : {}),
      ...readOf(o),
    },
  });
  if (next.kind === 'retry') return true;
  // A first message that never reached its recipient fails its referral (transitions.ts: queued -> failed).
  const failReferral =
    o.delivery.kind === 'referral' &&
    isReferralStatus(referral.status) &&
    isLegalMove(referral.status, 'failed', 'gateway');
  const entry = {
    ...common,
    action: 'delivery-failed' as const,
    detail: {
      deliveryId: o.delivery.id,
      attempts: o.delivery.attempts,
      reason: next.reason,
      lastError: result.error,
      ...readOf(o),
    },
  };
  const moved = failReferral
    ? await moveReferral(tx, deps.audit, referral, { to: 'failed', by: 'gateway', at: o.at, entry })
    : undefined;
  if (!moved?.ok) await deps.audit.append(tx, entry);
  return true;
}

export type CancelReason = 'agreement-ended' | 'referral-cancelled' | 'consent-withdrawn';

/** What the send-time consent re-check found (send-checks.ts): the consents read and why they no longer allow it. */
export interface ConsentWithdrawal {
  consents: ConsentRef[];
  reasons: string[];
}

/**
 * Stopped at send time: the agreement version no longer in force, the referral cancelled, or the
 * person's consent withdrawn (then audited as `consent-withdrawn` first, naming the consents).
 * A first message that never went out also ends its referral (`cancelled`, design.md lifecycle).
 */
export async function recordCancelledAtSend(
  tx: Tx,
  deps: OutcomeDeps,
  o: Owned & { reason: CancelReason; withdrawal?: ConsentWithdrawal },
): Promise<boolean> {
  const owned = await release(tx, o, { state: 'cancelled', last_error: `cancelled: ${o.reason}` });
  if (!owned) return false;
  const referral = await referralOf(tx, o.delivery.referral_id);
  // A first message that never went out ends its referral; consent withdrawn for an update of a
  // referral the recipient has ends it too, with a notice (endWithdrawnReferral).
  const endReferral =
    o.delivery.kind === 'referral' && (referral.status === 'queued' || referral.status === 'failed');
  const final = (FINAL_STATUSES as readonly string[]).includes(referral.status);
  const notice =
    o.withdrawal && !endReferral && !final ? await endWithdrawnReferral(tx, deps, o, referral) : undefined;
  const agreement = agreementRefOf(deps.registry, referral);
  if (o.withdrawal) {
    await deps.audit.append(tx, {
      ...about(o, referral.subject_hmac),
      action: 'consent-withdrawn',
      ...(agreement ? { agreement } : {}),
      consents: o.withdrawal.consents,
      detail: {
        reasons: o.withdrawal.reasons,
        deliveryId: o.delivery.id,
        // A first read of a pull message is its send (the disclosure happens there).
        detectedAt: 'send',
        ...readOf(o),
      },
    });
  }
  const entry = {
    ...about(o, referral.subject_hmac),
    action: 'cancelled' as const,
    ...(agreement ? { agreement } : {}),
    detail: {
      reason: o.reason,
      deliveryId: o.delivery.id,
      kind: o.delivery.kind,
      ...(notice ? { unsentCancelled: notice.unsentCancelled, noticeQueued: notice.queued } : {}),
      ...readOf(o),
    },
  };
  // A referral another transaction ended meanwhile keeps its status; the cancellation is recorded.
  const moved =
    endReferral || notice
      ? await moveReferral(tx, deps.audit, referral, { to: 'cancelled', by: 'gateway', at: o.at, entry })
      : undefined;
  if (!moved?.ok) await deps.audit.append(tx, entry);
  return true;
}

/**
 * Consent found withdrawn at send time for a referral the recipient already has (this message
 * was an update): the referral ends as on a consent update (src/pipeline/cancellations.ts): its
 * other unsent messages are cancelled and the recipient gets a notice holding only the referral id
 * (the caller then moves the referral to `cancelled`).
 */
async function endWithdrawnReferral(tx: Tx, deps: OutcomeDeps, o: Owned, referral: ReferralRow) {
  const unsent = await cancelPending(tx, referral.id, o.at);
  const recipient = deps.registry.partner(referral.recipient);
  const queued = recipient !== undefined && deps.ids !== undefined && (await anyDelivered(tx, referral.id));
  if (queued && recipient && deps.ids) {
    const body = messageBody({ kind: 'consent-withdrawn', at: o.at, referralId: referral.id });
    const sealed = await sealFor(recipient, body, { type: EVENT_TYPES['consent-withdrawn'], at: o.at });
    await enqueue(tx, {
      id: deps.ids.next(),
      referralId: referral.id,
      recipient: referral.recipient,
      kind: 'consent-withdrawn',
      channel: recipient.delivery?.mode === 'webhook' ? 'webhook' : 'pull',
      payload: sealed.payload,
      payloadSha256: sealed.sha256,
      contentType: sealed.contentType,
      at: o.at,
    });
  }
  return { unsentCancelled: unsent.length, queued };
}
