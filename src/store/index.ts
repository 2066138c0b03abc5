import { openSqliteStore } from './sqlite.js';
import type { Store } from './store.js';

export type { Db, Store, Tx } from './store.js';

/** Open the store named by DATABASE_URL (`sqlite:<path>` or `sqlite::memory:`). */
export async function openStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) return openSqliteStore(databaseUrl.slice('sqlite:'.length));
  throw new Error(`Unsupported DATABASE_URL scheme: ${databaseUrl.split(':')[0]}`);
}
