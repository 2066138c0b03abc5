/**
 * The webhook delivery worker (issue 8 item 1): a loop that claims due deliveries (claim.ts) and
 * delivers each (deliver-one.ts). Messages of one referral go one after the other; different
 * referrals in parallel. `stop()` lets in-flight sends finish and be recorded (each is bounded by
 * WEBHOOK_TIMEOUT_MS); a process killed mid-send leaves its rows `in-flight` under a lease that
 * expires, after which any worker retries them with the same `webhook-id` (at least once, and
 * never recorded as delivered without a 2xx).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { claimDue } from './claim.js';
import { type DeliveryDeps, type DeliveryOptions, deliverOne } from './deliver-one.js';
import type { DeliveryRow } from './outbox.js';

export interface DeliveryWorker {
  /** Start polling every DELIVERY_POLL_MS (no-op when already running). */
  start(): void;
  /** Stop polling and wait for the sends in flight to finish and be recorded. */
  stop(): Promise<void>;
  /** One pass: claim what is due and deliver it; resolves to the number of rows handled. */
  runOnce(): Promise<number>;
}

export interface WorkerOptions extends DeliveryOptions {
  logger: Logger;
  /** Lease owner name; unique per worker so a lease is never mistaken for another's. */
  owner?: string;
  /**
   * Rows claimed per pass (default 64). Under intake load every step of a pass waits its turn on
   * the event loop, so a pass takes about as long whatever its size: 16 per pass delivered about
   * 100/s while intake accepted 250/s and the outbox grew without bound (issue 11, end-to-end.js).
   */
  batchSize?: number;
  /** Counts each attempt's result (issue 10), after it was recorded. */
  metrics?: Pick<Metrics, 'deliveries'>;
}

function byReferral(rows: DeliveryRow[]): DeliveryRow[][] {
  const groups = new Map<string, DeliveryRow[]>();
  for (const r of rows) groups.set(r.referral_id, [...(groups.get(r.referral_id) ?? []), r]);
  return [...groups.values()];
}

export function createDeliveryWorker(deps: DeliveryDeps, opts: WorkerOptions): DeliveryWorker {
  const owner = opts.owner ?? `worker-${randomUUID()}`;
  const batchSize = opts.batchSize ?? 64;
  const log = opts.logger.child({ component: 'delivery-worker' });
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  async function handle(row: DeliveryRow): Promise<void> {
    try {
      const outcome = await deliverOne(deps, opts, row, owner);
      log.info(
        { deliveryId: row.id, recipient: row.recipient, attempt: row.attempts, outcome },
        'webhook delivery',
      );
      opts.metrics?.deliveries.inc({ channel: 'webhook', outcome });
    } catch (err) {
      // The row stays in-flight; its lease expires and it is retried. Never lost.
      log.error({ err, deliveryId: row.id }, 'webhook delivery could not be recorded');
    }
  }

  async function runOnce(): Promise<number> {
    // One transaction for the whole claim: one commit (with SQLite, one fsync shared with the
    // intake's group) instead of one per claimed row, which starved delivery under load (issue 11).
    const rows = await deps.store.transaction((tx) =>
      claimDue(tx, {
        owner,
        now: deps.clock.now(),
        leaseMs: opts.tuning.leaseMs,
        limit: batchSize,
      }),
    );
    await Promise.all(
      byReferral(rows).map(async (group) => {
        for (const row of group) await handle(row);
      }),
    );
    return rows.length;
  }

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  async function poll(): Promise<void> {
    while (running) {
      let handled = 0;
      try {
        handled = await runOnce();
      } catch (err) {
        log.error({ err }, 'delivery pass failed; retrying after the poll interval');
      }
      // A full batch suggests more is due: go again at once.
      if (running && handled < batchSize) await pause(opts.tuning.pollMs);
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = poll();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      loop = undefined;
    },
    runOnce,
  };
}
