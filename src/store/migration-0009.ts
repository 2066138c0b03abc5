import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists (Kysely docs)
type AnyDb = Kysely<any>;

/**
 * Issue 19 item 5: readmission links. One row per referral that a person's new stay produced
 * within an agreement's readmission window of an earlier referral of theirs that ended
 * (completed or declined): which earlier referral, how and when it ended, whether it went to the
 * same recipient and whether that recipient was offered the new one first. Ids, codes and times
 * only: nothing about the person but what the referrals already hold. Owned by the referral stage
 * (src/referral/readmissions.ts). The index finds a person's ended referrals (by subject HMAC,
 * never the NHS number). Depends on no migration after 0006.
 */
export const m0009: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('readmission_links')
      .addColumn('referral_id', 'text', (c) => c.primaryKey())
      .addColumn('earlier_referral_id', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('earlier_recipient', 'text', (c) => c.notNull())
      .addColumn('earlier_outcome', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text', (c) => c.notNull())
      .addColumn('window_days', 'integer', (c) => c.notNull())
      .addColumn('offered_first', 'integer', (c) => c.notNull())
      .addColumn('linked_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('readmission_links_linked')
      .on('readmission_links')
      .column('linked_at')
      .execute();
    await db.schema
      .createIndex('referrals_subject_ended')
      .on('referrals')
      .columns(['subject_hmac', 'updated_at'])
      .execute();
  },
};
