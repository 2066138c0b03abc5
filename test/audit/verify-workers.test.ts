/**
 * Parallel verification (verify-parallel.ts, the range checks of verify-range.ts, the plan in
 * verify.ts) run from the sources, with workers in this thread (in-thread-workers.ts): every line
 * that decides a verdict runs here, so mutation testing measures it. verify-parallel.test.ts checks
 * the same corpus through real worker threads on the compiled dist/.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../src/audit/canonical.js';
import { defaultThreads, verifyChain } from '../../src/audit/verify.js';
import {
  type ParallelOptions,
  sqliteFile,
  verifyPrefixInWorkers,
  workerAvailable,
} from '../../src/audit/verify-parallel.js';
import { type RangeDb, rangeChecker } from '../../src/audit/verify-range.js';
import { withSchema } from '../helpers/postgres.js';
import { type AuditFixture, auditFixture, disclosure, dropAppendOnlyTriggers } from './helpers.js';
import { type InThreadOptions, inThreadWorkers } from './in-thread-workers.js';
import { ATTACKS, fileChain as corpusChain, exec, reference, referencePrefix } from './tamper-corpus.js';

const open: AuditFixture[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.store.close()));
});
const fileChain = (n: number) => corpusChain(n, open);
const GENESIS = { expected: 1, prevHash: GENESIS_HASH };

async function hashOf(f: AuditFixture, seq: number): Promise<string> {
  const row = await f.store.db
    .selectFrom('audit')
    .select('hash')
    .where('seq', '=', seq)
    .executeTakeFirstOrThrow();
  return row.hash;
}

/** verifyPrefixInWorkers on in-thread workers; the workers' log beside the outcome. */
async function prefix(
  f: AuditFixture,
  opts: Omit<ParallelOptions, 'file' | 'startWorker'>,
  start = GENESIS,
  workerOptions: InThreadOptions = {},
) {
  const workers = inThreadWorkers(workerOptions);
  const file = (await sqliteFile(f.store.db)) as string;
  const outcome = verifyPrefixInWorkers({ ...opts, file, startWorker: workers.start }, start);
  return { outcome, workers };
}

/** Later ranges answer first: the coordinator must still take results in seq order. */
const laterFirst: InThreadOptions = { delay: (task) => (4 - (task.id % 4)) * 2 };

