/**
 * Decisions are stored (table `decisions`, owned by this stage) in the transaction of the event
 * they decide, with everything an IG lead needs to re-read them: reasons, agreement version,
 * consents consulted, lawful basis, purpose and the exact fields permitted.
 */
import type { Db, Tx } from '../store/index.js';
import type { Decision } from './types.js';

export async function recordDecision(
  tx: Tx,
  row: { id: string; eventId: string; decision: Decision; at: Date },
): Promise<void> {
  const d = row.decision;
  await tx
    .insertInto('decisions')
    .values({
      id: row.id,
      event_id: row.eventId,
      recipient: d.recipient,
      outcome: d.outcome,
      reasons: JSON.stringify(d.reasons),
      agreement_id: d.agreement?.id ?? null,
      agreement_version: d.agreement ? String(d.agreement.version) : null,
      consents: JSON.stringify(d.consents),
      lawful_basis: d.outcome === 'permit' ? lawfulBasisText(d) : null,
      purpose: d.outcome === 'permit' ? d.purpose : null,
      fields: JSON.stringify(d.outcome === 'permit' ? d.fields : []),
      decided_at: row.at.toISOString(),
      referral_id: null,
    })
    .execute();
}

export async function linkReferral(tx: Tx, decisionId: string, referralId: string): Promise<void> {
  await tx.updateTable('decisions').set({ referral_id: referralId }).where('id', '=', decisionId).execute();
}

/** One line for the audit and the record: `6(1)(e) public task; 9(2)(h) ...; explicit-consent`. */
export function lawfulBasisText(d: Extract<Decision, { outcome: 'permit' }>): string {
  const b = d.lawfulBasis;
  return [b.article6, b.article9, b.basis].join('; ');
}

/** Outcome and reason codes of an event's decisions, read after commit (metrics, issue 10). */
export async function decisionCodesOf(
  db: Db,
  eventId: string,
): Promise<Array<{ outcome: 'permit' | 'withhold'; reasons: string[] }>> {
  const rows = await db
    .selectFrom('decisions')
    .select(['outcome', 'reasons'])
    .where('event_id', '=', eventId)
    .execute();
  return rows.map((r) => ({
    outcome: r.outcome,
    reasons: (JSON.parse(r.reasons) as Array<{ code: string }>).map((x) => x.code),
  }));
}
