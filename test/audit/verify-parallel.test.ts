/**
 * Verification with worker threads (src/audit/verify-parallel.ts, issue 11) must reach exactly the
 * verdict of the sequential loop: same first broken seq, same problem, same entries and head, for
 * every kind of tampering. The workers run the compiled module in dist/ (Node cannot start a
 * TypeScript worker; the global set-up builds dist/ unless HOMEWARD_SKIP_BUILD=1), so these tests
 * load verify.js from dist/ too, and compare it with a copy of the original sequential algorithm.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { type Kysely, sql } from 'kysely';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CANONICAL_KEYS,
  canonicalText,
  canonicalTextOfValues,
  entryHash,
  GENESIS_HASH,
  type HashedColumns,
} from '../../src/audit/canonical.js';
import type { ChainVerification } from '../../src/audit/types.js';
import type * as VerifyModule from '../../src/audit/verify.js';
import { verifyChain as verifyFromSources } from '../../src/audit/verify.js';
import type * as ParallelModule from '../../src/audit/verify-parallel.js';
import { sqliteFile } from '../../src/audit/verify-parallel.js';
import type { Store } from '../../src/store/index.js';
import type { Database } from '../../src/store/schema.js';
import { withSchema } from '../helpers/postgres.js';
import { tempDir } from '../helpers/test-app.js';
import { type AuditFixture, auditFixture, disclosure, dropAppendOnlyTriggers, withheld } from './helpers.js';

const DIST = new URL('../../dist/audit/', import.meta.url);
let compiled: { verify: typeof VerifyModule; parallel: typeof ParallelModule };

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('verify-worker.js', DIST))))
    throw new Error('dist/audit/verify-worker.js is missing: run `npm run build` first');
  compiled = {
    verify: (await import(new URL('verify.js', DIST).href)) as typeof VerifyModule,
    parallel: (await import(new URL('verify-parallel.js', DIST).href)) as typeof ParallelModule,
  };
});

/** The sequential algorithm as it was before workers (verify.ts before issue 11), as the oracle. */
async function reference(db: Kysely<Database>, batchSize: number, upTo?: number): Promise<ChainVerification> {
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
function oldCanonicalText(row: HashedColumns): string {
  let text = '';
  CANONICAL_KEYS.forEach((key, i) => {
    const raw = row[key];
    const value = key === 'seq' ? Number(raw) : (raw ?? null);
    text += `${i === 0 ? '{' : ','}${JSON.stringify(key)}:${JSON.stringify(value)}`;
  });
  return `${text}}`;
}
const oldEntryHash = (row: HashedColumns) =>
  createHash('sha256').update(oldCanonicalText(row), 'utf8').digest('hex');

const open: AuditFixture[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.store.close()));
});

