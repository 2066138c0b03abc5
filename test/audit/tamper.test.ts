import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { entryHash } from '../../src/audit/canonical.js';
import { countEntries, verifyChain } from '../../src/audit/verify.js';
import type { Store } from '../../src/store/index.js';
import { disclosure, dropAppendOnlyTriggers, withEntries } from './helpers.js';

async function tampered(n: number, attack: (store: Store) => Promise<void>) {
  const f = await withEntries(n);
  await dropAppendOnlyTriggers(f.store);
  await attack(f.store);
  return verifyChain(f.store.db, { batchSize: 3 });
}

/** Recompute one row's hash the way an attacker who knows the format would. */
async function rehash(store: Store, seq: number): Promise<void> {
  const row = await store.db.selectFrom('audit').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();
  const { hash: _old, ...rest } = row;
  await store.db
    .updateTable('audit')
    .set({ hash: entryHash(rest) })
    .where('seq', '=', seq)
    .execute();
}

describe('verification names the first broken entry', () => {
  it('counts the entries of the log, whatever their links (the total a CLI progress bar shows)', async () => {
    const f = await withEntries(4);
    expect(await countEntries(f.store.db)).toBe(4);
    await dropAppendOnlyTriggers(f.store);
    await f.store.db.deleteFrom('audit').where('seq', '=', 2).execute();
    expect(await countEntries(f.store.db)).toBe(3);
  });

  it('accepts an untouched chain, streaming across batches', async () => {
    const f = await withEntries(10);
    const head = await f.store.db
      .selectFrom('audit')
      .select(['seq', 'hash'])
      .where('seq', '=', 10)
      .executeTakeFirst();
    expect(await verifyChain(f.store.db, { batchSize: 3 })).toEqual({ ok: true, entries: 10, head });
    expect(await verifyChain((await withEntries(0)).store.db)).toEqual({ ok: true, entries: 0, head: null });
  });

  it('edit: a changed column breaks that entry', async () => {
    const r = await tampered(10, (s) =>
      s.db
        .updateTable('audit')
        .set({ recipient: 'wearmouth-council' })
        .where('seq', '=', 7)
        .execute()
        .then(() => {}),
    );
    expect(r).toMatchObject({
      ok: false,
      firstBrokenSeq: 7,
      entries: 10,
      problem: expect.stringMatching(/altered/),
    });
  });

  it('edit with a recomputed hash: the next entry no longer links', async () => {
    const r = await tampered(10, async (s) => {
      await s.db.updateTable('audit').set({ fields: '["name"]' }).where('seq', '=', 4).execute();
      await rehash(s, 4);
    });
    expect(r).toMatchObject({
      ok: false,
      firstBrokenSeq: 5,
      problem: expect.stringMatching(/does not link/),
    });
  });

  it('delete: a missing entry in the middle, or the first one', async () => {
    expect(
      await tampered(10, (s) =>
        s.db
          .deleteFrom('audit')
          .where('seq', '=', 6)
          .execute()
          .then(() => {}),
      ),
    ).toMatchObject({
      ok: false,
      firstBrokenSeq: 6,
      entries: 9,
      problem: 'entry 6 is missing',
    });
    expect(
      await tampered(5, (s) =>
        s.db
          .deleteFrom('audit')
          .where('seq', '=', 1)
          .execute()
          .then(() => {}),
      ),
    ).toMatchObject({
      ok: false,
      firstBrokenSeq: 1,
    });
  });

  it('reorder: swapping two entries breaks the first of them', async () => {
    const r = await tampered(10, async (s) => {
      await sql`update audit set seq = -1 where seq = 3`.execute(s.db);
      await sql`update audit set seq = 3 where seq = 4`.execute(s.db);
      await sql`update audit set seq = 4 where seq = -1`.execute(s.db);
    });
    expect(r).toMatchObject({ ok: false, firstBrokenSeq: 3 });
  });

  it('insert: a forged entry at the end, one slipped into the middle, one before the start', async () => {
    const atEnd = await tampered(5, async (s) => {
      const last = await s.db.selectFrom('audit').selectAll().where('seq', '=', 5).executeTakeFirstOrThrow();
      await s.db
        .insertInto('audit')
        .values({ ...last, seq: 6, prev_hash: 'f'.repeat(64) })
        .execute();
    });
    expect(atEnd).toMatchObject({ ok: false, firstBrokenSeq: 6 });

    // The forger renumbers 4.. up by one and writes a perfectly linked entry 4: entry 5 (the old 4)
    // carries seq 4 inside its hash, so it is the first link that fails.
    const middle = await tampered(8, async (s) => {
      for (let seq = 8; seq >= 4; seq--)
        await sql`update audit set seq = ${seq + 1} where seq = ${seq}`.execute(s.db);
      const prev = await s.db.selectFrom('audit').selectAll().where('seq', '=', 3).executeTakeFirstOrThrow();
      const forged = { ...prev, seq: 4, referral_id: 'forged', prev_hash: prev.hash };
      const { hash: _h, ...unhashed } = forged;
      await s.db
        .insertInto('audit')
        .values({ ...forged, hash: entryHash(unhashed) })
        .execute();
    });
    expect(middle).toMatchObject({ ok: false, firstBrokenSeq: 5 });

    const before = await tampered(3, async (s) => {
      const first = await s.db.selectFrom('audit').selectAll().where('seq', '=', 1).executeTakeFirstOrThrow();
      await s.db
        .insertInto('audit')
        .values({ ...first, seq: 0 })
        .execute();
    });
    expect(before).toMatchObject({ ok: false, firstBrokenSeq: 0 });
  });

  it('a consistent rewrite of every later entry passes the chain (only a checkpoint catches it)', async () => {
    const r = await tampered(6, async (s) => {
      await s.db.updateTable('audit').set({ recipient: 'wearmouth-council' }).where('seq', '=', 3).execute();
      for (let seq = 3; seq <= 6; seq++) {
        if (seq > 3) {
          const prev = await s.db
            .selectFrom('audit')
            .select('hash')
            .where('seq', '=', seq - 1)
            .executeTakeFirstOrThrow();
          await s.db.updateTable('audit').set({ prev_hash: prev.hash }).where('seq', '=', seq).execute();
        }
        await rehash(s, seq);
      }
    });
    expect(r.ok).toBe(true);
  });

  it('keeps appending after verification on the same chain', async () => {
    const f = await withEntries(3);
    await f.append(disclosure(4));
    expect(await verifyChain(f.store.db)).toMatchObject({ ok: true, entries: 4 });
  });
});
