/**
 * What verify.ts and its worker threads (verify-worker.ts) share: the problem texts, so both paths
 * name a broken entry in the same words, and the messages between the main thread and a worker.
 * Imports nothing: a worker loads it without the store.
 */

export const PROBLEM = {
  missing: (seq: number) => `entry ${seq} is missing`,
  unlinked: (seq: number) => `entry ${seq} does not link to entry ${seq - 1} (prev_hash differs)`,
  altered: (seq: number) => `entry ${seq} was altered (its hash does not match)`,
  outside: (seq: number) => `entry ${seq} is not part of the chain`,
};

/** workerData of a verification worker. */
export interface WorkerSetup {
  /** The SQLite database file (`PRAGMA database_list` of the caller's connection). */
  file: string;
  upTo?: number;
  /** Rows per read, as in the sequential loop. */
  batchSize: number;
}

/**
 * Verify the entries from `from` in batches of batchSize rows, up to `to` (from + a multiple of
 * batchSize), reading each batch exactly as the sequential loop does (`seq >= expected`, ordered,
 * `limit batchSize`): the same rows in the same batches, so the same verdict.
 */
export interface RangeTask {
  id: number;
  from: number;
  to: number;
}

export interface RangeResult {
  id: number;
  /**
   * Entries in full batches that passed every check, from `from`. Less than to - from when a
   * batch came back short (the chain ends in it, or goes on oddly): the sequential loop then reads
   * that batch again itself, and finishes as it would have without workers.
   */
  full: number;
  /** hash of the last of those entries (when full > 0). */
  lastHash?: string;
  /**
   * The range's first row, whatever it holds: its link to the previous range (check 2) is the main
   * thread's to check, after check 1 (`seq === from`) and before the worker's check 3.
   */
  first?: { seq: number; prevHash: unknown };
  /** The first failing check in the range, the link of its first row aside. */
  failure?: { seq: number; problem: string };
  /** The worker could not read the range (the main thread then verifies in its own thread). */
  error?: string;
}
