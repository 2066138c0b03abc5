/**
 * Dead letters (issue 8 item 2): deliveries that ended `failed` stay visible, and an operator can
 * replay them once the cause is fixed (the recipient's endpoint is back, its secret set). A replay
 * puts the row back to `pending` with no attempts, keeping its `webhook-id` (a recipient that did
 * get an earlier attempt can still de-duplicate), and is audited in the same transaction.
 */
import { lockAuditChain } from '../audit/audit-log.js';
import type { AuditLog } from '../audit/types.js';
import { mustMoveReferral } from '../referral/move.js';
import { referralById } from '../referral/referral-store.js';
import type { Store, Tx } from '../store/index.js';

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
  const referral = await referralById(tx, row.referral_id);
  if (!referral) throw new Error(`delivery ${id}: its referral is gone`);
  // The referral failed with its first message; replaying that message puts it back in the queue
  // (transitions.ts: failed -> queued, by an operator).
  const requeue = row.kind === 'referral' && referral.status === 'failed';
  const entry = {
    action: 'status-changed' as const,
    actor,
    recipient: row.recipient,
    ...(referral.subject_hmac ? { subjectHmac: referral.subject_hmac } : {}),
    detail: {
      change: 'replayed',
      deliveryId: id,
      from: 'failed',
      to: 'pending',
      previousAttempts: row.attempts,
      previousError: row.last_error,
    },
  };
  if (requeue) await mustMoveReferral(tx, deps.audit, referral, { to: 'queued', by: 'operator', at, entry });
  else await deps.audit.append(tx, { ...entry, referralId: row.referral_id });
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
export async function replayAllFailed(
  deps: ReplayDeps,
  actor: string,
  at: Date,
  /** Called once with how many dead letters there are, then after each (CLI progress). */
  onProgress?: { total(n: number): void; advance(): void },
): Promise<string[]> {
  const failed = await deps.store.db
    .selectFrom('deliveries')
    .select('id')
    .where('state', '=', 'failed')
    .orderBy('created_at')
    .execute();
  onProgress?.total(failed.length);
  const done: string[] = [];
  for (const { id } of failed) {
    if ((await replayDelivery(deps, id, actor, at)) === 'replayed') done.push(id);
    onProgress?.advance();
  }
  return done;
}
