/**
 * Send-time consent re-check (issue 17 item 11): how fresh a consent held on the trust's FHIR
 * server must be before a referral resting on it is sent. Parsed with the delivery settings
 * (settings.ts), all problems reported at once.
 */
import type { Env, IntegerParser } from './env.js';

export interface ConsentRecheckTuning {
  /** A consent from the trust's server obtained longer ago than this is fetched again before sending. */
  consentRecheckAfterMs: number;
  /** Never send on a consent from the trust's server obtained longer ago than this (dead-lettered instead). */
  consentMaxAgeMs: number;
}

export const CONSENT_RECHECK_SETTINGS_DOC: ReadonlyArray<{ name: string; default: string; meaning: string }> =
  [
    {
      name: 'CONSENT_RECHECK_AFTER_MS',
      default: '900000',
      meaning:
        "before sending, a consent from the trust's FHIR server older than this is fetched again (0: always)",
    },
    {
      name: 'CONSENT_MAX_AGE_MS',
      default: '86400000',
      meaning:
        "never send on a consent from the trust's FHIR server last confirmed longer ago than this: the delivery is dead-lettered",
    },
  ];

export function parseConsentRecheck(
  env: Env,
  integer: IntegerParser,
  problems: string[],
): ConsentRecheckTuning {
  const before = problems.length;
  const consentRecheckAfterMs = integer(env, 'CONSENT_RECHECK_AFTER_MS', 900_000, 0, 86_400_000, problems);
  const consentMaxAgeMs = integer(env, 'CONSENT_MAX_AGE_MS', 86_400_000, 60_000, 2_592_000_000, problems);
  // A re-check window as long as the limit would let a consent reach the limit unchecked.
  if (problems.length === before && consentRecheckAfterMs >= consentMaxAgeMs) {
    problems.push('CONSENT_RECHECK_AFTER_MS must be below CONSENT_MAX_AGE_MS');
  }
  return { consentRecheckAfterMs, consentMaxAgeMs };
}
