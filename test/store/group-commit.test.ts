/**
 * Group commit on the SQLite store (issue 11): transactions that arrive together share one COMMIT,
 * each caller resolves only once that COMMIT is durable, and a failing member rolls back alone.
 */
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { verifyChain } from '../../src/audit/verify.js';
import { groupCommitter } from '../../src/store/group-commit.js';
import { openStore, type Store } from '../../src/store/index.js';
import { migrate } from '../../src/store/migrate.js';
import type { Database } from '../../src/store/schema.js';
import { tempDir } from '../helpers/test-app.js';

const audit = createAuditLog({
  clock: { now: () => new Date('2026-11-23T10:00:00Z') },
  subjectKey: 'k'.repeat(32),
});
const entry = (n: number) => ({ action: 'received' as const, actor: 'north-coast-trust', eventId: `e-${n}` });

let opened: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  for (const s of opened.reverse()) await s.close();
  opened = [];
});

async function fileStore(): Promise<{ store: Store; file: string }> {
  const file = join(tempDir('homeward-group-'), 'gateway.db');
  const store = await openStore(`sqlite:${file}`);
  opened.push(store);
  return { store, file };
}

/** A second, independent connection to the same file: sees only what has committed. */
function observer(file: string): BetterSqlite3.Database {
  const raw = new BetterSqlite3(file, { readonly: true });
  opened.push({ close: () => void raw.close() });
  return raw;
}

class Refused extends Error {}

/** A group committer on its own SQLite file, counting the COMMITs it issues. */
async function countingGroups(opts: { maxMembers?: number } = {}) {
  const raw = new BetterSqlite3(join(tempDir('homeward-group-'), 'g.db'));
  raw.pragma('journal_mode = WAL');
  let commits = 0;
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: raw }),
    log: (e) => {
      if (e.query.sql === 'commit') commits++;
    },
  });
  opened.push({ close: () => db.destroy() });
  await migrate(db);
  commits = 0;
  const groups = groupCommitter(db, { inTransaction: () => raw.inTransaction, ...opts });
  return { db, groups, commits: () => commits };
}

describe('SQLite group commit', () => {
  it('answers each caller only after its writes are committed and visible to other connections', async () => {
    const { store, file } = await fileStore();
    const other = observer(file);
    const seenAtResolve: number[] = [];
    const members = Array.from({ length: 40 }, (_, n) =>
      store
        .transaction((tx) => audit.append(tx, entry(n)))
        .then(({ seq }) => {
          const row = other.prepare('select seq from audit where seq = ?').get(seq) as
            | { seq: number }
            | undefined;
          seenAtResolve.push(row?.seq ?? -1);
          return seq;
        }),
    );
    const seqs = await Promise.all(members);
    expect(seenAtResolve).not.toContain(-1);
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await verifyChain(store.db)).toMatchObject({ ok: true, entries: 40 });
  });

  it('rolls a failing member back alone: the others commit and the audit chain stays gap-free', async () => {
    const { store } = await fileStore();
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, n) =>
        store.transaction(async (tx) => {
          const appended = await audit.append(tx, entry(n));
          if (n % 3 === 1) throw new Refused(`member ${n} refused`);
          return appended.seq;
        }),
      ),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(10);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(Refused);
    const rows = await store.db.selectFrom('audit').select(['seq', 'event_id']).orderBy('seq').execute();
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(rows.map((r) => r.event_id)).not.toContain('e-1');
    expect(await verifyChain(store.db)).toMatchObject({ ok: true, entries: 20 });
  });

  it('shares one COMMIT among transactions that arrive together', async () => {
    const { db, groups, commits } = await countingGroups();
    await Promise.all(Array.from({ length: 100 }, (_, n) => groups.run((tx) => audit.append(tx, entry(n)))));
    expect(commits()).toBeGreaterThanOrEqual(1);
    expect(commits()).toBeLessThan(10);
    expect(await verifyChain(db)).toMatchObject({ ok: true, entries: 100 });
  });

  it('bounds a group: a steady stream of callers is committed in several groups', async () => {
    const { groups, commits } = await countingGroups({ maxMembers: 7 });
    await Promise.all(Array.from({ length: 50 }, (_, n) => groups.run((tx) => audit.append(tx, entry(n)))));
    expect(commits()).toBeGreaterThanOrEqual(8);
  });

  it('when the database abandons the transaction, every member of the group hears it and later callers still commit', async () => {
    const { store } = await fileStore();
    const abandonedError = new Error('the transaction was rolled back under us');
    const first = store.transaction((tx) => audit.append(tx, entry(1)));
    const breaker = store.transaction(async (tx) => {
      await audit.append(tx, entry(2));
      // What SQLITE_FULL or SQLITE_IOERR do: the whole transaction is gone, not just this member.
      await sql`rollback`.execute(tx);
      throw abandonedError;
    });
    const results = await Promise.allSettled([first, breaker]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toBe(abandonedError);
    expect((results[0] as PromiseRejectedResult).reason).toBe(abandonedError);
    expect(await store.db.selectFrom('audit').select('seq').execute()).toEqual([]);

    const later = await store.transaction((tx) => audit.append(tx, entry(3)));
    expect(later.seq).toBe(1);
    expect(await verifyChain(store.db)).toMatchObject({ ok: true, entries: 1 });
  });

  it('hands each member a real transaction (code that must not read around it can tell)', async () => {
    const { store } = await fileStore();
    const seen = await Promise.all([1, 2, 3].map(() => store.transaction(async (tx) => tx.isTransaction)));
    expect(seen).toEqual([true, true, true]);
  });

  it('waits for an open group before closing', async () => {
    const { store } = await fileStore();
    const pending = Promise.all(
      Array.from({ length: 20 }, (_, n) => store.transaction((tx) => audit.append(tx, entry(n)))),
    );
    await store.close();
    await expect(pending).resolves.toHaveLength(20);
  });
});
