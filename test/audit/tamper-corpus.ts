/**
 * The tampering corpus of the verification tests, and the oracle they compare with: a frozen copy
 * of the sequential algorithm as it was before workers (verify.ts before issue 11). Shared by the
 * tests of the compiled workers (verify-parallel.test.ts, through dist/) and of the same code run
 * from the sources in this thread (verify-workers.test.ts).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { CANONICAL_KEYS, entryHash, GENESIS_HASH, type HashedColumns } from '../../src/audit/canonical.js';
import type { ChainVerification } from '../../src/audit/types.js';
import type { Store } from '../../src/store/index.js';
import type { Database } from '../../src/store/schema.js';
import { tempDir } from '../helpers/test-app.js';
import { type AuditFixture, auditFixture, disclosure, withheld } from './helpers.js';

/** The sequential algorithm as it was before workers (verify.ts before issue 11), as the oracle. */
export async function reference(
  db: Kysely<Database>,
  batchSize: number,
  upTo?: number,
): Promise<ChainVerification> {
  const summary = async () => {
    const count = await db
      .selectFrom('audit')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    const head = await db
      .selectFrom('audit')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return { entries: Number(count?.n ?? 0), head: head ? { seq: Number(head.seq), hash: head.hash } : null };
  };
  const broken = async (seq: number, problem: string) => ({
    ok: false,
    ...(await summary()),
    firstBrokenSeq: seq,
    problem,
  });
  let expected = 1;
  let prevHash = GENESIS_HASH;
  for (;;) {
    let q = db.selectFrom('audit').selectAll().where('seq', '>=', expected);
    if (upTo !== undefined) q = q.where('seq', '<=', upTo);
    const rows = await q.orderBy('seq', 'asc').limit(batchSize).execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expected) return broken(expected, `entry ${expected} is missing`);
      if (row.prev_hash !== prevHash)
        return broken(seq, `entry ${seq} does not link to entry ${seq - 1} (prev_hash differs)`);
      const { hash: _h, ...rest } = row;
      if (oldEntryHash(rest) !== row.hash)
        return broken(seq, `entry ${seq} was altered (its hash does not match)`);
      prevHash = row.hash;
      expected++;
    }
    if (rows.length < batchSize) break;
  }
  const below = await db.selectFrom('audit').select('seq').where('seq', '<', 1).limit(1).executeTakeFirst();
  if (below) return broken(Number(below.seq), `entry ${Number(below.seq)} is not part of the chain`);
  const entries = expected - 1;
  return { ok: true, entries, head: entries === 0 ? null : { seq: entries, hash: prevHash } };
}

/** canonical.ts before its fast path: JSON.stringify of every value. */
export function oldCanonicalText(row: HashedColumns): string {
  let text = '';
  CANONICAL_KEYS.forEach((key, i) => {
    const raw = row[key];
    const value = key === 'seq' ? Number(raw) : (raw ?? null);
    text += `${i === 0 ? '{' : ','}${JSON.stringify(key)}:${JSON.stringify(value)}`;
  });
  return `${text}}`;
}
export const oldEntryHash = (row: HashedColumns) =>
  createHash('sha256').update(oldCanonicalText(row), 'utf8').digest('hex');

/** A chain of `n` entries in an SQLite file, of several shapes (JSON detail, non-ASCII text). */
export async function fileChain(n: number, open: AuditFixture[]): Promise<AuditFixture> {
  const f = await auditFixture(`sqlite:${join(tempDir('homeward-verify-'), 'audit.db')}`);
  open.push(f);
  for (let i = 1; i <= n; i++) {
    if (i % 4 === 0) await f.append(withheld(i));
    else if (i % 5 === 0)
      await f.append(disclosure(i, { lawfulBasis: 'Art. 9(2)(h) — “care” \u{1F3E0}\n\ttab' }));
    else await f.append(disclosure(i));
  }
  return f;
}

export async function rehash(store: Store, seq: number | string): Promise<void> {
  const row = await store.db
    .selectFrom('audit')
    .selectAll()
    .where('seq', '=', seq as number)
    .executeTakeFirst();
  if (!row) return;
  const { hash: _old, ...rest } = row;
  await store.db
    .updateTable('audit')
    .set({ hash: entryHash(rest) })
    .where('seq', '=', seq as number)
    .execute();
}

export const exec = (store: Store, text: string) => sql.raw(text).execute(store.db);

