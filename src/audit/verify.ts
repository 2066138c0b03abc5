/**
 * Recompute the chain (design.md, Audit: "verification recomputes the chain and names the first
 * broken link"). Streams through the table BATCH_SIZE rows at a time in seq order, holding one
 * batch in memory whatever the table size. For entry n (n = 1, 2, ...) it checks, in this order:
 *   1. the row found at position n has seq n (else entry n is missing: deleted, or rows renumbered);
 *   2. its prev_hash is the hash of entry n-1 (64 zeros for entry 1);
 *   3. its hash equals SHA-256 of its canonical serialisation (canonical.ts).
 * The first failure names firstBrokenSeq. An edited row fails 3 at its own seq; an edited row whose
 * hash was recomputed fails 2 at the next seq; a deleted row fails 1; swapped rows fail 3.
 * Removing the newest rows leaves a valid but shorter chain: only a checkpoint proves that.
 *
 * On an SQLite file, long chains are checked by worker threads (verify-parallel.ts), range by range,
 * reading the same batches with the same query, results taken in seq order: the same checks in the
 * same order, so the same first broken entry and problem. This thread's loop below reads what they
 * leave (the last, short batch), and the whole chain on PostgreSQL, `:memory:` or in a transaction.
 */
import { availableParallelism } from 'node:os';
import type { Db } from '../store/index.js';
import { readChainHead } from './audit-log.js';
import { entryHash, GENESIS_HASH } from './canonical.js';
import { BATCH_SIZE } from './query.js';
import type { ChainVerification } from './types.js';
import {
  type ChainState,
  type ParallelOptions,
  type PrefixOutcome,
  type StartWorker,
  sqliteFile,
  verifyPrefixInWorkers,
  workerAvailable,
} from './verify-parallel.js';
import { PROBLEM } from './verify-range.js';

export interface VerifyOptions {
  /** Stop after this seq (verifying a checkpoint's prefix). */
  upTo?: number;
  /** Rows per read (when given, also the entries per worker task). */
  batchSize?: number;
  /** Called after each batch with the number of entries verified so far (CLI progress). */
  onProgress?: (verified: number) => void;
  /**
   * Worker threads (verify-parallel.ts). 0: verify in this thread only. A number: that many
   * workers whatever the chain's length. Unset: one per core for chains of PARALLEL_MIN_ENTRIES
   * or more. Workers need an SQLite file outside a transaction and the compiled worker module;
   * otherwise (PostgreSQL, `:memory:`, running from the TypeScript sources) this thread verifies.
   */
  threads?: number;
  /**
   * How workers are started (verify-parallel.ts, default: worker threads on the compiled worker
   * module, when it is present). Tests from the sources pass one that checks ranges in this thread.
   */
  startWorker?: StartWorker;
}

/** Below this many entries starting workers (tens of milliseconds) is not worth it. */
export const PARALLEL_MIN_ENTRIES = 50_000;
/**
 * Entries per worker task: enough to make messages negligible, few enough to stop soon after a
 * failure. A multiple of the batch size (verify-parallel.ts says why).
 */
export const PARALLEL_BATCH_SIZE = 5 * BATCH_SIZE;
const MAX_THREADS = 8;

/** Workers when the caller names no number: one per core (at most 8) for a long enough chain. */
export function defaultThreads(entries: number, cores: number): number {
  return entries >= PARALLEL_MIN_ENTRIES ? Math.min(cores, MAX_THREADS) : 0;
}

async function tableSummary(db: Db): Promise<Pick<ChainVerification, 'entries' | 'head'>> {
  const count = await db
    .selectFrom('audit')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  const head = await readChainHead(db);
  return {
    entries: Number(count.n),
    head: head ?? null,
  };
}

/** Entries in the log (the total of a CLI progress indication). */
export async function countEntries(db: Db): Promise<number> {
  return (await tableSummary(db)).entries;
}

