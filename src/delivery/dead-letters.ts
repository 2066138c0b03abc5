/**
 * Dead letters (issue 8 item 2): deliveries that ended `failed` stay visible, and an operator can
 * replay them once the cause is fixed (the recipient's endpoint is back, its secret set). A replay
 * puts the row back to `pending` with no attempts, keeping its `webhook-id` (a recipient that did
 * get an earlier attempt can still de-duplicate), and is audited in the same transaction.
 */
import { lockAuditChain } from '../audit/audit-log.js';
import type { AuditLog, AuditVisibility } from '../audit/types.js';
import type { Db, Store, Tx } from '../store/index.js';
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

export interface ReplayDeps {
  store: Store;
  audit: AuditLog;
}

export type ReplayResult = 'replayed' | 'not-found' | 'not-failed';

async function replayIn(
  tx: Tx,
  deps: ReplayDeps,
  id: string,
  actor: string,
  at: Date,
): Promise<ReplayResult> {
  await lockAuditChain(tx);
  const row = await tx.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return 'not-found';
  if (row.state !== 'failed') return 'not-failed';
  const stamp = at.toISOString();
  await tx
    .updateTable('deliveries')
    .set({ state: 'pending', attempts: 0, next_attempt_at: stamp, last_error: null, updated_at: stamp })
    .where('id', '=', id)
    .execute();
  const referral = await tx
    .selectFrom('referrals')
    .selectAll()
    .where('id', '=', row.referral_id)
    .executeTakeFirstOrThrow();
  // The referral failed with its first message; replaying that message puts it back in the queue.
  const requeue = row.kind === 'referral' && referral.status === 'failed';
  if (requeue) {
    await tx
      .updateTable('referrals')
      .set({ status: 'queued', updated_at: stamp })
      .where('id', '=', referral.id)
      .execute();
  }
  await deps.audit.append(tx, {
    action: 'status-changed',
    actor,
    recipient: row.recipient,
    referralId: row.referral_id,
    ...(referral.subject_hmac ? { subjectHmac: referral.subject_hmac } : {}),
    detail: {
      change: 'replayed',
      deliveryId: id,
      from: 'failed',
      to: 'pending',
      previousAttempts: row.attempts,
      previousError: row.last_error,
      ...(requeue ? { referralStatus: 'queued' } : {}),
    },
  });
  return 'replayed';
}

export async function replayDelivery(
  deps: ReplayDeps,
  id: string,
  actor: string,
  at: Date,
): Promise<ReplayResult> {
  return deps.store.transaction((tx) => replayIn(tx, deps, id, actor, at));
}

/** Replay every dead letter; each in its own transaction. Returns the ids replayed. */
export async function replayAllFailed(deps: ReplayDeps, actor: string, at: Date): Promise<string[]> {
  const failed = await deps.store.db
    .selectFrom('deliveries')
    .select('id')
    .where('state', '=', 'failed')
    .orderBy('created_at')
    .execute();
  const done: string[] = [];
  for (const { id } of failed) {
    if ((await replayDelivery(deps, id, actor, at)) === 'replayed') done.push(id);
  }
  return done;
}
