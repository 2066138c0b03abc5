/**
 * When to try a webhook again (issue 8 item 1), as pure functions so the rules are tested alone.
 *
 * - 2xx: delivered. 408, 429, 5xx, network errors and timeouts: transient, retry. Any other status
 *   (3xx included: redirects are never followed, a moved endpoint is a configuration change the
 *   recipient must tell us about; other 4xx: the request itself is refused) fails at once.
 * - Backoff: exponential with FULL jitter, `random(0, min(cap, base * 2^attempt))`, which spreads
 *   retries from many deliveries best (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
 * - `Retry-After` (RFC 9110 section 10.2.3: delay-seconds or an HTTP-date) is a lower bound.
 */
import type { DeliveryTuning } from '../config/settings.js';

export type AttemptResult =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status?: number; error: string; retryAfterMs?: number }
  | { kind: 'failed'; status?: number; error: string };

export type StatusClass = 'delivered' | 'retry' | 'failed';

export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'failed';
}

const HTTP_DATE_START = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /;

/** Milliseconds to wait from `now`, or undefined when the header is absent or malformed. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  // fetch's Headers already strip the whitespace around a value (Fetch Standard, "normalize").
  // Stryker disable next-line StringLiteral: any other string that is neither delay-seconds nor an HTTP-date reads as absent too
  const v = value ?? '';
  if (/^\d{1,10}$/.test(v)) return Number(v) * 1000;
  // An HTTP-date starts with the day name in all three forms RFC 9110 section 5.6.7 makes
  // recipients accept (IMF-fixdate, RFC 850, asctime), which Date.parse reads; past means "now".
  if (!HTTP_DATE_START.test(v)) return undefined;
  // Every HTTP-date is UTC, but asctime (the one form without a comma) names no zone, which
  // Date.parse would read as the host's local time: it is read with a Z (UTC) after its year.
  const at = Date.parse(v.includes(',') ? v : `${v}Z`);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/** Full jitter: uniformly random in [0, min(cap, base * 2^attempt)). `random` returns [0, 1). */
export function backoffMs(
  attempt: number,
  tuning: Pick<DeliveryTuning, 'retryBaseMs' | 'retryCapMs'>,
  random: () => number,
): number {
  const ceiling = Math.min(tuning.retryCapMs, tuning.retryBaseMs * 2 ** Math.min(attempt, 40));
  return Math.floor(random() * ceiling);
}

export type NextStep =
  | { kind: 'retry'; at: Date }
  | { kind: 'dead'; reason: 'permanent' | 'max-attempts' | 'max-age' | 'consent-unconfirmed' };

/**
 * After attempt number `attempts` (1 for the first) ended in `result`: when to try again, or
 * dead-letter now. A retry that would fall after the delivery's age limit dead-letters at once
 * rather than waiting only to give up.
 */
export function nextStep(
  result: Exclude<AttemptResult, { kind: 'delivered' }>,
  ctx: { attempts: number; createdAt: Date; now: Date },
  tuning: Pick<DeliveryTuning, 'retryBaseMs' | 'retryCapMs' | 'maxAttempts' | 'maxAgeHours'>,
  random: () => number,
): NextStep {
  if (result.kind === 'failed') return { kind: 'dead', reason: 'permanent' };
  if (ctx.attempts >= tuning.maxAttempts) return { kind: 'dead', reason: 'max-attempts' };
  const wait = Math.max(backoffMs(ctx.attempts, tuning, random), result.retryAfterMs ?? 0);
  const at = new Date(ctx.now.getTime() + wait);
  const deadline = ctx.createdAt.getTime() + tuning.maxAgeHours * 3_600_000;
  if (at.getTime() > deadline) return { kind: 'dead', reason: 'max-age' };
  return { kind: 'retry', at };
}
