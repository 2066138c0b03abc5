import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrate } from './migrate.js';
import type { Database } from './schema.js';
import type { Store } from './store.js';

/**
 * PostgreSQL store (issue 9): several gateway processes share one database. Each process has a
 * pool; transactions run at READ COMMITTED (the server default). What must be serialised across
 * processes is, and nothing more: the audit chain by an advisory lock (src/audit/audit-log.ts),
 * event idempotency and jti replay by unique constraints, delivery claims by conditional UPDATEs.
 *
 * Everything about the connection itself (host, credentials, TLS via `sslmode`, a schema via
 * `options=-c search_path=...`) comes from the URL, as libpq users expect.
 */
export interface PostgresTuning {
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** An idle pooled connection failed (server restart, network): the pool replaces it. */
  onPoolError?: (err: Error) => void;
}

export const POSTGRES_DEFAULTS: PostgresTuning = {
  poolMax: 10,
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 30_000,
};

/**
 * bigint (int8) as a JS number, as SQLite gives it: audit `seq` and COUNT(*) stay far below 2^53.
 * Per pool, so that other users of `pg` in the process keep its default (strings).
 */
const INT8 = 20;
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Deadlocks are possible between a transaction that took the audit lock first and then a row,
 * and one that wrote that row first and then asks for the audit lock (SQLite's single write lock
 * has no such order). PostgreSQL aborts one of them; running it again is what its manual advises
 * ("Serialization Failure Handling"). Transaction bodies only touch the database, so a re-run
 * is safe. 40001 cannot happen at READ COMMITTED but is the same kind of error.
 */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_RUNS = 3;

function sqlState(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

export async function openPostgresStore(url: string, tuning: Partial<PostgresTuning> = {}): Promise<Store> {
  const t = { ...POSTGRES_DEFAULTS, ...tuning };
  const pool = new pg.Pool({
    connectionString: url,
    max: t.poolMax,
    connectionTimeoutMillis: t.connectTimeoutMs,
    // Bounds lock waits too (the audit lock included), so a stuck peer cannot hang every process.
    statement_timeout: t.statementTimeoutMs,
    // A process frozen mid-transaction (SIGSTOP, a long GC pause) would hold the audit lock for
    // everyone: the server ends such a session. Transactions never wait on the network here.
    idle_in_transaction_session_timeout: t.statementTimeoutMs,
    application_name: 'homeward',
    types,
  });
  // Without a listener an idle client's error would crash the process (pg docs, "Pool").
  pool.on('error', (err) => t.onPoolError?.(err));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrate(db, await currentSchema(db));
  } catch (err) {
    await db.destroy();
    throw err;
  }
  let closed = false;
  return {
    dialect: 'postgres',
    db,
    async transaction(fn) {
      for (let run = 1; ; run++) {
        try {
          return await db.transaction().execute(fn);
        } catch (err) {
          if (run >= MAX_RUNS || !RETRYABLE.has(sqlState(err))) throw err;
        }
      }
    },
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

/** Where unqualified tables go: the first schema of search_path that exists. */
async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) {
    throw new Error(
      'DATABASE_URL: no schema of the search_path exists (create it, or fix options=-c search_path)',
    );
  }
  return schema;
}
