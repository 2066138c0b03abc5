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
import { type ReferralRow, referralForRecipient } from './referral-store.js';
import type { ProviderAnswer } from './response-body.js';
import type { Milestone } from './status.js';
import { queueStatusPush } from './status-push.js';

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

/** A milestone the provider records (issue 19 item 3); `move-date-set` carries the date (YYYY-MM-DD). */
export type MilestoneRecord =
  | { status: Exclude<Milestone, 'move-date-set'>; note?: string }
  | { status: 'move-date-set'; date: string; note?: string };

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

/** A provider's answer or milestone: one move, audited with codes only, pushed to the trust. */
async function record(
  deps: AnswerDeps,
  c: Caller,
  a: ProviderAnswer | MilestoneRecord,
  facts: Record<string, unknown>,
): Promise<AnswerResult> {
  return deps.store.transaction(async (tx) => {
    const r = await owned(tx, c);
    if (!r) return { kind: 'not-found' };
    const response: StoredResponse = { ...a, at: c.at.toISOString(), by: c.partnerId };
    const moved = await moveReferral(tx, deps.audit, r, {
      to: a.status,
      by: 'provider',
      at: c.at,
      response: JSON.stringify(response),
      entry: {
        ...common(deps, c, r),
        action: 'status-changed',
        // Codes only: reason.text and note are free text and stay out of the audit.
        detail: { from: r.status, to: a.status, ...facts, noteGiven: a.note !== undefined },
      },
    });
    if (!moved.ok) return { kind: 'conflict', message: moved.problem };
    await queueStatusPush(tx, deps, r, c.at);
    return { kind: 'ok', id: r.id, status: a.status, response };
  });
}

export async function answer(deps: AnswerDeps, c: Caller, a: ProviderAnswer): Promise<AnswerResult> {
  return record(deps, c, a, {
    ...(a.reason ? { reasonCode: a.reason.code } : {}),
    ...(a.outcome ? { outcome: a.outcome } : {}),
  });
}

const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/**
 * A milestone after acceptance (issue 19 item 3). The HTTP route and the Task's `output` for it
 * come with item 3; the moves are already in the table. The move date is the person's, so the
 * audit says only that one was given.
 */
export async function recordMilestone(
  deps: AnswerDeps,
  c: Caller,
  m: MilestoneRecord,
): Promise<AnswerResult> {
  if (m.status === 'move-date-set' && !(ISO_DATE.test(m.date) && !Number.isNaN(Date.parse(m.date)))) {
    return {
      kind: 'invalid',
      message: 'A move-date-set milestone needs "date": the move date as YYYY-MM-DD',
      expression: 'date',
    };
  }
  return record(deps, c, m, m.status === 'move-date-set' ? { dateGiven: true } : {});
}
