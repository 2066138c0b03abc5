import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type SqliteDatabase,
  SqliteDialect,
  SqliteDriver,
  sql,
} from 'kysely';
import { groupCommitter } from './group-commit.js';
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
 * Every transaction starts with BEGIN IMMEDIATE, taking the write lock before its first read.
 * A group of transactions (group-commit.ts) may begin with a member that only reads; with a
 * deferred BEGIN a later member's first write would then fail at once with SQLITE_BUSY_SNAPSHOT
 * if another process (the CLI, a second gateway) committed in between, instead of waiting
 * busy_timeout ("SQLITE_BUSY_SNAPSHOT", https://sqlite.org/rescode.html#busy_snapshot).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SqliteDatabase) {
    super({ database });
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.database });
  }
}

/**
 * Embedded default store: one SQLite file in WAL mode with synchronous=FULL, so a commit
 * the store reported survives a process kill and a power cut (SQLite docs, "PRAGMA synchronous").
 * Transactions that arrive together share one COMMIT (group-commit.ts): one fsync for the group.
 */
export async function openSqliteStore(path: string): Promise<Store> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new BetterSqlite3(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.pragma('foreign_keys = ON');
  // Checkpoint the WAL into the database file every 8000 pages (about 32 MB) rather than 1000:
  // with synchronous=FULL each checkpoint is another fsync inside some COMMIT, and fewer, larger
  // ones raised group-committed audit appends by about a fifth (issue 11, bench/audit.js).
  raw.pragma('wal_autocheckpoint = 8000');
  // Another process (CLI, a second gateway) may hold the write lock briefly.
  raw.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(withStatementCache(raw)) });
  await migrate(db);
  const groups = groupCommitter(db, { inTransaction: () => raw.inTransaction });
  let closed = false;
  return {
    dialect: 'sqlite',
    db,
    transaction: (fn) => groups.run(fn),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await groups.idle();
      await db.destroy();
    },
  };
}
