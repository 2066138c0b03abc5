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
 */
import type { Db } from '../store/index.js';
import { entryHash, GENESIS_HASH } from './canonical.js';
import { BATCH_SIZE } from './query.js';
import type { ChainVerification } from './types.js';

export interface VerifyOptions {
  /** Stop after this seq (verifying a checkpoint's prefix). */
  upTo?: number;
  batchSize?: number;
  /** Called after each batch with the number of entries verified so far (CLI progress). */
  onProgress?: (verified: number) => void;
}

async function tableSummary(db: Db): Promise<Pick<ChainVerification, 'entries' | 'head'>> {
  const count = await db
    .selectFrom('audit')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirst();
  const head = await db
    .selectFrom('audit')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return {
    entries: Number(count?.n ?? 0),
    head: head ? { seq: Number(head.seq), hash: head.hash } : null,
  };
}

/** Entries in the log (the total of a CLI progress indication). */
export async function countEntries(db: Db): Promise<number> {
  return (await tableSummary(db)).entries;
}

export async function verifyChain(db: Db, opts: VerifyOptions = {}): Promise<ChainVerification> {
  const batchSize = opts.batchSize ?? BATCH_SIZE;
  let expected = 1;
  let prevHash = GENESIS_HASH;
  const broken = async (seq: number, problem: string): Promise<ChainVerification> => ({
    ok: false,
    ...(await tableSummary(db)),
    firstBrokenSeq: seq,
    problem,
  });
  for (;;) {
    let q = db.selectFrom('audit').selectAll().where('seq', '>=', expected);
    if (opts.upTo !== undefined) q = q.where('seq', '<=', opts.upTo);
    const rows = await q.orderBy('seq', 'asc').limit(batchSize).execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expected) return broken(expected, `entry ${expected} is missing`);
      if (row.prev_hash !== prevHash) {
        return broken(seq, `entry ${seq} does not link to entry ${seq - 1} (prev_hash differs)`);
      }
      if (entryHash(row) !== row.hash)
        return broken(seq, `entry ${seq} was altered (its hash does not match)`);
      prevHash = row.hash;
      expected++;
    }
    opts.onProgress?.(expected - 1);
    if (rows.length < batchSize) break;
  }
  // Rows below 1 (seq 0 or negative) are never written by append: an insertion.
  const below = await db.selectFrom('audit').select('seq').where('seq', '<', 1).limit(1).executeTakeFirst();
  if (below) return broken(Number(below.seq), `entry ${Number(below.seq)} is not part of the chain`);
  const entries = expected - 1;
  return { ok: true, entries, head: entries === 0 ? null : { seq: entries, hash: prevHash } };
}
