/**
 * Deliveries as operators and auditors list them (issue 8 item 2: dead letters are
 * `state=failed`): bookkeeping only, never the payload. Isolation is part of the query.
 */
import type { AuditVisibility } from '../audit/types.js';
import type { Db } from '../store/index.js';
import { type Cursor, encodeCursor } from './page-cursor.js';

export type DeliveryState = 'pending' | 'in-flight' | 'delivered' | 'failed' | 'cancelled';
export const DELIVERY_STATES: readonly DeliveryState[] = [
  'pending',
  'in-flight',
  'delivered',
  'failed',
  'cancelled',
];

/** A delivery as operators and auditors see it: bookkeeping only, never the payload. */
export interface DeliverySummary {
  id: string;
  referralId: string;
  sender: string;
  recipient: string;
  kind: string;
  channel: string;
  state: string;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  webhookId: string;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

export interface DeliveryQuery {
  state?: DeliveryState;
  visibility: AuditVisibility;
  limit: number;
  after?: Cursor;
}

export async function listDeliveries(
  db: Db,
  q: DeliveryQuery,
): Promise<{ deliveries: DeliverySummary[]; nextCursor: string | null }> {
  if (q.visibility.kind === 'partners' && q.visibility.partners.length === 0) {
    return { deliveries: [], nextCursor: null };
  }
  let query = db
    .selectFrom('deliveries as d')
    .innerJoin('referrals as r', 'r.id', 'd.referral_id')
    .select([
      'd.id',
      'd.referral_id',
      'r.sender',
      'd.recipient',
      'd.kind',
      'd.channel',
      'd.state',
      'd.attempts',
      'd.next_attempt_at',
      'd.last_error',
      'd.webhook_id',
      'd.created_at',
      'd.updated_at',
      'd.delivered_at',
    ]);
  if (q.state) query = query.where('d.state', '=', q.state);
  const { visibility, after } = q;
  // Auditors see deliveries to or from the partners they audit (issue 5 isolation), in the query.
  if (visibility.kind === 'partners') {
    const ids = [...visibility.partners];
    query = query.where((eb) => eb.or([eb('d.recipient', 'in', ids), eb('r.sender', 'in', ids)]));
  }
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('d.created_at', '>', after.key),
        eb.and([eb('d.created_at', '=', after.key), eb('d.id', '>', after.id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('d.created_at')
    .orderBy('d.id')
    .limit(q.limit + 1)
    .execute();
  const shown = rows.slice(0, q.limit);
  const last = shown[shown.length - 1];
  return {
    deliveries: shown.map((r) => ({
      id: r.id,
      referralId: r.referral_id,
      sender: r.sender,
      recipient: r.recipient,
      kind: r.kind,
      channel: r.channel,
      state: r.state,
      attempts: r.attempts,
      nextAttemptAt: r.next_attempt_at,
      lastError: r.last_error,
      webhookId: r.webhook_id,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      deliveredAt: r.delivered_at,
    })),
    nextCursor: rows.length > q.limit && last ? encodeCursor({ key: last.created_at, id: last.id }) : null,
  };
}