describe('parallel verification from the sources reaches the sequential verdict', () => {
  for (const [name, attack] of Object.entries(ATTACKS)) {
    it(`${name}: the workers' prefix and the verdict are the sequential loop's`, async () => {
      const f = await fileChain(10);
      await dropAppendOnlyTriggers(f.store);
      await attack(f.store);
      for (const [rangeSize, batchSize] of [
        [3, 3],
        [6, 3],
        [2, 1],
        [4, 2],
      ] as const) {
        for (const upTo of [undefined, 7]) {
          const bounds = { rangeSize, batchSize, end: upTo ?? 10, ...(upTo === undefined ? {} : { upTo }) };
          const { outcome, workers } = await prefix(f, { threads: 2, ...bounds }, GENESIS, laterFirst);
          expect(await outcome).toEqual(await referencePrefix(f.store.db, bounds));
          expect(workers.results.filter((r) => r.error !== undefined)).toEqual([]);
          expect(workers.terminated).toBe(workers.setups.length);
          expect(workers.afterTerminate).toBe(0);
        }
      }
      for (const batchSize of [1, 3, 4, 100]) {
        const workers = inThreadWorkers(laterFirst);
        expect(await verifyChain(f.store.db, { threads: 2, batchSize, startWorker: workers.start })).toEqual(
          await reference(f.store.db, batchSize),
        );
        // A text seq at the head ('x') leaves the whole chain to this thread.
        if (name.includes("'x'")) expect(workers.setups).toEqual([]);
        else expect(workers.setups.length).toBeGreaterThan(0);
      }
      for (const upTo of [4, 7, 10]) {
        const workers = inThreadWorkers();
        expect(
          await verifyChain(f.store.db, { threads: 2, batchSize: 3, upTo, startWorker: workers.start }),
        ).toEqual(await reference(f.store.db, 3, upTo));
      }
    });
  }

  it('takes the ranges in seq order: a break in an early range wins over one in a later range that answers first', async () => {
    const f = await fileChain(10);
    await dropAppendOnlyTriggers(f.store);
    await exec(f.store, `update audit set actor = 'x' where seq in (2, 8)`);
    const { outcome, workers } = await prefix(
      f,
      { threads: 2, rangeSize: 3, batchSize: 3, end: 10 },
      GENESIS,
      {
        delay: (task) => (task.id === 0 ? 30 : 0),
      },
    );
    expect(await outcome).toEqual({
      broken: { seq: 2, problem: 'entry 2 was altered (its hash does not match)' },
    });
    expect(workers.results.map((r) => r.id)).toContain(2);
  });

  it('hands each worker at most two ranges at a time, and at most three per worker beyond the oldest unchecked', async () => {
    const f = await fileChain(20);
    let handedOutBeforeFirst = -1;
    const { outcome, workers } = await prefix(
      f,
      { threads: 2, rangeSize: 1, batchSize: 1, end: 20 },
      GENESIS,
      {
        delay: (task) => (task.id === 0 ? 40 : 0),
        tamper: (result) => {
          if (result.id === 0) handedOutBeforeFirst = workers.tasks.length;
          return result;
        },
      },
    );
    expect(await outcome).toEqual({ state: { expected: 21, prevHash: await hashOf(f, 20) } });
    expect(handedOutBeforeFirst).toBe(6);
    expect(workers.maxInFlight).toBe(2);
    expect(workers.tasks.map(({ id, from, to }) => ({ id, from, to }))).toEqual(
      Array.from({ length: 20 }, (_, id) => ({ id, from: id + 1, to: id + 2 })),
    );
  });

  it('reports progress after each range that verified entries, and stops where the last range comes back short', async () => {
    const f = await fileChain(10);
    const progress: number[] = [];
    const { outcome } = await prefix(f, {
      threads: 2,
      rangeSize: 3,
      batchSize: 3,
      end: 10,
      onProgress: (n) => progress.push(n),
    });
    expect(await outcome).toEqual({ state: { expected: 10, prevHash: await hashOf(f, 9) } });
    expect(progress).toEqual([3, 6, 9]);
  });

  it('with no range left to check, answers the start without starting a worker', async () => {
    const f = await fileChain(3);
    const start = { expected: 4, prevHash: await hashOf(f, 3) };
    const { outcome, workers } = await prefix(f, { threads: 2, rangeSize: 3, batchSize: 3, end: 3 }, start);
    expect(await outcome).toEqual({ state: start });
    expect(workers.setups).toEqual([]);
  });

  it('refuses a range size that is not a whole number of batches', async () => {
    const f = await fileChain(3);
    const { outcome, workers } = await prefix(f, { threads: 2, rangeSize: 5, batchSize: 3, end: 3 });
    await expect(outcome).rejects.toThrow('rangeSize must be a multiple of batchSize');
    expect(workers.setups).toEqual([]);
  });

  it('starts no more workers than there are ranges, each told the file, batch size and upTo', async () => {
    const f = await fileChain(10);
    const file = await sqliteFile(f.store.db);
    const all = await prefix(f, { threads: 8, rangeSize: 5, batchSize: 5, end: 10 });
    await all.outcome;
    expect(all.workers.setups).toEqual([
      { file, batchSize: 5 },
      { file, batchSize: 5 },
    ]);
    const upTo = await prefix(f, { threads: 8, rangeSize: 5, batchSize: 5, end: 7, upTo: 7 });
    expect(await upTo.outcome).toEqual({ state: { expected: 6, prevHash: await hashOf(f, 5) } });
    expect(upTo.workers.setups).toEqual([
      { file, batchSize: 5, upTo: 7 },
      { file, batchSize: 5, upTo: 7 },
    ]);
  });

  it('ignores the results still on their way once the verdict is in: no task is handed out after it', async () => {
    const f = await fileChain(10);
    await dropAppendOnlyTriggers(f.store);
    await exec(f.store, `update audit set actor = 'x' where seq = 1`);
    const { outcome, workers } = await prefix(
      f,
      { threads: 2, rangeSize: 1, batchSize: 1, end: 10 },
      GENESIS,
      {
        delay: (task) => (task.id === 0 ? 0 : task.id === 1 ? 20 : 5),
      },
    );
    expect(await outcome).toEqual({
      broken: { seq: 1, problem: 'entry 1 was altered (its hash does not match)' },
    });
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(workers.results.length).toBeGreaterThan(1);
    expect(workers.afterTerminate).toBe(0);
    expect(workers.terminated).toBe(2);
  });
});

