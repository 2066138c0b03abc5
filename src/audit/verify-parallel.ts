/**
 * Parallel verification of a chain in an SQLite file (issue 11: 1,000,000 entries in under 10 s on
 * two cores). An entry's hash depends only on its own row (prev_hash is a column), so worker
 * threads (verify-worker.ts), each with its own read-only connection, read and check ranges of the
 * chain at once, while this thread takes their results strictly in seq order and makes the one
 * check a worker cannot: that a range's first entry links to the previous range's last.
 *
 * Exactly the sequential verdict: a range is a whole number of the sequential loop's batches, and a
 * worker reads each batch with the loop's own query (`seq >= n order by seq limit batchSize`), so it
 * sees the same rows in the same batches and makes the same checks in the same order. At the first
 * batch that comes back short (the chain ends in it, or goes on with a gap or a stray seq), this
 * stops and verify.ts reads that batch again and finishes, just as it would have without workers.
 */
import { SqliteAdapter, sql } from 'kysely';
import type { Db } from '../store/index.js';
import { PROBLEM, type RangeResult, type RangeTask, type WorkerSetup } from './verify-range.js';
import { startWorkerThread } from './verify-thread.js';

export { workerAvailable } from './verify-thread.js';

/** What this module needs of a worker; node:worker_threads' Worker has all of it. */
export interface RangeWorker {
  postMessage(task: RangeTask): void;
  on(event: 'message', listener: (result: RangeResult) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<unknown>;
}

/** Starts one worker for a verification. */
export type StartWorker = (setup: WorkerSetup) => RangeWorker;

/**
 * The database file behind `db` when workers can read it through their own connections: SQLite,
 * a file (not `:memory:`), and not a transaction (whose uncommitted rows other connections cannot
 * see). null otherwise, PostgreSQL included.
 */
export async function sqliteFile(db: Db): Promise<string | null> {
  if (db.isTransaction || !(db.getExecutor().adapter instanceof SqliteAdapter)) return null;
  const { rows } = await sql<{ file: string | null }>`
    select file from pragma_database_list where name = 'main'`.execute(db);
  // Stryker disable next-line OptionalChaining: SQLite always lists its main database, so rows[0] is always there
  return rows[0]?.file || null;
}

export interface ChainState {
  /** The next seq to verify. */
  expected: number;
  /** hash of entry expected - 1. */
  prevHash: string;
}

export type PrefixOutcome = { state: ChainState } | { broken: { seq: number; problem: string } };

export interface ParallelOptions {
  file: string;
  threads: number;
  /** Entries per task: a multiple of `batchSize`, so that ranges start where batches would. */
  rangeSize: number;
  /** The sequential loop's batch size, which carries on after the last full range. */
  batchSize: number;
  /** The last seq to hand out (the head's, or upTo); anything beyond is left to the caller. */
  end: number;
  upTo?: number;
  onProgress?: (verified: number) => void;
  /** How workers are started (default: startWorkerThread). */
  startWorker?: StartWorker;
}

/** Tasks handed out ahead of the oldest unchecked result, per worker: bounds what waits in memory. */
const AHEAD_PER_WORKER = 3;

/**
 * Verify entries 1.. in ranges of `rangeSize` on `threads` workers, starting at `start`
 * (entry 1, genesis). Resolves with the first broken entry, or with where the consecutive,
 * intact prefix stopped. Rejects when a worker fails (cannot open the file, a read error).
 */
export async function verifyPrefixInWorkers(
  opts: ParallelOptions,
  start: ChainState,
): Promise<PrefixOutcome> {
  const first = start.expected;
  const total = Math.max(0, Math.ceil((opts.end - first + 1) / opts.rangeSize));
  if (total === 0) return { state: start };
  if (opts.rangeSize % opts.batchSize !== 0) throw new Error('rangeSize must be a multiple of batchSize');
  const setup: WorkerSetup = {
    file: opts.file,
    batchSize: opts.batchSize,
    // Stryker disable next-line ConditionalExpression: `upTo: undefined` reads the same as no upTo (verify-range.ts tests upTo === undefined)
    ...(opts.upTo === undefined ? {} : { upTo: opts.upTo }),
  };
  const startWorker = opts.startWorker ?? startWorkerThread;
  const workers = Array.from({ length: Math.min(opts.threads, total) }, () => ({
    worker: startWorker(setup),
    inFlight: 0,
  }));
  const state = { ...start };
  const results = new Map<number, RangeResult>();
  let handedOut = 0;
  let checked = 0;
  const range = (id: number): { from: number; to: number } => ({
    from: first + id * opts.rangeSize,
    to: first + (id + 1) * opts.rangeSize,
  });

  /** Take the results that are next in seq order; an outcome once the prefix ends or breaks. */
  const check = (): PrefixOutcome | undefined => {
    for (let r = results.get(checked); r !== undefined; r = results.get(checked)) {
      results.delete(checked);
      if (r.error !== undefined) throw new Error(`audit verification worker: ${r.error}`);
      const { from, to } = range(checked);
      checked++;
      if (r.first === undefined) return { state };
      if (r.first.seq === from && r.first.prevHash !== state.prevHash)
        return { broken: { seq: from, problem: PROBLEM.unlinked(from) } };
      if (r.failure) return { broken: r.failure };
      if (r.lastHash !== undefined) state.prevHash = r.lastHash;
      state.expected = from + r.full;
      if (r.full > 0) opts.onProgress?.(state.expected - 1);
      // Stryker disable next-line ConditionalExpression: a range that comes back short without a failure holds the last row up to `end`, so any range after it has no first row and answers this same state above (only later, after more reads)
      if (r.full < to - from || checked === total) return { state };
    }
    return undefined;
  };

  try {
    return await new Promise<PrefixOutcome>((resolve, reject) => {
      // A promise settles once, so a later resolve or reject is a no-op; the flag is for the
      // message handler, which must not hand out more tasks once the verdict is in.
      let settled = false;
      const settle = (fn: () => void) => {
        settled = true;
        fn();
      };
      const handOut = () => {
        for (const w of workers) {
          while (
            w.inFlight < AHEAD_PER_WORKER - 1 &&
            handedOut < total &&
            handedOut < checked + AHEAD_PER_WORKER * workers.length
          ) {
            const task: RangeTask = { id: handedOut, ...range(handedOut) };
            w.worker.postMessage(task);
            w.inFlight++;
            handedOut++;
          }
        }
      };
      for (const w of workers) {
        w.worker.on('message', (r: RangeResult) => {
          if (settled) return;
          w.inFlight--;
          results.set(r.id, r);
          try {
            const outcome = check();
            if (outcome) settle(() => resolve(outcome));
            else handOut();
          } catch (err) {
            settle(() => reject(err));
          }
        });
        w.worker.on('error', (err) => settle(() => reject(err)));
        w.worker.on('exit', (code) =>
          settle(() => reject(new Error(`audit verification worker exited (${code})`))),
        );
      }
      handOut();
    });
  } finally {
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}