/** A chain of `n` entries in an SQLite file, of several shapes (JSON detail, non-ASCII text). */
async function fileChain(n: number): Promise<AuditFixture> {
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

async function rehash(store: Store, seq: number | string): Promise<void> {
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

const exec = (store: Store, text: string) => sql.raw(text).execute(store.db);

/** Tampering on a 10-entry chain; ranges of 3 put breaks at a range's first row and inside one. */
const ATTACKS: Record<string, (s: Store) => Promise<unknown>> = {
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

describe('parallel verification reaches the sequential verdict', () => {
  it('uses workers for an SQLite file, not for :memory:, a transaction or PostgreSQL', async () => {
    const f = await fileChain(1);
    expect(compiled.parallel.workerAvailable()).toBe(true);
    expect(await compiled.parallel.sqliteFile(f.store.db)).toMatch(/audit\.db$/);
    await f.store.db.transaction().execute(async (tx) => {
      expect(await compiled.parallel.sqliteFile(tx)).toBeNull();
    });
    const memory = await auditFixture();
    open.push(memory);
    expect(await sqliteFile(memory.store.db)).toBeNull();
    await withSchema(async (schema) => {
      const pg = await auditFixture(schema.url);
      try {
        expect(await sqliteFile(pg.store.db)).toBeNull();
      } finally {
        await pg.store.close();
      }
    });
  });

  it('verifies the prefix in workers, stopping where the chain ends', async () => {
    const f = await fileChain(10);
    const file = (await compiled.parallel.sqliteFile(f.store.db)) as string;
    const head = await f.store.db
      .selectFrom('audit')
      .select('hash')
      .where('seq', '=', 10)
      .executeTakeFirstOrThrow();
    const hashOf = async (seq: number) =>
      (await f.store.db.selectFrom('audit').select('hash').where('seq', '=', seq).executeTakeFirstOrThrow())
        .hash;
    const prefix = (rangeSize: number, batchSize: number, onProgress?: (n: number) => void) =>
      compiled.parallel.verifyPrefixInWorkers(
        { file, threads: 2, rangeSize, batchSize, end: 10, ...(onProgress ? { onProgress } : {}) },
        { expected: 1, prevHash: GENESIS_HASH },
      );
    const progress: number[] = [];
    expect(await prefix(1, 1, (n) => progress.push(n))).toEqual({
      state: { expected: 11, prevHash: head.hash },
    });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const rangeSize of [2, 5, 10, 50])
      expect(await prefix(rangeSize, 1)).toEqual({ state: { expected: 11, prevHash: head.hash } });
    // The last range is short: the sequential loop resumes at the last batch boundary in it.
    expect(await prefix(6, 3)).toEqual({ state: { expected: 10, prevHash: await hashOf(9) } });
    expect(await prefix(50, 25)).toEqual({ state: { expected: 1, prevHash: GENESIS_HASH } });
    await expect(prefix(10, 3)).rejects.toThrow(/multiple/);
    await expect(
      compiled.parallel.verifyPrefixInWorkers(
        { file: join(tempDir(), 'none.db'), threads: 1, rangeSize: 3, batchSize: 3, end: 10 },
        { expected: 1, prevHash: GENESIS_HASH },
      ),
    ).rejects.toThrow();
  });

  for (const [name, attack] of Object.entries(ATTACKS)) {
    it(`${name}: same result with and without workers`, async () => {
      const f = await fileChain(10);
      await dropAppendOnlyTriggers(f.store);
      await attack(f.store);
      const intact = ['untouched', 'delete 9 and 10 (truncation: a shorter valid chain)'];
      expect((await reference(f.store.db, 3)).ok).toBe(intact.includes(name) || name.includes("'0x0a'"));
      for (const batchSize of [1, 3, 4, 100]) {
        // The original's verdict on a stray text seq depends on its batch size: same one each side.
        const expected = await reference(f.store.db, batchSize);
        expect(await compiled.verify.verifyChain(f.store.db, { threads: 2, batchSize })).toEqual(expected);
        expect(await verifyFromSources(f.store.db, { threads: 0, batchSize })).toEqual(expected);
      }
      for (const upTo of [4, 7, 10]) {
        const prefix = await reference(f.store.db, 3, upTo);
        expect(await compiled.verify.verifyChain(f.store.db, { threads: 2, batchSize: 3, upTo })).toEqual(
          prefix,
        );
        expect(await verifyFromSources(f.store.db, { batchSize: 3, upTo })).toEqual(prefix);
      }
    });
  }

  it('names the entries the tamper tests name, through the workers', async () => {
    const verdict = async (attack: string) => {
      const f = await fileChain(10);
      await dropAppendOnlyTriggers(f.store);
      await ATTACKS[attack]?.(f.store);
      const { ok, firstBrokenSeq, problem } = await compiled.verify.verifyChain(f.store.db, {
        threads: 2,
        batchSize: 3,
      });
      return { ok, firstBrokenSeq, problem };
    };
    expect(await verdict('edit 7 (first row of a range)')).toEqual({
      ok: false,
      firstBrokenSeq: 7,
      problem: 'entry 7 was altered (its hash does not match)',
    });
    expect(await verdict('edit 3 and rehash (link breaks across ranges)')).toEqual({
      ok: false,
      firstBrokenSeq: 4,
      problem: 'entry 4 does not link to entry 3 (prev_hash differs)',
    });
    expect(await verdict('delete 4 (a range starts with a gap)')).toEqual({
      ok: false,
      firstBrokenSeq: 4,
      problem: 'entry 4 is missing',
    });
    expect(await verdict('swap 3 and 4')).toMatchObject({ ok: false, firstBrokenSeq: 3 });
    expect(await verdict('insert 0')).toEqual({
      ok: false,
      firstBrokenSeq: 0,
      problem: 'entry 0 is not part of the chain',
    });
  });

  it('default batches: the sequential loop takes over where it would have been without workers', async () => {
    // 4000 entries, the last renumbered to the text '0xfa0' (Number() reads 4000). Batches of 2000
    // (the default): the second one is full with it, so the original reads it again and reports
    // entry 4001 missing. Workers (ranges of 10,000) must hand over at 2001, not at 4000.
    const f = await auditFixture(`sqlite:${join(tempDir('homeward-verify-'), 'audit.db')}`);
    open.push(f);
    await f.store.transaction(async (tx) => {
      for (let i = 1; i <= 4000; i++) await f.audit.append(tx, disclosure(i));
    });
    expect(await compiled.verify.verifyChain(f.store.db, { threads: 2 })).toEqual(
      await reference(f.store.db, 2000),
    );
    await dropAppendOnlyTriggers(f.store);
    await exec(f.store, `update audit set seq = '0xfa0' where seq = 4000`);
    const expected = await reference(f.store.db, 2000);
    expect(expected).toMatchObject({ ok: false, firstBrokenSeq: 4001 });
    expect(await compiled.verify.verifyChain(f.store.db, { threads: 2 })).toEqual(expected);
    expect(await verifyFromSources(f.store.db)).toEqual(expected);
  });

  it('random tampering: workers, this thread and the original algorithm agree', async () => {
    const seqArb = fc.integer({ min: -1, max: 12 });
    const op = fc.oneof(
      fc.record({ kind: fc.constant('delete' as const), seq: seqArb }),
      fc.record({ kind: fc.constant('edit' as const), seq: seqArb, rehash: fc.boolean() }),
      fc.record({
        kind: fc.constant('renumber' as const),
        seq: seqArb,
        to: fc.oneof(seqArb, fc.constantFrom<number | string>(5.5, 'x', '0x05', 20)),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 5 }),
        async (ops, batchSize) => {
          const f = await fileChain(9);
          await dropAppendOnlyTriggers(f.store);
          for (const o of ops) {
            try {
              if (o.kind === 'delete') await exec(f.store, `delete from audit where seq = ${o.seq}`);
              else if (o.kind === 'edit') {
                await exec(f.store, `update audit set purpose = 'other' where seq = ${o.seq}`);
                if (o.rehash) await rehash(f.store, o.seq);
              } else {
                const to = typeof o.to === 'string' ? `'${o.to}'` : String(o.to);
                await exec(f.store, `update audit set seq = ${to} where seq = ${o.seq}`);
              }
            } catch {
              // a renumbering onto an existing seq: the primary key refuses it
            }
          }
          const expected = await reference(f.store.db, batchSize);
          expect(await compiled.verify.verifyChain(f.store.db, { threads: 2, batchSize })).toEqual(expected);
          expect(await verifyFromSources(f.store.db, { batchSize })).toEqual(expected);
          await f.store.close();
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);

  it('PostgreSQL (this thread, reading ahead): the same verdicts', async () => {
    await withSchema(async (schema) => {
      const f = await auditFixture(schema.url);
      try {
        for (let i = 1; i <= 10; i++) await f.append(i % 4 === 0 ? withheld(i) : disclosure(i));
        expect(await compiled.verify.verifyChain(f.store.db, { threads: 2, batchSize: 3 })).toEqual(
          await reference(f.store.db, 3),
        );
        await sql`drop trigger audit_no_update on audit`.execute(f.store.db);
        await sql`drop trigger audit_no_delete on audit`.execute(f.store.db);
        await sql`update audit set recipient = 'wearmouth-council' where seq = 7`.execute(f.store.db);
        const edited = await verifyFromSources(f.store.db, { batchSize: 3 });
        expect(edited).toMatchObject({
          ok: false,
          firstBrokenSeq: 7,
          problem: expect.stringMatching(/altered/),
        });
        expect(edited).toEqual(await reference(f.store.db, 3));
        await sql`delete from audit where seq = 4`.execute(f.store.db);
        expect(await verifyFromSources(f.store.db, { batchSize: 2 })).toMatchObject({
          ok: false,
          firstBrokenSeq: 4,
          problem: 'entry 4 is missing',
        });
      } finally {
        await f.store.close();
      }
    });
  });
});

describe('canonical text fast path', () => {
  it('is byte-for-byte JSON.stringify for any string, including escapes and lone surrogates', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({
        unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\ud800', '\udc00', 'a', 'é', '\u2028'),
      }),
      fc.constant(null),
    );
    fc.assert(
      fc.property(
        fc.array(text, { minLength: CANONICAL_KEYS.length, maxLength: CANONICAL_KEYS.length }),
        (values) => {
          const row = Object.fromEntries(
            CANONICAL_KEYS.map((k, i) => [k, k === 'seq' ? i : values[i]]),
          ) as HashedColumns;
          const expected = oldCanonicalText(row);
          expect(canonicalText(row)).toBe(expected);
          expect(canonicalTextOfValues(CANONICAL_KEYS.map((k) => row[k]))).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