/** Tampering on a 10-entry chain; ranges of 3 put breaks at a range's first row and inside one. */
export const ATTACKS: Record<string, (s: Store) => Promise<unknown>> = {
  untouched: async () => {},
  'edit 7 (first row of a range)': (s) =>
    exec(s, `update audit set recipient = 'wearmouth-council' where seq = 7`),
  'edit 1': (s) => exec(s, `update audit set actor = 'x' where seq = 1`),
  'edit 10 (the head)': (s) => exec(s, `update audit set detail = '{}' where seq = 10`),
  'edit 5 and rehash (link breaks inside a range)': async (s) => {
    await exec(s, `update audit set fields = '["name"]' where seq = 5`);
    await rehash(s, 5);
  },
  'edit 3 and rehash (link breaks across ranges)': async (s) => {
    await exec(s, `update audit set fields = '["name"]' where seq = 3`);
    await rehash(s, 3);
  },
  'edit 9 and rehash (link breaks at the last range)': async (s) => {
    await exec(s, `update audit set fields = '["name"]' where seq = 9`);
    await rehash(s, 9);
  },
  'delete 6': (s) => exec(s, 'delete from audit where seq = 6'),
  'delete 4 (a range starts with a gap)': (s) => exec(s, 'delete from audit where seq = 4'),
  'delete 1': (s) => exec(s, 'delete from audit where seq = 1'),
  'delete 9 and 10 (truncation: a shorter valid chain)': (s) => exec(s, 'delete from audit where seq >= 9'),
  'delete 4, 5, 6 (a whole range)': (s) => exec(s, 'delete from audit where seq between 4 and 6'),
  'swap 3 and 4': async (s) => {
    await exec(s, 'update audit set seq = -1 where seq = 3');
    await exec(s, 'update audit set seq = 3 where seq = 4');
    await exec(s, 'update audit set seq = 4 where seq = -1');
  },
  'insert 11 that does not link': (s) =>
    exec(
      s,
      `insert into audit select 11, at, action, actor, recipient, referral_id, event_id, agreement_id,
       agreement_version, agreement_sha256, consent_refs, lawful_basis, purpose, fields, payload_sha256,
       subject_hmac, request_id, detail, '${'f'.repeat(64)}', hash from audit where seq = 10`,
    ),
  'insert 20 (a gap after the head)': (s) =>
    exec(
      s,
      `insert into audit select 20, at, action, actor, recipient, referral_id, event_id, agreement_id,
       agreement_version, agreement_sha256, consent_refs, lawful_basis, purpose, fields, payload_sha256,
       subject_hmac, request_id, detail, prev_hash, hash from audit where seq = 10`,
    ),
  'insert 0': (s) =>
    exec(
      s,
      `insert into audit select 0, at, action, actor, recipient, referral_id, event_id, agreement_id,
       agreement_version, agreement_sha256, consent_refs, lawful_basis, purpose, fields, payload_sha256,
       subject_hmac, request_id, detail, prev_hash, hash from audit where seq = 1`,
    ),
  'renumber 8 to 8.5': (s) => exec(s, 'update audit set seq = 8.5 where seq = 8'),
  "renumber 10 to text '0x0a' (Number() reads 10)": (s) =>
    exec(s, `update audit set seq = '0x0a' where seq = 10`),
  "renumber 7 to text 'x'": (s) => exec(s, `update audit set seq = 'x' where seq = 7`),
};

/**
 * What verifyPrefixInWorkers must answer for ranges of `rangeSize` up to `end`: the reference's walk
 * in its own batches, stopped at the first broken entry, at the first batch that comes back short
 * (where the sequential loop takes over), or after the last range.
 */
export async function referencePrefix(
  db: Kysely<Database>,
  p: { batchSize: number; rangeSize: number; end: number; upTo?: number },
): Promise<{ state: { expected: number; prevHash: string } } | { broken: { seq: number; problem: string } }> {
  const stop = 1 + Math.max(0, Math.ceil(p.end / p.rangeSize)) * p.rangeSize;
  let expected = 1;
  let prevHash = GENESIS_HASH;
  while (expected < stop) {
    const state = { expected, prevHash };
    let q = db.selectFrom('audit').selectAll().where('seq', '>=', expected);
    if (p.upTo !== undefined) q = q.where('seq', '<=', p.upTo);
    const rows = await q.orderBy('seq', 'asc').limit(p.batchSize).execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expected) return { broken: { seq: expected, problem: `entry ${expected} is missing` } };
      if (row.prev_hash !== prevHash)
        return {
          broken: { seq, problem: `entry ${seq} does not link to entry ${seq - 1} (prev_hash differs)` },
        };
      const { hash: _h, ...rest } = row;
      if (oldEntryHash(rest) !== row.hash)
        return { broken: { seq, problem: `entry ${seq} was altered (its hash does not match)` } };
      prevHash = row.hash;
      expected++;
    }
    if (rows.length < p.batchSize) return { state };
  }
  return { state: { expected, prevHash } };
}
