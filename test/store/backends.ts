/**
 * The two store backends behind one shape, for the contract suite: a fresh database (a SQLite
 * file, or a PostgreSQL schema) that several Store instances can open at once, as several
 * gateway processes would.
 */
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { createSchema } from '../helpers/postgres.js';
import { tempDir } from '../helpers/test-app.js';

export const BACKENDS = ['sqlite', 'postgres'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface FreshDatabase {
  /** DATABASE_URL of this database. */
  url: string;
  /** Another Store on it (its own connection, or its own pool). */
  open(): Promise<Store>;
  /** Close every store opened here, then remove the database. */
  dispose(): Promise<void>;
}

export async function freshDatabase(backend: Backend): Promise<FreshDatabase> {
  const opened: Store[] = [];
  const schema = backend === 'postgres' ? await createSchema() : undefined;
  const url = schema ? schema.url : `sqlite:${join(tempDir('homeward-contract-'), 'gateway.db')}`;
  return {
    url,
    open: async () => {
      const store = await openStore(url);
      opened.push(store);
      return store;
    },
    dispose: async () => {
      await Promise.all(opened.map((s) => s.close()));
      await schema?.drop();
    },
  };
}
