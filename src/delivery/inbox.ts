/**
 * The pull inbox (issue 8 item 3) for recipients with `delivery: pull` (and webhook recipients
 * reading what they were sent). Every query takes the caller's partner id: another partner's
 * referral does not exist for it (404, never 403; issue 3 item 4).
 *
 * Disclosure happens on the FIRST read of a pull delivery: `GET /referrals/:id` serves the newest
 * message and, if it was unread, records it exactly as a 2xx webhook is recorded (disclosure.ts),
 * in the read's own transaction. Listing discloses nothing: no dataset, only bookkeeping.
 */
import { lockAuditChain } from '../audit/audit-log.js';
import { referralForRecipient } from '../mapping/referral-store.js';
import type { Store, Tx } from '../store/index.js';
import { type DisclosureDeps, recordDisclosure } from './disclosure.js';
import type { DeliveryRow } from './outbox.js';

export type ReadResult =
  | { kind: 'message'; payload: string; contentType: string; webhookId: string; firstRead: boolean }
  | { kind: 'not-found' }
  | { kind: 'not-delivered' }
  | { kind: 'purged' };

/** The newest message the recipient may read: an unread or read pull message, or a delivered webhook. */
async function newestReadable(tx: Tx, referralId: string): Promise<DeliveryRow | undefined> {
  return tx
    .selectFrom('deliveries')
    .selectAll()
    .where('referral_id', '=', referralId)
    .where((eb) =>
      eb.or([
        eb.and([eb('channel', '=', 'pull'), eb('state', 'in', ['pending', 'delivered'])]),
        eb.and([eb('channel', '=', 'webhook'), eb('state', '=', 'delivered')]),
      ]),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/** Older unread pull messages are superseded by the newer one read (it holds the whole dataset). */
async function supersede(tx: Tx, deps: DisclosureDeps, read: DeliveryRow, at: Date, requestId?: string) {
  const older = await tx
    .selectFrom('deliveries')
    .selectAll()
    .where('referral_id', '=', read.referral_id)
    .where('channel', '=', 'pull')
    .where('state', '=', 'pending')
    .where('id', '!=', read.id)
    .execute();
  for (const d of older) {
    await tx
      .updateTable('deliveries')
      .set({ state: 'cancelled', last_error: `superseded by ${read.id}`, updated_at: at.toISOString() })
      .where('id', '=', d.id)
      .execute();
    await deps.audit.append(tx, {
      action: 'cancelled',
      actor: 'gateway',
      recipient: d.recipient,
      referralId: d.referral_id,
      ...(requestId ? { requestId } : {}),
      detail: { reason: 'superseded', deliveryId: d.id, kind: d.kind, supersededBy: read.id },
    });
  }
}

export interface ReadRequest {
  partnerId: string;
  referralId: string;
  at: Date;
  requestId?: string;
}

export async function readReferral(
  deps: DisclosureDeps & { store: Store },
  r: ReadRequest,
): Promise<ReadResult> {
  return deps.store.transaction(async (tx) => {
    // Reads come before writes here: take the write lock first (audit-log.ts, lockAuditChain).
    await lockAuditChain(tx);
    const referral = await referralForRecipient(tx, r.referralId, r.partnerId);
    if (!referral) return { kind: 'not-found' };
    const delivery = await newestReadable(tx, referral.id);
    if (!delivery) return { kind: 'not-delivered' };
    if (delivery.payload === null) return { kind: 'purged' };
    const firstRead = delivery.channel === 'pull' && delivery.state === 'pending';
    if (firstRead) {
      await recordDisclosure(tx, deps, {
        delivery,
        at: r.at,
        ...(r.requestId ? { requestId: r.requestId } : {}),
        detail: { readBy: r.partnerId },
      });
      await supersede(tx, deps, delivery, r.at, r.requestId);
    }
    return {
      kind: 'message',
      payload: delivery.payload,
      contentType: delivery.content_type ?? 'application/json',
      webhookId: delivery.webhook_id,
      firstRead,
    };
  });
}
