import { type Kysely, Migrator } from 'kysely';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';

/**
 * Bring the schema up to date. Safe when several processes start at once: Kysely's Migrator runs
 * the pending migrations under a lock (PostgreSQL: a transaction-scoped advisory lock, with the
 * DDL in the same transaction), so the first process migrates and the others then find nothing to do.
 *
 * `schema` (PostgreSQL) names where Kysely keeps its own bookkeeping tables. Without it Kysely
 * looks for them in EVERY schema of the database (its introspection is not limited to the
 * search_path), so a second deployment in another schema would think they already exist.
 */
export async function migrate(db: Kysely<Database>, schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(
      `Database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
