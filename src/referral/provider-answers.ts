/**
 * What housing providers tell us about a referral (issue 8 items 3 and 4; issue 19 items 1 and 3):
 * that they hold it (`acknowledge`), their answer (accepted, declined, then completed with an
 * outcome) and, after accepting, the milestones of the work. Each is one move through the
 * transition table (move.ts) with its audit entry; the answer is stored on the referral (status,
 * response) for the trust-facing FHIR Task, and pushed to the trust when it asked for that. The
 * free-text `note` and `reason.text` are stored but never put in the audit: they may hold
 * personal data.
 */
import { lockAuditChain } from '../audit/audit-log.js';
import type { AuditLog } from '../audit/types.js';
import type { Registry } from '../config/registry-types.js';
import type { Ids } from '../ids.js';
import type { Store, Tx } from '../store/index.js';
import { agreementRefOf } from './agreement-ref.js';
import { moveReferral } from './move.js';
import { type ReferralRow, referralForRecipient, touchReferral } from './referral-store.js';
import {
  isIsoDay,
  isMilestoneRecord,
  type MilestoneRecord,
  type PostedStatus,
  type ProviderAnswer,
} from './response-body.js';
import { FINAL_STATUSES } from './status.js';
import { queueStatusPush } from './status-push.js';
import { appendStep, type NamedWorker, type Staff, WORKER_NAMED } from './steps.js';

export type { MilestoneRecord } from './response-body.js';

export interface AnswerDeps {
  store: Store;
  audit: AuditLog;
  registry: Registry;
  ids: Ids;
}

export interface Caller {
  partnerId: string;
  referralId: string;
  at: Date;
  requestId?: string;
}

export type AnswerResult =
  | { kind: 'ok'; id: string; status: string; response?: StoredResponse }
  | { kind: 'not-found' }
  | { kind: 'conflict'; message: string }
  | { kind: 'invalid'; message: string; expression: string };

/** referrals.response as stored (src/store/schema.ts): the provider's latest answer or milestone. */
export type StoredResponse = (ProviderAnswer | MilestoneRecord) & { at: string; by: string };

async function owned(tx: Tx, c: Caller): Promise<ReferralRow | undefined> {
  // Reads come before writes here: take the write lock first (audit-log.ts, lockAuditChain).
  await lockAuditChain(tx);
  return referralForRecipient(tx, c.referralId, c.partnerId);
}

function common(deps: AnswerDeps, c: Caller, r: ReferralRow) {
  const agreement = agreementRefOf(deps.registry, r);
  return {
    actor: c.partnerId,
    recipient: r.recipient,
    ...(agreement ? { agreement } : {}),
    ...(r.subject_hmac ? { subjectHmac: r.subject_hmac } : {}),
    ...(c.requestId ? { requestId: c.requestId } : {}),
  };
}

/** `delivered` -> `acknowledged`; again on an acknowledged referral changes nothing (retries are safe). */
export async function acknowledge(deps: AnswerDeps, c: Caller): Promise<AnswerResult> {
  return deps.store.transaction(async (tx) => {
    const r = await owned(tx, c);
    if (!r) return { kind: 'not-found' };
    if (r.status === 'acknowledged') return { kind: 'ok', id: r.id, status: r.status };
    const moved = await moveReferral(tx, deps.audit, r, {
      to: 'acknowledged',
      by: 'provider',
      at: c.at,
      step: { partner: c.partnerId },
      entry: {
        ...common(deps, c, r),
        action: 'acknowledged',
        detail: { from: r.status, to: 'acknowledged' },
      },
    });
    if (!moved.ok) return { kind: 'conflict', message: moved.problem };
    await queueStatusPush(tx, deps, r, c.at);
    return { kind: 'ok', id: r.id, status: 'acknowledged' };
  });
}

/**
 * A provider's answer or milestone: one move, audited with codes only and naming who recorded it
 * (the staff member when the body names them; the organisation is the entry's actor), kept as a
 * step for the trust's Task (with the move date and the note), pushed to the trust.
 */
