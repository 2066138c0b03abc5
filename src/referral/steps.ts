/**
 * The steps of a referral, in order (issue 19 item 3; table `referral_steps`, migration 0011):
 * every status move (written by move.ts, in the move's transaction) and every naming of the
 * housing worker. The trust's Task lists them (referral-task.ts), so the ward sees who is on the
 * case and each thing that happened, in the order it happened.
 */
import type { Db, Tx } from '../store/index.js';
import type { ReferralStepTable } from '../store/schema.js';

/** A staff member at a partner (work identity: never the patient's). */
export interface Staff {
  name: string;
  role?: string;
}

/** The housing worker a provider names on the case: staff contact details only. */
export interface NamedWorker extends Staff {
  phone?: string;
  email?: string;
}

export const WORKER_NAMED = 'worker-named';

export interface StepInput {
  step: string;
  at: Date;
  mover: string;
  partner?: string;
  recordedBy?: Staff;
  /** The move date (`move-date-set`) or the named worker (`worker-named`). */
  detail?: { date: string } | NamedWorker;
  note?: string;
}

export interface Step {
  no: number;
  step: string;
  at: string;
  mover: string;
  partner?: string;
  recordedBy?: Staff;
  detail?: { date?: string } & Partial<NamedWorker>;
  note?: string;
}

function parsed<T>(text: string | null): T | undefined {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/**
 * Appends a step after the referral's last one. The caller holds the referral's row (its update
 * in the same transaction), so two steps of one referral never take the same number.
 */
export async function appendStep(tx: Tx, referralId: string, s: StepInput): Promise<void> {
  const last = await tx
    .selectFrom('referral_steps')
    .select((eb) => eb.fn.max('step_no').as('n'))
    .where('referral_id', '=', referralId)
    .executeTakeFirst();
  await tx
    .insertInto('referral_steps')
    .values({
      referral_id: referralId,
      step_no: Number(last?.n ?? 0) + 1,
      step: s.step,
      at: s.at.toISOString(),
      mover: s.mover,
      partner: s.partner ?? null,
      recorded_by: s.recordedBy ? JSON.stringify(s.recordedBy) : null,
      detail: s.detail ? JSON.stringify(s.detail) : null,
      note: s.note ?? null,
    })
    .execute();
}

const toStep = (r: ReferralStepTable): Step => {
  const recordedBy = parsed<Staff>(r.recorded_by);
  const detail = parsed<Step['detail']>(r.detail);
  return {
    no: Number(r.step_no),
    step: r.step,
    at: r.at,
    mover: r.mover,
    ...(r.partner ? { partner: r.partner } : {}),
    ...(recordedBy ? { recordedBy } : {}),
    ...(detail ? { detail } : {}),
    ...(r.note !== null ? { note: r.note } : {}),
  };
};

/** Every step of a referral, oldest first. */
export async function stepsOf(db: Db | Tx, referralId: string): Promise<Step[]> {
  const rows = await db
    .selectFrom('referral_steps')
    .selectAll()
    .where('referral_id', '=', referralId)
    .orderBy('step_no')
    .execute();
  return rows.map(toStep);
}

/** The worker named last on the case, if any (and not purged). */
export function currentWorker(steps: readonly Step[]): NamedWorker | undefined {
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i];
    if (s?.step !== WORKER_NAMED) continue;
    const d = s.detail;
    if (!d?.name) return undefined;
    return {
      name: d.name,
      ...(d.role ? { role: d.role } : {}),
      ...(d.phone ? { phone: d.phone } : {}),
      ...(d.email ? { email: d.email } : {}),
    };
  }
  return undefined;
}
