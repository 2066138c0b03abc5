/**
 * What verify.ts and its worker threads (verify-worker.ts) share: the problem texts, so both paths
 * name a broken entry in the same words, the messages between the main thread and a worker, and
 * the worker's whole check of a range (rangeChecker). The worker module only opens its connection
 * and passes messages, so the checks that decide a verdict run, and are tested, from the sources
 * too. Imports canonical.ts only: a worker loads it without the store.
 */
import { CANONICAL_KEYS, canonicalTextOfValues, sha256Hex } from './canonical.js';

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

/** What a worker needs of its connection: better-sqlite3's prepared statements, rows as arrays. */
export interface RangeDb {
  prepare(text: string): { raw(toggle: true): { iterate(...params: unknown[]): Iterable<unknown> } };
}

/** Rows are read as arrays in canonical column order, then hash: no object per row. */
const SEQ = CANONICAL_KEYS.indexOf('seq');
const PREV = CANONICAL_KEYS.indexOf('prev_hash');
const HASH = CANONICAL_KEYS.length;
const COLUMNS = [...CANONICAL_KEYS, 'hash'].map((c) => `"${c}"`).join(', ');

/**
 * A worker's check of one task, over its own connection: for each batch the sequential loop in
 * verify.ts would read, the same query, its three checks on every row in seq order, stopping at the
 * first failure; the link of the range's first row to the previous range is returned for the main
 * thread to check. A read that fails becomes the result's `error`.
 */
export function rangeChecker(setup: WorkerSetup, db: RangeDb): (task: RangeTask) => RangeResult {
  const { batchSize, upTo } = setup;
  const select = db
    .prepare(
      `select ${COLUMNS} from audit where seq >= ?${upTo === undefined ? '' : ' and seq <= ?'} order by seq limit ?`,
    )
    .raw(true);
  const batch = (from: number) =>
    (upTo === undefined
      ? select.iterate(from, batchSize)
      : select.iterate(from, upTo, batchSize)) as Iterable<unknown[]>;

  const verifyRange = ({ id, from, to }: RangeTask): RangeResult => {
    const result: RangeResult = { id, full: 0 };
    let expected = from;
    let prevHash: string | undefined;
    batches: while (expected < to) {
      let rows = 0;
      for (const row of batch(expected)) {
        rows++;
        const seq = Number(row[SEQ]);
        if (result.first === undefined) result.first = { seq, prevHash: row[PREV] };
        if (seq !== expected) {
          result.failure = { seq: expected, problem: PROBLEM.missing(expected) };
          break batches;
        }
        if (expected > from && row[PREV] !== prevHash) {
          result.failure = { seq, problem: PROBLEM.unlinked(seq) };
          break batches;
        }
        const hash = row[HASH];
        if (sha256Hex(canonicalTextOfValues(row)) !== hash) {
          result.failure = { seq, problem: PROBLEM.altered(seq) };
          break batches;
        }
        prevHash = hash as string;
        expected++;
      }
      if (rows < batchSize) break;
      result.full = expected - from;
      // A full batch has at least one row, so prevHash is that batch's last hash.
      result.lastHash = prevHash as string;
    }
    return result;
  };

  return (task) => {
    try {
      return verifyRange(task);
    } catch (err) {
      return { id: task.id, full: 0, error: err instanceof Error ? err.message : String(err) };
    }
  };
}
