/**
 * Recording a webhook attempt that did not deliver, or a delivery stopped before sending, each in
 * one transaction with its audit entry. Every write is conditional on the lease this worker holds:
 * a worker whose lease ran out (and whose row another worker took over) records nothing, so a
 * row's state and its audit trail only ever come from the worker that owns it.
 */
import type { AuditInput, AuditLog } from '../audit/types.js';
import type { Registry } from '../config/registry-types.js';
import type { Tx } from '../store/index.js';
import { agreementRefOf } from './disclosure.js';
import type { DeliveryRow } from './outbox.js';
import type { AttemptResult, NextStep } from './retry-policy.js';

export interface OutcomeDeps {
  audit: AuditLog;
  registry: Registry;
}

interface Owned {
  delivery: DeliveryRow;
  owner: string;
  at: Date;
  requestId?: string;
}

async function release(
  tx: Tx,
  o: Owned,
  set: { state: DeliveryRow['state']; next_attempt_at?: string; last_error: string },
): Promise<boolean> {
  const r = await tx
    .updateTable('deliveries')
    .set({ ...set, lease_owner: null, lease_expires_at: null, updated_at: o.at.toISOString() })
    .where('id', '=', o.delivery.id)
    .where('state', '=', 'in-flight')
    .where('lease_owner', '=', o.owner)
    .executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

async function referralOf(tx: Tx, id: string) {
  return tx.selectFrom('referrals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
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
      ...(next.kind === 'retry' ? { nextAttemptAt: next.at.toISOString() } : {}),
    },
  });
  if (next.kind === 'retry') return true;
  const failReferral = o.delivery.kind === 'referral' && referral.status === 'queued';
  if (failReferral) {
    await tx
      .updateTable('referrals')
      .set({ status: 'failed', updated_at: o.at.toISOString() })
      .where('id', '=', referral.id)
      .execute();
  }
  await deps.audit.append(tx, {
    ...common,
    action: 'delivery-failed',
    detail: {
      deliveryId: o.delivery.id,
      attempts: o.delivery.attempts,
      reason: next.reason,
      lastError: result.error,
      ...(failReferral ? { referralStatus: 'failed' } : {}),
    },
  });
  return true;
}

export type CancelReason = 'agreement-ended' | 'referral-cancelled';

/**
 * Stopped at send time: the agreement version no longer in force, or the referral cancelled.
 * A first message that never went out also ends its referral (`cancelled`, design.md lifecycle).
 */
export async function recordCancelledAtSend(
  tx: Tx,
  deps: OutcomeDeps,
  o: Owned & { reason: CancelReason },
): Promise<boolean> {
  const owned = await release(tx, o, { state: 'cancelled', last_error: `cancelled: ${o.reason}` });
  if (!owned) return false;
  const referral = await referralOf(tx, o.delivery.referral_id);
  const endReferral =
    o.delivery.kind === 'referral' && (referral.status === 'queued' || referral.status === 'failed');
  if (endReferral) {
    await tx
      .updateTable('referrals')
      .set({ status: 'cancelled', updated_at: o.at.toISOString() })
      .where('id', '=', referral.id)
      .execute();
  }
  const agreement = agreementRefOf(deps.registry, referral);
  await deps.audit.append(tx, {
    ...about(o, referral.subject_hmac),
    action: 'cancelled',
    ...(agreement ? { agreement } : {}),
    detail: {
      reason: o.reason,
      deliveryId: o.delivery.id,
      kind: o.delivery.kind,
      ...(endReferral ? { referralStatus: 'cancelled' } : {}),
    },
  });
  return true;
}
