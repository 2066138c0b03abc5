import { type Kysely, type Migration, PostgresAdapter, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists (Kysely docs)
type AnyDb = Kysely<any>;

/**
 * Issue 9: the PostgreSQL form of migration 0002's append-only triggers (SQLite keeps its own,
 * this is a no-op there). A row trigger refuses UPDATE and DELETE, and a statement trigger
 * TRUNCATE, which row triggers do not see. As on SQLite this stops a bug or a stray statement;
 * the table owner or a superuser can still drop or disable the triggers, which the hash chain and
 * the signed checkpoints then reveal (src/audit/README.md).
 */
export const m0005: Migration = {
  async up(db: AnyDb) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql
      .raw(
        `create function audit_append_only() returns trigger language plpgsql as $$
         begin
           raise exception 'audit is append-only';
         end $$`,
      )
      .execute(db);
    for (const op of ['update', 'delete']) {
      await sql
        .raw(
          `create trigger audit_no_${op} before ${op} on audit for each row execute function audit_append_only()`,
        )
        .execute(db);
    }
    await sql
      .raw(
        'create trigger audit_no_truncate before truncate on audit for each statement execute function audit_append_only()',
      )
      .execute(db);
  },
};
