/**
 * What only the PostgreSQL store has to show (issue 9): start-up races between processes,
 * deployments side by side in one database, the audit lock across pools, deadlock retries,
 * and the pool's settings. The backend-neutral contract is in contract.test.ts.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditLog, lockAuditChain } from '../../src/audit/audit-log.js';
import { verifyChain } from '../../src/audit/verify.js';
import { openStore, type Store } from '../../src/store/index.js';
import { migrations } from '../../src/store/migrations.js';
import { createSchema, type TestSchema } from '../helpers/postgres.js';

const schemas: TestSchema[] = [];
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(schemas.splice(0).map((s) => s.drop()));
});

async function schema(): Promise<TestSchema> {
  const s = await createSchema();
  schemas.push(s);
  return s;
}
async function open(url: string, tuning: Parameters<typeof openStore>[1] = {}): Promise<Store> {
  const store = await openStore(url, tuning);
  stores.push(store);
  return store;
}
const migrated = async (store: Store) =>
  (await sql<{ name: string }>`select name from kysely_migration`.execute(store.db)).rows.length;

/** A promise and the function that resolves it. */
function signal(): { wait: Promise<void>; fire: () => void } {
  let fire = () => {};
  const wait = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { wait, fire };
}

describe('PostgreSQL store', () => {
  it('three processes starting at once on an empty schema: migrated once, all three work', async () => {
    const { url } = await schema();
    const three = await Promise.all([open(url), open(url), open(url)]);
    for (const s of three) expect(await migrated(s)).toBe(Object.keys(migrations).length);
    await Promise.all(
      three.map((s, i) =>
        s.db
          .insertInto('kv')
          .values({ key: `k${i}`, value: 'v' })
          .execute(),
      ),
    );
    expect(await three[0]?.db.selectFrom('kv').select('key').execute()).toHaveLength(3);
  });

  it('keeps deployments in two schemas of one database apart, bookkeeping included', async () => {
    const [a, b] = [await schema(), await schema()];
    const storeA = await open(a.url);
    await storeA.db.insertInto('kv').values({ key: 'only-in-a', value: 'v' }).execute();
    // Kysely's own tables already exist in schema a: b must still get its own.
    const storeB = await open(b.url);
    expect(await migrated(storeB)).toBe(Object.keys(migrations).length);
    expect(await storeB.db.selectFrom('kv').select('key').execute()).toEqual([]);
  });

  it('serialises appends from two pools in one process: gap-free seq, valid chain', async () => {
    const { url } = await schema();
    const [one, two] = [await open(url), await open(url)];
    const audit = createAuditLog({ clock: { now: () => new Date() }, subjectKey: 'k'.repeat(32) });
    const pause = () => new Promise((r) => setTimeout(r, Math.random() * 3));
    await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        (i % 2 ? one : two).transaction(async (tx) => {
          await audit.append(tx, { action: 'delivery-attempted', actor: 'gateway', referralId: `r-${i}` });
          await pause();
        }),
      ),
    );
    const rows = await one.db.selectFrom('audit').select('seq').orderBy('seq').execute();
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(await verifyChain(two.db)).toMatchObject({ ok: true, entries: 150 });
  });

  it('runs a transaction again when the server aborted it to break a deadlock', async () => {
    const { url } = await schema();
    const store = await open(url);
    await store.db.insertInto('kv').values({ key: 'x', value: '0' }).execute();
    const runs = { a: 0, b: 0 };
    const [aLocked, bWrote] = [signal(), signal()];
    // a: audit lock, then the row; b: the row, then the audit lock (as recordDisclosure does).
    const a = store.transaction(async (tx) => {
      runs.a++;
      await lockAuditChain(tx);
      aLocked.fire();
      await bWrote.wait;
      await tx.updateTable('kv').set({ value: 'a' }).where('key', '=', 'x').execute();
    });
    const b = store.transaction(async (tx) => {
      runs.b++;
      await aLocked.wait;
      await tx.updateTable('kv').set({ value: 'b' }).where('key', '=', 'x').execute();
      bWrote.fire();
      await lockAuditChain(tx);
    });
    await expect(Promise.all([a, b])).resolves.toBeDefined();
    expect(runs.a + runs.b).toBe(3);
  });

  it('applies the pool settings to every connection, and reads bigint as a number', async () => {
    const { url } = await schema();
    const store = await open(url, { statementTimeoutMs: 12_345 });
    const settings = await sql<{ statement: string; idle: string; count: number }>`
      select current_setting('statement_timeout') as statement,
             current_setting('idle_in_transaction_session_timeout') as idle,
             count(*) as count from kv`.execute(store.db);
    expect(settings.rows).toEqual([{ statement: '12345ms', idle: '12345ms', count: 0 }]);
  });

  it('a statement running past the statement timeout fails instead of hanging', async () => {
    const { url } = await schema();
    const store = await open(url, { statementTimeoutMs: 200 });
    await expect(sql`select pg_sleep(2)`.execute(store.db)).rejects.toThrow(/statement timeout/);
  });

  it('fails to open, saying why, when the server cannot be reached', async () => {
    await expect(
      openStore('postgres://postgres@127.0.0.1:1/test', { connectTimeoutMs: 1_000 }),
    ).rejects.toThrow(/ECONNREFUSED|connect/);
  });

  it('fails to open when the search_path names no existing schema', async () => {
    const { url } = await schema();
    const missing = url.replace(/search_path%3D\w+/, 'search_path%3Dhw_does_not_exist');
    await expect(openStore(missing)).rejects.toThrow(/no schema of the search_path exists/);
  });
});