async function record(
  deps: AnswerDeps,
  c: Caller,
  posted: PostedStatus,
  facts: Record<string, unknown>,
): Promise<AnswerResult> {
  const { recordedBy, ...a } = posted;
  return deps.store.transaction(async (tx) => {
    const r = await owned(tx, c);
    if (!r) return { kind: 'not-found' };
    const response: StoredResponse = { ...a, at: c.at.toISOString(), by: c.partnerId };
    const moved = await moveReferral(tx, deps.audit, r, {
      to: a.status,
      by: 'provider',
      at: c.at,
      response: JSON.stringify(response),
      step: {
        partner: c.partnerId,
        ...(recordedBy ? { recordedBy } : {}),
        ...('date' in a ? { detail: { date: a.date } } : {}),
        ...(a.note !== undefined ? { note: a.note } : {}),
      },
      entry: {
        ...common(deps, c, r),
        action: 'status-changed',
        // Codes only: reason.text and note are free text and stay out of the audit.
        detail: {
          from: r.status,
          to: a.status,
          ...facts,
          noteGiven: a.note !== undefined,
          recordedBy: recordedBy ?? null,
        },
      },
    });
    if (!moved.ok) return { kind: 'conflict', message: moved.problem };
    await queueStatusPush(tx, deps, r, c.at);
    return { kind: 'ok', id: r.id, status: a.status, response };
  });
}

export async function answer(
  deps: AnswerDeps,
  c: Caller,
  a: ProviderAnswer & { recordedBy?: Staff },
): Promise<AnswerResult> {
  return record(deps, c, a, {
    ...(a.reason ? { reasonCode: a.reason.code } : {}),
    ...(a.outcome ? { outcome: a.outcome } : {}),
  });
}

/**
 * A milestone after acceptance (issue 19 item 3), posted to `POST /referrals/:id/status` like an
 * answer. The move date is the person's, so the audit says only that one was given; the trust's
 * Task carries it.
 */
export async function recordMilestone(
  deps: AnswerDeps,
  c: Caller,
  m: MilestoneRecord & { recordedBy?: Staff },
): Promise<AnswerResult> {
  if (m.status === 'move-date-set' && !isIsoDay(m.date)) {
    return {
      kind: 'invalid',
      message: 'A move-date-set milestone needs "date": the move date as YYYY-MM-DD',
      expression: 'date',
    };
  }
  return record(deps, c, m, m.status === 'move-date-set' ? { dateGiven: true } : {});
}

/** What `POST /referrals/:id/status` was given: an answer or a milestone. */
export async function postStatus(deps: AnswerDeps, c: Caller, posted: PostedStatus): Promise<AnswerResult> {
  const { recordedBy, ...a } = posted;
  const by = recordedBy ? { recordedBy } : {};
  return isMilestoneRecord(a) ? recordMilestone(deps, c, { ...a, ...by }) : answer(deps, c, { ...a, ...by });
}

export type WorkerResult =
  | { kind: 'ok'; id: string; status: string; worker: NamedWorker }
  | { kind: 'not-found' }
  | { kind: 'conflict'; message: string };

/** Statuses in which the provider holds the referral and may name (or change) its worker. */
const NOT_HELD = ['queued', 'failed'];

/**
 * The provider names the housing worker on the case (issue 19 item 3): a step (the trust's Task
 * shows the worker as its owner, with their work contact), audited naming the worker and who
 * recorded it (staff identities, not the patient's; the contact details stay out of the audit),
 * and pushed to the trust. Naming again replaces the worker.
 */
export async function nameWorker(
  deps: AnswerDeps,
  c: Caller,
  worker: NamedWorker,
  recordedBy: Staff,
): Promise<WorkerResult> {
  return deps.store.transaction(async (tx) => {
    const r = await owned(tx, c);
    if (!r) return { kind: 'not-found' };
    if (NOT_HELD.includes(r.status))
      return {
        kind: 'conflict',
        message: `The referral has not been delivered to you yet (it is ${r.status}): read it first`,
      };
    if ((FINAL_STATUSES as readonly string[]).includes(r.status))
      return {
        kind: 'conflict',
        message: `The referral is ${r.status}: it is closed, so no worker can be named on it`,
      };
    await touchReferral(tx, r.id, c.at);
    await appendStep(tx, r.id, {
      step: WORKER_NAMED,
      at: c.at,
      mover: 'provider',
      partner: c.partnerId,
      recordedBy,
      detail: worker,
    });
    await deps.audit.append(tx, {
      ...common(deps, c, r),
      action: 'worker-named',
      referralId: r.id,
      detail: {
        worker: { name: worker.name, ...(worker.role ? { role: worker.role } : {}) },
        phoneGiven: worker.phone !== undefined,
        emailGiven: worker.email !== undefined,
        recordedBy,
        referralStatus: r.status,
      },
    });
    await queueStatusPush(tx, deps, r, c.at);
    return { kind: 'ok', id: r.id, status: r.status, worker };
  });
}
