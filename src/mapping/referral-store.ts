/**
 * Referrals (table `referrals`): one per permitted (episode, recipient), the episode being the
 * sender, encounter identifier and person (issue 17 item 1). Later events of the
 * same episode update it (issue 7 item 4). Every query that serves a partner takes that
 * partner's id (issue 3 item 4: isolation lives in the data layer).
 */
import type { Db, Tx } from '../store/index.js';
import type { ReferralTable } from '../store/schema.js';

export type ReferralRow = ReferralTable;

/** Statuses after which a referral takes no more updates (design.md, Referral lifecycle). */
export const FINAL_STATUSES = ['completed', 'declined', 'cancelled', 'failed'] as const;

export async function insertReferral(tx: Tx, row: ReferralRow): Promise<void> {
  await tx.insertInto('referrals').values(row).execute();
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

export async function updateReferral(
  tx: Tx,
  id: string,
  patch: Partial<
    Pick<
      ReferralRow,
      | 'status'
      | 'dataset'
      | 'dataset_fields'
      | 'due_by'
      | 'priority'
      | 'version'
      | 'response'
      | 'agreement_id'
      | 'agreement_version'
    >
  > & {
    updated_at: string;
  },
): Promise<void> {
  await tx.updateTable('referrals').set(patch).where('id', '=', id).execute();
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
