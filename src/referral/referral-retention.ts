/**
 * The referral stage's part of retention (src/retention/retention.ts says what goes and when;
 * UK GDPR Art. 5(1)(e)): of a referral that ended (completed, declined, cancelled, failed) before
 * the cut-off, its dataset, the free text of the provider's answer and notes, the conversation's text, and the
 * facts of its steps (the move date, the named worker's contact). The bookkeeping stays.
 */
import type { Tx } from '../store/index.js';
import { FINAL_STATUSES } from './status.js';

/**
 * A stored provider answer (referrals.response) without its free text, as JSON; undefined when
 * it has none (nothing to change). Anything unreadable is reduced to nothing but its status.
 */
function withoutFreeText(stored: string | null): string | undefined {
  if (stored === null) return undefined;
  let answer: unknown;
  try {
    answer = JSON.parse(stored);
  } catch {
    return JSON.stringify({ status: 'unknown' });
  }
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer))
    return JSON.stringify({ status: 'unknown' });
  const { note, reason, ...rest } = answer as Record<string, unknown>;
  const reasonText = reason !== null && typeof reason === 'object' && 'text' in reason;
  if (note === undefined && !reasonText) return undefined;
  const code =
    reason !== null && typeof reason === 'object' ? (reason as { code?: unknown }).code : undefined;
  return JSON.stringify({ ...rest, ...(code !== undefined ? { reason: { code } } : {}) });
}

/** Empties what the cut-off allows; the counts say how many datasets and answers were changed. */
export async function forgetEndedReferralData(
  tx: Tx,
  endedBefore: string,
): Promise<{ datasets: number; answers: number; messages: number; steps: number }> {
  const datasets = await tx
    .updateTable('referrals')
    .set({ dataset: null })
    .where('dataset', 'is not', null)
    .where('status', 'in', [...FINAL_STATUSES])
    .where('updated_at', '<', endedBefore)
    .executeTakeFirst();
  const answers = await tx
    .selectFrom('referrals')
    .select(['id', 'response'])
    .where('response', 'is not', null)
    .where('status', 'in', [...FINAL_STATUSES])
    .where('updated_at', '<', endedBefore)
    .execute();
  let purged = 0;
  for (const row of answers) {
    const kept = withoutFreeText(row.response);
    if (kept === undefined) continue;
    await tx.updateTable('referrals').set({ response: kept }).where('id', '=', row.id).execute();
    purged++;
  }
  // The referrals that ended before the cut-off, as a subquery of the statements below.
  const endedIds = tx
    .selectFrom('referrals')
    .select('id')
    .where('status', 'in', [...FINAL_STATUSES])
    .where('updated_at', '<', endedBefore);
  // The conversation's free text goes with the dataset; its hash stays for the audit (issue 19 item 4).
  const messages = await tx
    .updateTable('referral_messages')
    .set({ text: null })
    .where('text', 'is not', null)
    .where('referral_id', 'in', endedIds)
    .executeTakeFirst();
  // The steps' facts (move date, the worker's contact) and the provider's notes (issue 19 item 3).
  const steps = await tx
    .updateTable('referral_steps')
    .set({ detail: null, note: null })
    .where((eb) => eb.or([eb('detail', 'is not', null), eb('note', 'is not', null)]))
    .where('referral_id', 'in', endedIds)
    .executeTakeFirst();
  return {
    datasets: Number(datasets.numUpdatedRows),
    answers: purged,
    messages: Number(messages.numUpdatedRows),
    steps: Number(steps.numUpdatedRows),
  };
}
