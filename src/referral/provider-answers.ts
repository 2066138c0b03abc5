/**
 * What housing providers tell us about a referral (issue 8 items 3 and 4): that they hold it
 * (`acknowledge`), and their answer (accepted, declined, then completed with an outcome). Each is
 * one transaction with its audit entry; the answer is stored on the referral (status, response)
 * for the trust-facing FHIR Task. The free-text `note` and `reason.text` are stored but never put
 * in the audit: they may hold personal data.
 */
import { lockAuditChain } from '../audit/audit-log.js';
import type { AuditLog } from '../audit/types.js';
import type { Registry } from '../config/registry-types.js';
import { agreementRefOf } from '../delivery/disclosure.js';
import type { Ids } from '../ids.js';
import type { Store, Tx } from '../store/index.js';
import { type ReferralRow, referralForRecipient, updateReferral } from './referral-store.js';
import { type ProviderAnswer, transitionProblem } from './response-body.js';
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
  | { kind: 'conflict'; message: string };

/** referrals.response as stored (src/store/schema.ts). */
export type StoredResponse = ProviderAnswer & { at: string; by: string };

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
    referralId: r.id,
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
    if (r.status !== 'delivered') {
      return {
        kind: 'conflict',
        message:
          r.status === 'queued'
            ? 'The referral has not been delivered to you yet: read it first'
            : `Only a delivered referral can be acknowledged; this one is ${r.status}`,
      };
    }
    await updateReferral(tx, r.id, { status: 'acknowledged', updated_at: c.at.toISOString() });
    await deps.audit.append(tx, {
      ...common(deps, c, r),
      action: 'acknowledged',
      detail: { from: r.status, to: 'acknowledged' },
    });
    await queueStatusPush(tx, deps, r, c.at);
    return { kind: 'ok', id: r.id, status: 'acknowledged' };
  });
}

export async function answer(deps: AnswerDeps, c: Caller, a: ProviderAnswer): Promise<AnswerResult> {
  return deps.store.transaction(async (tx) => {
    const r = await owned(tx, c);
    if (!r) return { kind: 'not-found' };
    const problem = transitionProblem(r.status, a.status);
    if (problem) return { kind: 'conflict', message: problem };
    const response: StoredResponse = { ...a, at: c.at.toISOString(), by: c.partnerId };
    await updateReferral(tx, r.id, {
      status: a.status,
      response: JSON.stringify(response),
      updated_at: c.at.toISOString(),
    });
    await deps.audit.append(tx, {
      ...common(deps, c, r),
      action: 'status-changed',
      // Codes only: reason.text and note are free text and stay out of the audit.
      detail: {
        from: r.status,
        to: a.status,
        ...(a.reason ? { reasonCode: a.reason.code } : {}),
        ...(a.outcome ? { outcome: a.outcome } : {}),
        noteGiven: a.note !== undefined,
      },
    });
    await queueStatusPush(tx, deps, r, c.at);
    return { kind: 'ok', id: r.id, status: a.status, response };
  });
}
