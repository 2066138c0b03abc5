/**
 * The checks made before a pull message is first read (issue 17 item 11). For a pull recipient
 * the first `GET /referrals/{id}` of a message IS its send, so it gets the webhook path's
 * re-checks (send-checks.ts: agreement in force, referral open, consent still allowing it) and the
 * same recorded outcomes (attempt-outcome.ts): cancelled at send, a retry while the trust's
 * server cannot confirm consent, a dead letter (`consent-unconfirmed`) past CONSENT_MAX_AGE_MS.
 * They run BEFORE the read's transaction: re-reading a consent from the trust's server is network
 * I/O, never done while the audit-chain lock is held. The read's transaction then discloses only
 * the row checked here, if it is still unread (inbox.ts).
 */
import type { ConsentRecheckTuning } from '../config/consent-recheck-settings.js';
import type { Ids } from '../ids.js';
import type { DeliveryRow } from '../outbox/outbox.js';
import type { ReferralRow } from '../referral/referral-store.js';
import { type OutcomeDeps, recordCancelledAtSend, recordFailedAttempt } from './attempt-outcome.js';
import { type ConsentCheckDeps, consentAtSend, sendBlocker } from './send-checks.js';

export interface FirstReadDeps extends ConsentCheckDeps, OutcomeDeps {
  ids: Ids;
}

export type FirstReadCheck =
  /** Nothing stands in the way: the read's transaction may disclose this row. */
  | { kind: 'clear' }
  /** Cancelled (recorded), or the row changed under us: read again to serve what is there now. */
  | { kind: 'stopped' }
  /** The trust's server could not confirm consent: nothing disclosed, the message stays unread. */
  | { kind: 'unconfirmed' }
  /** Consent unconfirmed past CONSENT_MAX_AGE_MS: dead-lettered, nothing disclosed. */
  | { kind: 'held' };

export interface FirstRead {
  referral: ReferralRow;
  delivery: DeliveryRow;
  partnerId: string;
  at: Date;
  requestId?: string;
}

export async function checkFirstRead(
  deps: FirstReadDeps,
  tuning: ConsentRecheckTuning,
  r: FirstRead,
): Promise<FirstReadCheck> {
  const { referral, delivery } = r;
  // This read counts as an attempt in what it records (no lease: conditional on `pending`).
  const owned = {
    delivery: { ...delivery, attempts: delivery.attempts + 1 },
    owner: null,
    readBy: r.partnerId,
    ...(r.requestId ? { requestId: r.requestId } : {}),
  };
  const blocker = sendBlocker(deps.registry, referral, delivery, r.at);
  if (blocker) {
    await deps.store.transaction((tx) =>
      recordCancelledAtSend(tx, deps, { ...owned, at: deps.clock.now(), reason: blocker }),
    );
    return { kind: 'stopped' };
  }
  const consent = await consentAtSend(deps, referral, delivery, tuning);
  if (consent.kind === 'ok') return { kind: 'clear' };
  const at = deps.clock.now();
  if (consent.kind === 'withdrawn') {
    const withdrawal = { consents: consent.consents, reasons: consent.reasons.map((c) => c.code) };
    await deps.store.transaction((tx) =>
      recordCancelledAtSend(tx, deps, { ...owned, at, reason: 'consent-withdrawn', withdrawal }),
    );
    return { kind: 'stopped' };
  }
  const result = { kind: consent.tooOld ? 'failed' : 'retry', error: consent.error } as const;
  const next = consent.tooOld
    ? ({ kind: 'dead', reason: 'consent-unconfirmed' } as const)
    : ({ kind: 'retry', at } as const);
  const recorded = await deps.store.transaction((tx) =>
    recordFailedAttempt(tx, deps, { ...owned, at, result, next }),
  );
  // Another read took the row meanwhile: serve what is there now.
  if (!recorded) return { kind: 'stopped' };
  return consent.tooOld ? { kind: 'held' } : { kind: 'unconfirmed' };
}
