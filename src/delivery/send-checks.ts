/**
 * Checks made again at send time (design.md, Consent and agreements: "re-check at send time"):
 * between queueing and sending, the agreement version may have ended, been suspended or
 * terminated, and the referral may have been cancelled. A message carrying the dataset is then
 * not sent. Notices (cancellation, consent withdrawn) still go: they disclose nothing new and the
 * recipient must learn to stop.
 */
import type { Registry } from '../config/registry-types.js';
import { londonDate } from '../consent/agreement-rules.js';
import type { ReferralRow } from '../mapping/referral-store.js';
import type { CancelReason } from './attempt-outcome.js';
import { isDatasetKind } from './disclosure.js';
import type { DeliveryRow } from './outbox.js';

export function sendBlocker(
  registry: Registry,
  referral: ReferralRow,
  delivery: Pick<DeliveryRow, 'kind'>,
  now: Date,
): CancelReason | undefined {
  if (!isDatasetKind(delivery.kind)) return undefined;
  if (referral.status === 'cancelled') return 'referral-cancelled';
  const agreement = registry
    .versions(referral.agreement_id ?? '')
    .find((a) => a.version === referral.agreement_version);
  if (!agreement || agreement.status !== 'active') return 'agreement-ended';
  // Agreement dates are calendar dates in England, both ends inclusive (consent/agreement-rules.ts).
  const today = londonDate(now);
  if (agreement.effective.from > today) return 'agreement-ended';
  if (agreement.effective.to !== undefined && today > agreement.effective.to) return 'agreement-ended';
  return undefined;
}
