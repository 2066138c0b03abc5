import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect, sql } from 'kysely';
import { migrate } from './migrate.js';
import type { Database } from './schema.js';
import type { Store } from './store.js';

/** Distinct SQL texts kept prepared; Kysely's few hundred query shapes fit, odd `in (...)` lists rotate out. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * better-sqlite3 with its prepared statements reused (Kysely prepares every query afresh, which
 * the issue 11 profile showed as the largest cost of an intake after the commit itself). A cached
 * statement still being iterated (a streamed query) is busy, so a fresh one is prepared instead.
 */
function withStatementCache(raw: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => raw.close(),
    prepare: (text: string) => {
      const cached = cache.get(text);
      if (cached && !cached.busy) return cached;
      const stmt = raw.prepare(text);
      if (!cached) {
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
        cache.set(text, stmt);
      }
      return stmt;
    },
  };
}

/**
 * Embedded default store: one SQLite file in WAL mode with synchronous=FULL, so a commit
 * the store reported survives a process kill and a power cut (SQLite docs, "PRAGMA synchronous").
 */
export async function openSqliteStore(path: string): Promise<Store> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new BetterSqlite3(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.pragma('foreign_keys = ON');
  // Another process (CLI, a second gateway) may hold the write lock briefly.
  raw.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
  await migrate(db);
  let closed = false;
  return {
    dialect: 'sqlite',
    db,
    transaction: (fn) => db.transaction().execute(fn),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
