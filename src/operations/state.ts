/**
 * What operators watch, read from the database (issue 10): the outbox, referrals by status, SLA
 * breaches and dead letters. Read at metrics scrape time and by `homeward status`, so the numbers
 * are the same whichever gateway process answers (every process shares the store). Bookkeeping
 * columns only: never a dataset or payload.
 */
import { ANSWERED_STATUSES } from '../referral/status.js';
import type { Db } from '../store/index.js';

export interface OutboxChannel {
  channel: string;
  /** Deliveries not yet delivered: pending or being sent. */
  depth: number;
  /** Queue time of the oldest of them (ISO-8601), or null when the queue is empty. */
  oldestQueuedAt: string | null;
}

export interface OperationsState {
  outbox: OutboxChannel[];
  referrals: Array<{ type: string; status: string; count: number }>;
  /** Referrals past their due time without an answer (the rule of GET /admin/referrals/overdue). */
  overdue: number;
  /** Dead letters: deliveries that ended `failed` and wait for a replay. */
  failedDeliveries: number;
}

export const CHANNELS = ['webhook', 'pull'] as const;

export async function outboxState(db: Db): Promise<OutboxChannel[]> {
  const rows = await db
    .selectFrom('deliveries')
    .select((eb) => [
      'channel',
      eb.fn.countAll<number | string>().as('n'),
      eb.fn.min('created_at').as('oldest'),
    ])
    .where('state', 'in', ['pending', 'in-flight'])
    .groupBy('channel')
    .execute();
  // Every channel is reported, empty ones as 0, so an alert on a channel never sees "no data".
  return CHANNELS.map((channel) => {
    const row = rows.find((r) => r.channel === channel);
    return { channel, depth: Number(row?.n ?? 0), oldestQueuedAt: row?.oldest ?? null };
  });
}

export async function referralCounts(db: Db): Promise<OperationsState['referrals']> {
  const rows = await db
    .selectFrom('referrals')
    .select((eb) => ['type', 'status', eb.fn.countAll<number | string>().as('n')])
    .groupBy(['type', 'status'])
    .orderBy('type')
    .orderBy('status')
    .execute();
  return rows.map((r) => ({ type: r.type, status: r.status, count: Number(r.n) }));
}

export async function overdueCount(db: Db, now: Date): Promise<number> {
  const row = await db
    .selectFrom('referrals')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('due_by', 'is not', null)
    .where('due_by', '<', now.toISOString())
    .where('status', 'not in', [...ANSWERED_STATUSES])
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function failedDeliveryCount(db: Db): Promise<number> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('state', '=', 'failed')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function operationsState(db: Db, now: Date): Promise<OperationsState> {
  const [outbox, referrals, overdue, failedDeliveries] = await Promise.all([
    outboxState(db),
    referralCounts(db),
    overdueCount(db, now),
    failedDeliveryCount(db),
  ]);
  return { outbox, referrals, overdue, failedDeliveries };
}
