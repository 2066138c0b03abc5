/**
 * The agreement rule of readmission follow-up (issue 19 item 5), pure: a recipient whose
 * agreement sets `readmission.followUp` and whose own referral of the person's earlier stay
 * ended (completed or declined) within the agreement's window is offered the new referral even
 * when the person's home postcode is now outside its catchment. It never overrides the person's
 * choice of housing authority (Housing Act 1996 s.213B(2)), consent, or any other rule.
 */
import type { Agreement } from '../config/registry-types.js';
import type { DecisionEvent } from './types.js';

export const DEFAULT_READMISSION_WINDOW_DAYS = 28;
const DAY_MS = 86_400_000;

export const readmissionWindowDays = (a: Pick<Agreement, 'readmission'> | undefined): number =>
  a?.readmission?.windowDays ?? DEFAULT_READMISSION_WINDOW_DAYS;

/** Ended within `days` before `at` (and not after it). */
export function endedWithin(endedAt: string, at: Date, days: number): boolean {
  const age = at.getTime() - Date.parse(endedAt);
  return age >= 0 && age <= days * DAY_MS;
}

export function followUpApplies(
  a: Pick<Agreement, 'readmission'>,
  event: Pick<DecisionEvent, 'earlierEndings'>,
  recipient: string,
  now: Date,
): boolean {
  if (a.readmission?.followUp !== true) return false;
  const days = readmissionWindowDays(a);
  return (event.earlierEndings ?? []).some(
    (e) => e.recipient === recipient && endedWithin(e.endedAt, now, days),
  );
}
