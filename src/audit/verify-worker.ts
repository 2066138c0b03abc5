/**
 * A worker thread of parallel verification (verify-parallel.ts). It opens its own read-only
 * connection to the SQLite file, so that reading rows (the larger cost) and hashing them both run
 * on every core, and the main thread only stitches ranges together. For each task, a range of seq,
 * it reads the batches the sequential loop in verify.ts would read, with the same query, makes its
 * three checks on every row in seq order and stops at the first failure; the link of the range's
 * first row to the previous range is returned for the main thread to check. Rows are read as
 * arrays in canonical column order, not as objects: no object per row.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { CANONICAL_KEYS, canonicalTextOfValues, sha256Hex } from './canonical.js';
import { PROBLEM, type RangeResult, type RangeTask, type WorkerSetup } from './verify-range.js';

const setup = workerData as WorkerSetup;
const SEQ = CANONICAL_KEYS.indexOf('seq');
const PREV = CANONICAL_KEYS.indexOf('prev_hash');
const HASH = CANONICAL_KEYS.length;

const db = new BetterSqlite3(setup.file, { readonly: true, fileMustExist: true });
// A writer in another process may hold a lock briefly (the store sets the same).
db.pragma('busy_timeout = 5000');
const columns = [...CANONICAL_KEYS, 'hash'].map((c) => `"${c}"`).join(', ');
const upToClause = setup.upTo === undefined ? '' : ' and seq <= ?';
const select = db
  .prepare(`select ${columns} from audit where seq >= ?${upToClause} order by seq limit ?`)
  .raw(true);
const params = (from: number) =>
  setup.upTo === undefined ? [from, setup.batchSize] : [from, setup.upTo, setup.batchSize];

function verifyRange({ id, from, to }: RangeTask): RangeResult {
  const result: RangeResult = { id, full: 0 };
  let expected = from;
  let prevHash: string | undefined;
  batches: while (expected < to) {
    let rows = 0;
    for (const row of select.iterate(...params(expected)) as IterableIterator<unknown[]>) {
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
    if (rows < setup.batchSize) break;
    result.full = expected - from;
    if (prevHash !== undefined) result.lastHash = prevHash;
  }
  return result;
}

parentPort?.on('message', (task: RangeTask) => {
  let result: RangeResult;
  try {
    result = verifyRange(task);
  } catch (err) {
    result = {
      id: task.id,
      full: 0,
      error: err instanceof Error ? err.message : String(err),
    };
  }
  parentPort?.postMessage(result);
});
