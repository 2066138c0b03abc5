/**
 * The one way a referral's status changes (issue 19 item 1; design.md, Referral lifecycle: "every
 * transition is one database transaction that also writes its audit entry"). `moveReferral`
 * checks the move against the table (transitions.ts), writes the row only if its status is still
 * the one the caller read, appends the referral's step (steps.ts: the trust's Task lists them in
 * order) and the audit entry that records the move, all in the caller's transaction. A refused move writes nothing.
 */
import type { AuditInput, AuditLog } from '../audit/types.js';
import type { Tx } from '../store/index.js';
import type { ReferralRow } from './referral-store.js';
import type { ReferralStatus } from './status.js';
import { appendStep, type StepInput } from './steps.js';
import { type Mover, moveProblem } from './transitions.js';

export interface Move {
  to: ReferralStatus;
  by: Mover;
  at: Date;
  /**
   * The audit entry that records the move, written after the row. Its `referralId` is the
   * referral's, and its detail gains `referralStatus` (the new status) and `referralStatusFrom`.
   */
  entry: Omit<AuditInput, 'referralId'>;
  /** The provider's answer (or milestone) as stored JSON, kept with the status for the Task. */
  response?: string;
  /**
   * What the step the move makes (steps.ts) records beside its status, time and mover: the
   * partner, the staff member, the move date and the provider's note.
   */
  step?: Pick<StepInput, 'partner' | 'recordedBy' | 'detail' | 'note'>;
}

export type MoveResult =
  | { ok: true; from: ReferralStatus; to: ReferralStatus }
  | { ok: false; from: string; problem: string };

export async function moveReferral(
  tx: Tx,
  audit: AuditLog,
  referral: Pick<ReferralRow, 'id' | 'status'>,
  move: Move,
): Promise<MoveResult> {
  const from = referral.status;
  const problem = moveProblem(from, move.to, move.by);
  if (problem) return { ok: false, from, problem };
  const changed = await tx
    .updateTable('referrals')
    .set({
      status: move.to,
      updated_at: move.at.toISOString(),
      ...(move.response !== undefined ? { response: move.response } : {}),
    })
    .where('id', '=', referral.id)
    .where('status', '=', from)
    .executeTakeFirst();
  // Another transaction moved it first (the caller read it before taking the audit lock).
  if (changed.numUpdatedRows !== 1n)
    return { ok: false, from, problem: 'The referral changed while this was recorded; read it again' };
  await appendStep(tx, referral.id, { ...move.step, step: move.to, at: move.at, mover: move.by });
  await audit.append(tx, {
    ...move.entry,
    referralId: referral.id,
    detail: { ...move.entry.detail, referralStatus: move.to, referralStatusFrom: from },
  });
  return { ok: true, from: from as ReferralStatus, to: move.to };
}

/** For the gateway's own moves, whose callers checked the table first: a refusal is a bug. */
export async function mustMoveReferral(
  tx: Tx,
  audit: AuditLog,
  referral: Pick<ReferralRow, 'id' | 'status'>,
  move: Move,
): Promise<void> {
  const result = await moveReferral(tx, audit, referral, move);
  if (!result.ok) throw new Error(`referral ${referral.id}: ${result.problem}`);
}
