import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists (Kysely docs)
type AnyDb = Kysely<any>;

/**
 * Issue 19 item 3: the steps of a referral, in order, for the trust's Task. One row per status
 * move (`step` is the new status) and per naming of the housing worker (`step` is
 * `worker-named`): when, by whom (the mover, the partner and, when given, the staff member), the
 * step's facts as JSON (the move date; the named worker's name, role and work contact) and the
 * provider's free-text note. `detail` and `note` are null once retention purges them. Owned by
 * the referral stage (src/referral/steps.ts); written in the transaction of the move.
 */
export const m0011: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('referral_steps')
      .addColumn('referral_id', 'text', (c) => c.notNull())
      .addColumn('step_no', 'integer', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('mover', 'text', (c) => c.notNull())
      .addColumn('partner', 'text')
      .addColumn('recorded_by', 'text')
      .addColumn('detail', 'text')
      .addColumn('note', 'text')
      .addPrimaryKeyConstraint('referral_steps_pk', ['referral_id', 'step_no'])
      .execute();
  },
};
