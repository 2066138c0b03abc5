import { openPostgresStore, type PostgresTuning } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './store.js';

export type { PostgresTuning } from './postgres.js';
export type { Db, Store, Tx } from './store.js';

/**
 * Open the store named by DATABASE_URL: `sqlite:<path>`, `sqlite::memory:`, or
 * `postgres://...` / `postgresql://...` (issue 9; `tuning` applies to PostgreSQL only).
 */
export async function openStore(databaseUrl: string, tuning: Partial<PostgresTuning> = {}): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) return openSqliteStore(databaseUrl.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return openPostgresStore(databaseUrl, tuning);
  throw new Error(`Unsupported DATABASE_URL scheme: ${databaseUrl.split(':')[0]}`);
}
