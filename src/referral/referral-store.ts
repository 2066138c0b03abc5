/**
 * Referrals (table `referrals`): one per permitted (episode, recipient), the episode being the
 * sender, encounter identifier and person (issue 17 item 1). Later events of the
 * same episode update it (issue 7 item 4). Every query that serves a partner takes that
 * partner's id (issue 3 item 4: isolation lives in the data layer).
 *
 * The referral stage owns this table (issue 19 item 1): only files in src/referral/ write it
 * (test/referral/table-owner.test.ts), and a status changes only through move.ts.
 */
import type { Db, Tx } from '../store/index.js';
import type { ReferralTable } from '../store/schema.js';
import { FINAL_STATUSES } from './status.js';
import { appendStep } from './steps.js';

export type ReferralRow = ReferralTable;

/** A new referral starts `queued` (design.md, Referral lifecycle); later moves go through move.ts. */
export async function insertReferral(tx: Tx, row: Omit<ReferralRow, 'status'>): Promise<void> {
  await tx
    .insertInto('referrals')
    .values({ ...row, status: 'queued' })
    .execute();
  // The first of its steps (steps.ts): the trust's Task lists them all, in order.
  await appendStep(tx, row.id, { step: 'queued', at: new Date(row.created_at), mover: 'gateway' });
}

/** The open referral of this episode for this recipient, if any. */
export async function openEpisodeReferral(
  tx: Db | Tx,
  episodeKey: string,
  recipient: string,
): Promise<ReferralRow | undefined> {
  return tx
    .selectFrom('referrals')
    .selectAll()
    .where('episode_key', '=', episodeKey)
    .where('recipient', '=', recipient)
    .where('status', 'not in', [...FINAL_STATUSES])
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

/** A later event of the episode: its dataset and agreement. Never the status (move.ts does that). */
export async function updateReferral(
  tx: Tx,
  id: string,
  patch: Partial<
    Pick<
      ReferralRow,
      'dataset' | 'dataset_fields' | 'due_by' | 'priority' | 'version' | 'agreement_id' | 'agreement_version'
    >
  > & {
    updated_at: string;
  },
): Promise<void> {
  await tx.updateTable('referrals').set(patch).where('id', '=', id).execute();
}

/** Something about the referral changed that is not its status or dataset (a worker named). */
export async function touchReferral(tx: Tx, id: string, at: Date): Promise<void> {
  await tx.updateTable('referrals').set({ updated_at: at.toISOString() }).where('id', '=', id).execute();
}

export async function referralById(db: Db | Tx, id: string): Promise<ReferralRow | undefined> {
  return db.selectFrom('referrals').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A referral as its recipient may see it: undefined for any other partner (404, never 403). */
export async function referralForRecipient(
  db: Db | Tx,
  id: string,
  recipient: string,
): Promise<ReferralRow | undefined> {
  return db
    .selectFrom('referrals')
    .selectAll()
    .where('id', '=', id)
    .where('recipient', '=', recipient)
    .executeTakeFirst();
}

/** A referral as its sending trust may see it. */
export async function referralForSender(
  db: Db | Tx,
  id: string,
  sender: string,
): Promise<ReferralRow | undefined> {
  return db
    .selectFrom('referrals')
    .selectAll()
    .where('id', '=', id)
    .where('sender', '=', sender)
    .executeTakeFirst();
}
