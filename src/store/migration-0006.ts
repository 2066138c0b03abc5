import { type Kysely, type Migration, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists (Kysely docs)
type AnyDb = Kysely<any>;

/**
 * Issue 17 item 1: one referral per person per stay. `episodes` records, per sending trust and
 * encounter identifier (system and value), the person it belongs to (the subject HMAC, never the
 * NHS number), so a message that reuses another person's encounter identifier is refused; the
 * primary key makes the first claim win across processes. Referrals are keyed by the person too:
 * existing episode keys gain the subject HMAC, so no later event can update another person's
 * referral. Existing episodes are not back-filled: the encounter identifier is inside the stored
 * payload (and purged with it); the first message after the upgrade claims it.
 */
export const m0006: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('episodes')
      .addColumn('sender', 'text', (c) => c.notNull())
      // '' when the identifier has no system: a primary key column cannot be null.
      .addColumn('encounter_system', 'text', (c) => c.notNull())
      .addColumn('encounter_value', 'text', (c) => c.notNull())
      .addColumn('subject_hmac', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('episodes_pk', ['sender', 'encounter_system', 'encounter_value'])
      .execute();
    // `||` concatenates in both SQLite and PostgreSQL.
    await sql`update referrals set episode_key = episode_key || '|' || subject_hmac
      where subject_hmac is not null`.execute(db);
  },
};
