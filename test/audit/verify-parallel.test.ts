/**
 * Verification with worker threads (src/audit/verify-parallel.ts, issue 11) must reach exactly the
 * verdict of the sequential loop: same first broken seq, same problem, same entries and head, for
 * every kind of tampering. The workers run the compiled module in dist/ (Node cannot start a
 * TypeScript worker; the global set-up builds dist/ unless HOMEWARD_SKIP_BUILD=1), so these tests
 * load verify.js from dist/ too, and compare it with a copy of the original sequential algorithm.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../src/audit/canonical.js';
import type * as VerifyModule from '../../src/audit/verify.js';
import { verifyChain as verifyFromSources } from '../../src/audit/verify.js';
import type * as ParallelModule from '../../src/audit/verify-parallel.js';
import { sqliteFile } from '../../src/audit/verify-parallel.js';
import { withSchema } from '../helpers/postgres.js';
import { tempDir } from '../helpers/test-app.js';
import { type AuditFixture, auditFixture, disclosure, dropAppendOnlyTriggers, withheld } from './helpers.js';
import { ATTACKS, fileChain as corpusChain, exec, reference, rehash } from './tamper-corpus.js';

const DIST = new URL('../../dist/audit/', import.meta.url);
let compiled: { verify: typeof VerifyModule; parallel: typeof ParallelModule };

const open: AuditFixture[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.store.close()));
});
const fileChain = (n: number) => corpusChain(n, open);

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('verify-worker.js', DIST))))
    throw new Error('dist/audit/verify-worker.js is missing: run `npm run build` first');
  compiled = {
    verify: (await import(new URL('verify.js', DIST).href)) as typeof VerifyModule,
    parallel: (await import(new URL('verify-parallel.js', DIST).href)) as typeof ParallelModule,
  };
});

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