describe('a worker that fails: the prefix rejects, and verification carries on in this thread', () => {
  const failures: Array<[string, InThreadOptions, string | RegExp]> = [
    [
      'a read error reported in a result',
      { tamper: (r) => ({ id: r.id, full: 0, error: 'disk I/O error' }) },
      'audit verification worker: disk I/O error',
    ],
    [
      'an error event',
      {
        tamper: (_r, events) => {
          events.emit('error', new Error('worker crashed'));
          return undefined;
        },
      },
      'worker crashed',
    ],
    [
      'an exit',
      {
        tamper: (_r, events) => {
          events.emit('exit', 1);
          return undefined;
        },
      },
      'audit verification worker exited (1)',
    ],
  ];
  for (const [name, options, message] of failures) {
    it(name, async () => {
      const f = await fileChain(10);
      const { outcome, workers } = await prefix(
        f,
        { threads: 2, rangeSize: 3, batchSize: 3, end: 10 },
        GENESIS,
        options,
      );
      await expect(outcome).rejects.toThrow(message);
      expect(workers.terminated).toBe(2);
      const fallback = inThreadWorkers(options);
      expect(
        await verifyChain(f.store.db, { threads: 2, batchSize: 3, startWorker: fallback.start }),
      ).toEqual(await reference(f.store.db, 3));
      expect(fallback.setups.length).toBe(2);
    });
  }

  it('a file the worker cannot open', async () => {
    const workers = inThreadWorkers();
    await expect(
      verifyPrefixInWorkers(
        {
          file: '/nonexistent/audit.db',
          threads: 1,
          rangeSize: 3,
          batchSize: 3,
          end: 10,
          startWorker: workers.start,
        },
        GENESIS,
      ),
    ).rejects.toThrow();
  });

  it('a read that throws becomes the range result’s error, whatever was thrown', () => {
    const throwing = (thrown: unknown): RangeDb => ({
      prepare: () => ({
        raw: () => ({
          iterate: () => {
            throw thrown;
          },
        }),
      }),
    });
    const task = { id: 4, from: 13, to: 16 };
    expect(
      rangeChecker({ file: 'x', batchSize: 3 }, throwing(new Error('database is locked')))(task),
    ).toEqual({
      id: 4,
      full: 0,
      error: 'database is locked',
    });
    expect(rangeChecker({ file: 'x', batchSize: 3 }, throwing('SQLITE_BUSY'))(task)).toEqual({
      id: 4,
      full: 0,
      error: 'SQLITE_BUSY',
    });
  });
});

