/**
 * The transactional outbox (issue 8 item 1): a delivery row is written in the transaction that
 * creates or changes its referral, with the exact bytes to send. The worker claims due rows with
 * a lease (so several workers, and later several processes, never send one row at once; a lease
 * that expires lets another take over from a dead one) and records each outcome.
 */
import type { Db, Tx } from '../store/index.js';
import type { DeliveryTable } from '../store/schema.js';

export type DeliveryRow = DeliveryTable;
/**
 * `status`: a provider's answer pushed back to the sending trust's status webhook (issue 8 item 5);
 * `message`: a conversation message carried to the provider's webhook, `trust-message` one carried
 * to the sending trust's status webhook (issue 19 item 4).
 */
export type DeliveryKind =
  | 'referral'
  | 'update'
  | 'cancel'
  | 'consent-withdrawn'
  | 'status'
  | 'message'
  | 'trust-message';

/** Kinds sent to the sending trust's status webhook rather than to a recipient's webhook. */
export const toStatusWebhook = (kind: string) => kind === 'status' || kind === 'trust-message';

/** Conversation messages, whichever way they go. */
export const isMessageKind = (kind: string) => kind === 'message' || kind === 'trust-message';

export interface NewDelivery {
  id: string;
  referralId: string;
  recipient: string;
  kind: DeliveryKind;
  channel: 'webhook' | 'pull';
  payload: string;
  payloadSha256: string;
  contentType: string;
  at: Date;
  /** For referral and update messages: the decision and the field names the payload carries. */
  decisionId?: string;
  fields?: string[];
  /** The correlation id of the event that caused this message: sent with it (issue 17 item 9). */
  correlationId?: string;
}

/** Standard Webhooks id: stable for the message, so every retry carries the same one. */
export const webhookIdFor = (deliveryId: string) => `msg_${deliveryId}`;

export async function enqueue(tx: Tx, d: NewDelivery): Promise<void> {
  const at = d.at.toISOString();
  await tx
    .insertInto('deliveries')
    .values({
      id: d.id,
      referral_id: d.referralId,
      recipient: d.recipient,
      webhook_id: webhookIdFor(d.id),
      kind: d.kind,
      channel: d.channel,
      state: 'pending',
      attempts: 0,
      next_attempt_at: at,
      last_error: null,
      lease_owner: null,
      lease_expires_at: null,
      created_at: at,
      updated_at: at,
      payload: d.payload,
      payload_sha256: d.payloadSha256,
      content_type: d.contentType,
      delivered_at: null,
      decision_id: d.decisionId ?? null,
      fields: d.fields ? JSON.stringify(d.fields) : null,
      correlation_id: d.correlationId ?? null,
    })
    .execute();
}

/** Pending (not yet sent) deliveries of a referral are cancelled; returns how many. */
export async function cancelPending(tx: Tx, referralId: string, at: Date): Promise<DeliveryRow[]> {
  const pending = await tx
    .selectFrom('deliveries')
    .selectAll()
    .where('referral_id', '=', referralId)
    .where('state', '=', 'pending')
    .execute();
  if (pending.length > 0) {
    await tx
      .updateTable('deliveries')
      .set({ state: 'cancelled', updated_at: at.toISOString(), lease_owner: null, lease_expires_at: null })
      .where('referral_id', '=', referralId)
      .where('state', '=', 'pending')
      .execute();
  }
  return pending;
}

/** Has any message of this referral reached its recipient? */
export async function anyDelivered(db: Db | Tx, referralId: string): Promise<boolean> {
  const row = await db
    .selectFrom('deliveries')
    .select('id')
    .where('referral_id', '=', referralId)
    .where('state', '=', 'delivered')
    .executeTakeFirst();
  return row !== undefined;
}

/** The newest referral message of a pull recipient still unread (a read supersedes the older ones: inbox.ts). */
export async function newestUnreadPull(tx: Db | Tx, referralId: string): Promise<DeliveryRow | undefined> {
  return tx
    .selectFrom('deliveries')
    .selectAll()
    .where('referral_id', '=', referralId)
    .where('channel', '=', 'pull')
    .where('state', '=', 'pending')
    .where('kind', 'in', ['referral', 'update'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}
