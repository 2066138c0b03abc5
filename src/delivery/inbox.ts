/**
 * The pull inbox (issue 8 item 3) for recipients with `delivery: pull` (and webhook recipients
 * reading what they were sent). Every query takes the caller's partner id: another partner's
 * referral does not exist for it (404, never 403; issue 3 item 4).
 *
 * Disclosure happens on the FIRST read of a pull delivery: `GET /referrals/:id` serves the newest
 * message and, if it was unread, records it exactly as a 2xx webhook is recorded (disclosure.ts),
 * in the read's own transaction, after the send-time re-checks a webhook gets (first-read.ts).
 * Listing discloses nothing: no dataset, only bookkeeping, and no re-check.
 */
import { lockAuditChain } from '../audit/audit-log.js';
import type { ConsentRecheckTuning } from '../config/consent-recheck-settings.js';
import type { DeliveryRow } from '../outbox/outbox.js';
import { type ReferralRow, referralForRecipient } from '../referral/referral-store.js';
import type { Db, Tx } from '../store/index.js';
import { type DisclosureDeps, recordDisclosure } from './disclosure.js';
import { checkFirstRead, type FirstReadDeps } from './first-read.js';

export type ReadResult =
  | { kind: 'message'; payload: string; contentType: string; webhookId: string; firstRead: boolean }
  | { kind: 'not-found' }
  | { kind: 'not-delivered' }
  | { kind: 'purged' }
  /** Cancelled before anything of it reached this recipient (consent withdrawn, agreement ended). */
  | { kind: 'cancelled' }
  /** Not released: consent not confirmable now (`held`: dead-lettered past CONSENT_MAX_AGE_MS). */
  | { kind: 'consent-unconfirmed'; held: boolean }
  /** New messages kept arriving while this read checked them: read again. */
  | { kind: 'changing' };

export type InboxDeps = DisclosureDeps &
  FirstReadDeps & {
    /** CONSENT_RECHECK_AFTER_MS and CONSENT_MAX_AGE_MS, as the worker uses them. */
    settings: { delivery: ConsentRecheckTuning };
  };

/** The newest message the recipient may read: an unread or read pull message, or a delivered webhook. */
async function newestReadable(tx: Tx | Db, referralId: string): Promise<DeliveryRow | undefined> {
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

/** Passes of check-then-read before giving up on a referral that keeps changing (answered 503). */
const MAX_PASSES = 8;

/**
 * Check first (first-read.ts, outside any transaction: it may read the trust's server), then
 * read in a transaction that discloses only the row checked. Each cancellation recorded by the
 * checks ends one unread row, so a few passes reach what the referral holds now: an earlier
 * message, a notice, or nothing (`cancelled`).
 */
export async function readReferral(deps: InboxDeps, r: ReadRequest): Promise<ReadResult> {
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const referral = await referralForRecipient(deps.store.db, r.referralId, r.partnerId);
    if (!referral) return { kind: 'not-found' };
    const unread = await newestReadable(deps.store.db, referral.id);
    const toCheck = unread && isUnreadPull(unread) && unread.payload !== null ? unread : undefined;
    if (toCheck) {
      const check = await checkFirstRead(deps, deps.settings.delivery, { ...r, referral, delivery: toCheck });
      if (check.kind === 'unconfirmed' || check.kind === 'held')
        return { kind: 'consent-unconfirmed', held: check.kind === 'held' };
      if (check.kind === 'stopped') continue;
    }
    const result = await deps.store.transaction((tx) => serve(tx, deps, r, toCheck?.id));
    if (result.kind !== 'changed') return result;
  }
  return { kind: 'changing' };
}

const isUnreadPull = (d: DeliveryRow) => d.channel === 'pull' && d.state === 'pending';

async function serve(
  tx: Tx,
  deps: DisclosureDeps,
  r: ReadRequest,
  checked: string | undefined,
): Promise<ReadResult | { kind: 'changed' }> {
  // Reads come before writes here: take the write lock first (audit-log.ts, lockAuditChain).
  await lockAuditChain(tx);
  const referral = await referralForRecipient(tx, r.referralId, r.partnerId);
  if (!referral) return { kind: 'not-found' };
  const delivery = await newestReadable(tx, referral.id);
  if (!delivery) return nothingReadable(tx, referral);
  if (delivery.payload === null) return { kind: 'purged' };
  const firstRead = isUnreadPull(delivery);
  // Only the row the checks passed is disclosed; one that arrived since is checked first.
  if (firstRead && delivery.id !== checked) return { kind: 'changed' };
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
}

/** Why there is nothing to read: cancelled, held for consent, or (webhook) not delivered yet. */
async function nothingReadable(tx: Tx, referral: ReferralRow): Promise<ReadResult> {
  if (referral.status === 'cancelled') return { kind: 'cancelled' };
  const held = await tx
    .selectFrom('deliveries')
    .select('id')
    .where('referral_id', '=', referral.id)
    .where('channel', '=', 'pull')
    .where('state', '=', 'failed')
    .where('last_error', 'like', 'consent re-check:%')
    .executeTakeFirst();
  return held ? { kind: 'consent-unconfirmed', held: true } : { kind: 'not-delivered' };
}
