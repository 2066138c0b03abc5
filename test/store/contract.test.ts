/**
 * The Store contract (issue 9 item 4), run against both backends: what every stage relies on,
 * with several Store instances on one database standing in for several gateway processes.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Migrator, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/verify.js';
import { isUniqueViolation, type NewEvent, recordEvent } from '../../src/ingest/event-store.js';
import type { Store } from '../../src/store/index.js';
import { migrations } from '../../src/store/migrations.js';
import { BACKENDS, type FreshDatabase, freshDatabase } from './backends.js';

const event = (over: Partial<NewEvent> = {}): NewEvent => ({
  id: 'e-1',
  sender: 'north-coast-trust',
  message_id: 'm-1',
  event_code: 'admission',
  reason: 'new',
  received_at: '2026-11-23T10:00:00.000Z',
  request_id: null,
  payload_sha256: 'a'.repeat(64),
  payload: '{}',
  response: '{"resourceType":"Bundle"}',
  status: 'validated',
  resolved: null,
  ...over,
});
const nothing = async () => {};

/** A child process appending `count` entries through its own Store; resolves when it is done. */
function writer(url: string, name: string, count: number, lanes: number) {
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('./fixtures/audit-writer.mjs', import.meta.url)),
      ...[url, name, String(count), String(lanes)],
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => {
    err += String(d);
  });
  const ready = new Promise<void>((resolve) =>
    child.stdout.on('data', (d) => {
      out += String(d);
      if (out.includes('ready')) resolve();
    }),
  );
  const done = new Promise<void>((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${name} exited ${code}: ${err}`)),
    ),
  );
  return { ready: Promise.race([ready, done]), go: () => child.stdin.write('go\n'), done };
}

describe.each(BACKENDS)('Store contract: %s', (backend) => {
  let fresh: FreshDatabase;
  afterEach(async () => {
    await fresh?.dispose();
  });
  const setup = async () => {
    fresh = await freshDatabase(backend);
    return fresh;
  };

  it('says which backend it is, and answers ping', async () => {
    const store = await (await setup()).open();
    expect(store.dialect).toBe(backend);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('commits a transaction that resolves, and rolls back one that throws', async () => {
    const store = await (await setup()).open();
    const kept = await store.transaction(async (tx) => {
      await tx.insertInto('kv').values({ key: 'kept', value: '1' }).execute();
      return 'result';
    });
    expect(kept).toBe('result');
    await expect(
      store.transaction(async (tx) => {
        await tx.insertInto('kv').values({ key: 'lost', value: '2' }).execute();
        throw new Error('stage failed');
      }),
    ).rejects.toThrow('stage failed');
    const other = await fresh.open();
    expect(await other.db.selectFrom('kv').select('key').execute()).toEqual([{ key: 'kept' }]);
  });

  it('runs every migration once; opening again (or migrating again) changes nothing', async () => {
    const first = await (await setup()).open();
    await first.db.insertInto('kv').values({ key: 'k', value: 'v' }).execute();
    const second = await fresh.open();
    const again = await new Migrator({
      db: second.db,
      provider: { getMigrations: async () => migrations },
      ...(backend === 'postgres' ? { migrationTableSchema: await schemaOf(second) } : {}),
    }).migrateToLatest();
    expect(again).toEqual({ results: [] });
    const done = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      second.db,
    );
    expect(done.rows.map((r) => r.name)).toEqual(Object.keys(migrations).sort());
    expect(await second.db.selectFrom('kv').select('key').execute()).toEqual([{ key: 'k' }]);
  });

  it('stores an event once: the unique index decides, the violation is classified', async () => {
    const [one, two] = [await (await setup()).open(), await fresh.open()];
    expect(await recordEvent(one, event(), nothing)).toEqual({ kind: 'stored' });
    expect(await recordEvent(two, event({ id: 'e-2' }), nothing)).toMatchObject({
      kind: 'replay',
      event: { id: 'e-1' },
    });
    expect(
      await recordEvent(two, event({ id: 'e-3', payload_sha256: 'b'.repeat(64) }), nothing),
    ).toMatchObject({ kind: 'conflict', event: { id: 'e-1' } });
    const raw = await one.db
      .insertInto('events')
      .values({ ...event({ id: 'e-4' }) })
      .execute()
      .catch((e: unknown) => e);
    expect(isUniqueViolation(raw)).toBe(true);
    // Another constraint (the primary key, new message id) is not a replay: the error surfaces.
    await expect(recordEvent(one, event({ message_id: 'm-2' }), nothing)).rejects.toBeDefined();
  });

  it('stores an event once when the same message arrives ten times at the same moment', async () => {
    // On PostgreSQL each of the pool's connections is a separate session: a real race at the server.
    const store = await (await setup()).open();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => recordEvent(store, event({ id: `e-${i}` }), nothing)),
    );
    expect(outcomes.filter((o) => o.kind === 'stored')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'replay')).toHaveLength(9);
    expect(await store.db.selectFrom('events').select('id').execute()).toHaveLength(1);
  });

  it('refuses UPDATE and DELETE of audit entries', async () => {
    const store = await (await setup()).open();
    await store.transaction(async (tx) => {
      await tx
        .insertInto('audit')
        .values({ seq: 1, at: 'now', action: 'received', prev_hash: '0', hash: '1' })
        .execute();
    });
    await expect(store.db.updateTable('audit').set({ actor: 'x' }).execute()).rejects.toThrow(/append-only/);
    await expect(store.db.deleteFrom('audit').execute()).rejects.toThrow(/append-only/);
    expect(await store.db.selectFrom('audit').select('seq').execute()).toEqual([{ seq: 1 }]);
  });

  it('keeps one gap-free, valid chain when two processes (two stores, two pools) append at once', async () => {
    const { url } = await setup();
    await (await fresh.open()).close(); // schema first, so the writers only race on appends
    const perWriter = 80;
    const lanes = backend === 'postgres' ? 4 : 1;
    const writers = ['writer-a', 'writer-b'].map((n) => writer(url, n, perWriter, lanes));
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.go();
    await Promise.all(writers.map((w) => w.done));
    const store = await fresh.open();
    const rows = await store.db.selectFrom('audit').select(['seq', 'actor']).orderBy('seq').execute();
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 2 * perWriter }, (_, i) => i + 1));
    // The writers really interleaved: otherwise this would prove nothing about the lock.
    const switches = rows.filter((r, i) => i > 0 && r.actor !== rows[i - 1]?.actor).length;
    expect(switches).toBeGreaterThan(2);
    expect(await verifyChain(store.db)).toMatchObject({ ok: true, entries: 2 * perWriter });
  });
});

/** PostgreSQL: the schema the store's search_path puts its tables in. */
async function schemaOf(store: Store): Promise<string> {
  const { rows } = await sql<{ s: string }>`select current_schema() as s`.execute(store.db);
  return rows[0]?.s ?? '';
}
