/**
 * The webhook delivery worker (issue 8 item 1): a loop that claims due deliveries (claim.ts) and
 * delivers each (deliver-one.ts). Each recipient has its own lane (recipient-lanes.ts, issue 17
 * point 5): up to DELIVERY_RECIPIENT_CONCURRENCY sends in flight, and the worker claims again as
 * soon as any lane frees up, so a recipient whose endpoint hangs until WEBHOOK_TIMEOUT_MS holds
 * up only its own messages (before, the worker waited for its whole claimed batch, and every
 * other recipient with it). Messages of one referral to one recipient go one after the other
 * (the claim never takes a later one while an earlier one is pending or in flight).
 * `stop()` lets in-flight sends finish and be recorded (each is bounded by WEBHOOK_TIMEOUT_MS); a
 * process killed mid-send leaves its rows `in-flight` under a lease that expires, after which any
 * worker retries them with the same `webhook-id` (at least once, and never recorded as delivered
 * without a 2xx).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { DeliveryRow } from '../outbox/outbox.js';
import { claimDue } from './claim.js';
import { type DeliveryDeps, type DeliveryOptions, deliverOne } from './deliver-one.js';
import { recipientLanes } from './recipient-lanes.js';

export interface DeliveryWorker {
  /** Start polling every DELIVERY_POLL_MS (no-op when already running). */
  start(): void;
  /** Stop polling and wait for the sends in flight to finish and be recorded. */
  stop(): Promise<void>;
  /**
   * One pass: claim what is due (as lanes have room, and again as they free up) and deliver it,
   * each row at most once and at most `batchSize` rows; resolves, once all are recorded, to the
   * number of rows handled. A row that failed waits for the next pass, even if due again at once.
   */
  runOnce(): Promise<number>;
}

export interface WorkerOptions extends DeliveryOptions {
  logger: Logger;
  /** Lease owner name; unique per worker so a lease is never mistaken for another's. */
  owner?: string;
  /**
   * Most rows taken by one claim, and by one `runOnce` pass (default 64). Claims are one short
   * transaction each (one commit, with SQLite one fsync shared with the intake's group): claiming
   * one row per transaction starved delivery under load (issue 11, end-to-end.js).
   */
  batchSize?: number;
  /** Counts each attempt's result (issue 10), after it was recorded. */
  metrics?: Pick<Metrics, 'deliveries'>;
}

export function createDeliveryWorker(deps: DeliveryDeps, opts: WorkerOptions): DeliveryWorker {
  const owner = opts.owner ?? `worker-${randomUUID()}`;
  const batchSize = opts.batchSize ?? 64;
  const log = opts.logger.child({ component: 'delivery-worker' });
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  // A lane freed up since the loop last claimed: claim again rather than wait out the interval.
  let freed = false;
  const lanes = recipientLanes(opts.tuning.recipientConcurrency, () => {
    freed = true;
    wake?.();
  });
  // One claim at a time per worker, so the lane counts a claim reads are the ones it fills.
  let claiming: Promise<unknown> = Promise.resolve();

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

  /** Claim up to `limit` due rows for the lanes with room and start sending each in its lane. */
  function claimAndSend(limit: number, exclude: readonly string[] = []) {
    const claimed = claiming.then(async () => {
      const rows = await deps.store.transaction((tx) =>
        claimDue(tx, {
          owner,
          now: deps.clock.now(),
          leaseMs: opts.tuning.leaseMs,
          limit,
          lanes: { size: lanes.size, busy: lanes.busy() },
          exclude,
        }),
      );
      return rows.map((row) => ({ id: row.id, sent: lanes.run(row, () => handle(row)) }));
    });
    claiming = claimed.catch(() => undefined);
    return claimed;
  }

  async function runOnce(): Promise<number> {
    const tried: string[] = [];
    const sending = new Set<Promise<void>>();
    try {
      for (;;) {
        if (tried.length < batchSize) {
          for (const { id, sent } of await claimAndSend(batchSize - tried.length, tried)) {
            tried.push(id);
            const done: Promise<void> = sent.then(() => {
              sending.delete(done);
            });
            sending.add(done);
          }
        }
        if (sending.size === 0) break;
        // A lane freed up: claim again at once, not when the slowest send of the pass is done.
        await Promise.race(sending);
      }
    } finally {
      await Promise.all([...sending]);
    }
    return tried.length;
  }

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (freed) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  async function poll(): Promise<void> {
    while (running) {
      let more = false;
      freed = false;
      try {
        // A claim that took all it asked for suggests more is due: go again at once.
        more = (await claimAndSend(batchSize)).length === batchSize;
      } catch (err) {
        freed = false;
        log.error({ err }, 'delivery claim failed; retrying after the poll interval');
      }
      if (running && !more) await pause(opts.tuning.pollMs);
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
      await lanes.idle();
    },
    runOnce,
  };
}