/** Whether and how to verify with workers; null to verify in this thread. */
async function parallelPlan(db: Db, opts: VerifyOptions): Promise<ParallelOptions | null> {
  if (opts.threads === 0) return null;
  // Stryker disable next-line ConditionalExpression,BooleanLiteral: without a worker module (run from the sources) an attempt to start one fails and verifyChain's catch verifies in this thread: the same verdict; with one (dist/) dropping the `!` turns workers off, a change of speed that test/audit/verify-parallel.test.ts measures on dist/
  if (opts.startWorker === undefined && !workerAvailable()) return null;
  const file = await sqliteFile(db);
  if (file === null) return null;
  const head = await db.selectFrom('audit').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  let end = Number(head?.seq);
  // No head (an empty chain) or a stray non-integer seq at the head: the sequential loop does it.
  if (!Number.isSafeInteger(end)) return null;
  if (opts.upTo !== undefined) end = Math.min(end, Math.floor(opts.upTo));
  const threads = opts.threads ?? defaultThreads(end, availableParallelism());
  // An empty chain (end < 1) needs no check here: verifyPrefixInWorkers hands out no range for it.
  if (threads < 1) return null;
  return {
    file,
    threads,
    rangeSize: opts.batchSize ?? PARALLEL_BATCH_SIZE,
    batchSize: opts.batchSize ?? BATCH_SIZE,
    end,
    // Stryker disable next-line ConditionalExpression: `upTo: undefined` reads the same as no upTo (verify-parallel.ts tests upTo === undefined)
    ...(opts.upTo === undefined ? {} : { upTo: opts.upTo }),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.startWorker ? { startWorker: opts.startWorker } : {}),
  };
}

export async function verifyChain(db: Db, opts: VerifyOptions = {}): Promise<ChainVerification> {
  const batchSize = opts.batchSize ?? BATCH_SIZE;
  const broken = async (seq: number, problem: string): Promise<ChainVerification> => ({
    ok: false,
    ...(await tableSummary(db)),
    firstBrokenSeq: seq,
    problem,
  });
  let state: ChainState = { expected: 1, prevHash: GENESIS_HASH };
  const plan = await parallelPlan(db, opts);
  // Stryker disable next-line ConditionalExpression: with no plan, verifyPrefixInWorkers(null) rejects at once and the catch carries on in this thread: the same verdict
  if (plan) {
    let outcome: PrefixOutcome | null = null;
    try {
      outcome = await verifyPrefixInWorkers(plan, state);
    } catch {
      // A worker could not read the file (permissions, a lock held too long): this thread can.
    }
    if (outcome && 'broken' in outcome) return broken(outcome.broken.seq, outcome.broken.problem);
    if (outcome) state = outcome.state;
  }
  // Sequentially from where the workers stopped (from entry 1 without them). The next batch is
  // requested before this one is hashed, so a network database reads while this thread hashes.
  let { expected, prevHash } = state;
  const read = (from: number) => {
    let q = db.selectFrom('audit').selectAll().where('seq', '>=', from);
    if (opts.upTo !== undefined) q = q.where('seq', '<=', opts.upTo);
    return q.orderBy('seq', 'asc').limit(batchSize).execute();
  };
  let next = read(expected);
  for (;;) {
    const rows = await next;
    // Stryker disable next-line ConditionalExpression: reading ahead after a short batch only costs a query: the loop breaks below and the read's failure is caught
    if (rows.length === batchSize) {
      next = read(expected + batchSize);
      // Unused when this batch breaks the chain; its failure must not go unhandled meanwhile.
      next.catch(() => {});
    }
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expected) return broken(expected, PROBLEM.missing(expected));
      if (row.prev_hash !== prevHash) return broken(seq, PROBLEM.unlinked(seq));
      if (entryHash(row) !== row.hash) return broken(seq, PROBLEM.altered(seq));
      prevHash = row.hash;
      expected++;
    }
    opts.onProgress?.(expected - 1);
    if (rows.length < batchSize) break;
  }
  // Rows below 1 (seq 0 or negative) are never written by append: an insertion.
  const below = await db.selectFrom('audit').select('seq').where('seq', '<', 1).limit(1).executeTakeFirst();
  if (below) return broken(Number(below.seq), PROBLEM.outside(Number(below.seq)));
  const entries = expected - 1;
  return { ok: true, entries, head: entries === 0 ? null : { seq: entries, hash: prevHash } };
}