describe('when verifyChain uses workers (verify.ts)', () => {
  it('not when told threads: 0, for :memory:, inside a transaction, or when the head seq is not an integer', async () => {
    const f = await fileChain(10);
    const workers = inThreadWorkers();
    const ok = { ok: true, entries: 10, head: { seq: 10, hash: await hashOf(f, 10) } };
    expect(await verifyChain(f.store.db, { threads: 0, batchSize: 3, startWorker: workers.start })).toEqual(
      ok,
    );
    await f.store.db.transaction().execute(async (tx) => {
      expect(await sqliteFile(tx)).toBeNull();
      expect(await verifyChain(tx, { threads: 2, batchSize: 3, startWorker: workers.start })).toEqual(ok);
    });
    const memory = await auditFixture();
    open.push(memory);
    await memory.append(disclosure(1));
    expect(await sqliteFile(memory.store.db)).toBeNull();
    expect(
      await verifyChain(memory.store.db, { threads: 2, batchSize: 3, startWorker: workers.start }),
    ).toMatchObject({ ok: true, entries: 1 });
    expect(workers.setups).toEqual([]);
    expect(await sqliteFile(f.store.db)).toMatch(/audit\.db$/);
  });

  it('from the sources there is no compiled worker module: without startWorker, this thread verifies', async () => {
    expect(workerAvailable()).toBe(false);
    const f = await fileChain(4);
    expect(await verifyChain(f.store.db, { threads: 2, batchSize: 1 })).toEqual(
      await reference(f.store.db, 1),
    );
  });

  it('PostgreSQL: in this thread', async () => {
    await withSchema(async (schema) => {
      const pg = await auditFixture(schema.url);
      try {
        await pg.append(disclosure(1));
        const workers = inThreadWorkers();
        expect(await sqliteFile(pg.store.db)).toBeNull();
        expect(await verifyChain(pg.store.db, { threads: 2, startWorker: workers.start })).toMatchObject({
          ok: true,
          entries: 1,
        });
        expect(workers.setups).toEqual([]);
      } finally {
        await pg.store.close();
      }
    });
  });

  it('as many workers as asked (one is enough), in ranges of 10,000 entries read in batches of 2,000 by default', async () => {
    const f = await fileChain(10);
    const file = await sqliteFile(f.store.db);
    const one = inThreadWorkers();
    const ok = { ok: true, entries: 10, head: { seq: 10, hash: await hashOf(f, 10) } };
    expect(await verifyChain(f.store.db, { threads: 1, startWorker: one.start })).toEqual(ok);
    expect(one.setups).toEqual([{ file, batchSize: 2000 }]);
    expect(one.tasks).toEqual([{ id: 0, from: 1, to: 10_001, worker: 0 }]);
    const unset = inThreadWorkers();
    expect(await verifyChain(f.store.db, { startWorker: unset.start })).toEqual(ok);
    expect(unset.setups).toEqual([]);
  });

  it('by default one worker per core, at most 8, from 50,000 entries', () => {
    expect(defaultThreads(49_999, 4)).toBe(0);
    expect(defaultThreads(50_000, 4)).toBe(4);
    expect(defaultThreads(50_000, 1)).toBe(1);
    expect(defaultThreads(1_000_000, 16)).toBe(8);
  });

  it('up to a seq (a checkpoint): no range beyond it is handed out, and the workers read no further', async () => {
    const f = await fileChain(10);
    const workers = inThreadWorkers();
    const verdict = await verifyChain(f.store.db, {
      threads: 1,
      batchSize: 1,
      upTo: 4.5,
      startWorker: workers.start,
    });
    expect(verdict).toEqual({ ok: true, entries: 4, head: { seq: 4, hash: await hashOf(f, 4) } });
    expect(verdict).toEqual(await reference(f.store.db, 1, 4.5));
    expect(workers.setups[0]?.upTo).toBe(4.5);
    expect(Math.max(...workers.tasks.map((t) => t.from))).toBe(4);
  });

  it('progress: each range from the workers, then each batch of this thread', async () => {
    const f = await fileChain(10);
    const progress: number[] = [];
    const workers = inThreadWorkers();
    await verifyChain(f.store.db, {
      threads: 2,
      batchSize: 3,
      onProgress: (n) => progress.push(n),
      startWorker: workers.start,
    });
    expect(progress).toEqual([3, 6, 9, 10]);
  });

  it('an empty chain in a file: verified without a worker', async () => {
    const f = await fileChain(0);
    const workers = inThreadWorkers();
    expect(await verifyChain(f.store.db, { threads: 2, startWorker: workers.start })).toEqual({
      ok: true,
      entries: 0,
      head: null,
    });
    expect(workers.setups).toEqual([]);
  });
});
