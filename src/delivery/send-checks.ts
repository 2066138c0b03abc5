/**
 * Checks made again at send time (design.md, Consent and agreements: "re-check at send time"):
 * between queueing and sending, the agreement version may have ended, been suspended or
 * terminated, and the referral may have been cancelled. A message carrying the dataset is then
 * not sent. Notices (cancellation, consent withdrawn) still go: they disclose nothing new and the
 * recipient must learn to stop.
 */
import type { Consent } from 'fhir/r4.js';
import type { ConsentRef } from '../audit/types.js';
import type { Clock } from '../clock.js';
import type { ConsentRecheckTuning } from '../config/consent-recheck-settings.js';
import type { Registry } from '../config/registry-types.js';
import { londonDate } from '../consent/agreement-rules.js';
import {
  consentRefOf,
  markWithdrawn,
  minimised,
  REMEMBERED_PATIENT,
  recall,
  remember,
  type SourcedConsent,
  seriesOf,
  stayOf,
} from '../consent/consent-memory.js';
import { consentStillAllows } from '../consent/decide.js';
import type { Reason } from '../consent/types.js';
import type { TrustFhir } from '../fhir/trust-fhir.js';
import { CONSENT_SEARCH_DEADLINE_MS } from '../ingest/remote-consents.js';
import type { DeliveryRow } from '../outbox/outbox.js';
import type { ReferralRow } from '../referral/referral-store.js';
import type { Store } from '../store/index.js';
import type { CancelReason } from './attempt-outcome.js';
import { carriesPersonalData, isDatasetKind } from './disclosure.js';

export function sendBlocker(
  registry: Registry,
  referral: ReferralRow,
  delivery: Pick<DeliveryRow, 'kind'>,
  now: Date,
): CancelReason | undefined {
  if (!carriesPersonalData(delivery.kind)) return undefined;
  if (referral.status === 'cancelled') return 'referral-cancelled';
  const agreement = registryAgreement(registry, referral);
  if (!agreement || agreement.status !== 'active') return 'agreement-ended';
  // Agreement dates are calendar dates in England, both ends inclusive (consent/agreement-rules.ts);
  // an agreement with no end date is in force to this day.
  const today = londonDate(now);
  const { from, to = today } = agreement.effective;
  return from > today || today > to ? 'agreement-ended' : undefined;
}

export type ConsentAtSend =
  | { kind: 'ok' }
  /** The consents the referral rested on no longer allow it: cancel, audited as a withdrawal. */
  | { kind: 'withdrawn'; reasons: Reason[]; consents: ConsentRef[] }
  /** The trust's server could not confirm them: not sent; retried, or past the age limit dead-lettered. */
  | { kind: 'unconfirmed'; error: string; tooOld: boolean };

export interface ConsentCheckDeps {
  store: Store;
  registry: Registry;
  clock: Clock;
  /** Absent: consents from a trust's server cannot be confirmed (the delivery waits). */
  trustFhir?: TrustFhir | undefined;
}

/**
 * Consent re-checked before each send (issue 17 item 11), for messages carrying a dataset: the
 * consents the referral's stay stands on (src/consent/consent-memory.ts) must still allow it.
 * Consents from the trust's FHIR server obtained longer ago than CONSENT_RECHECK_AFTER_MS are read
 * again by reference (`GET [base]/Consent/[id]`, R4 3.1.0.1.1: the current version): `inactive`,
 * a later version that denies, or 404/410 is a withdrawal; a server that cannot answer leaves the
 * delivery waiting, and one last confirmed more than CONSENT_MAX_AGE_MS ago is never sent on.
 * A referral with nothing remembered (queued before consent memory existed) is checked against
 * its agreement only, as before.
 */
export async function consentAtSend(
  deps: ConsentCheckDeps,
  referral: ReferralRow,
  delivery: Pick<DeliveryRow, 'kind'>,
  tuning: ConsentRecheckTuning,
): Promise<ConsentAtSend> {
  // What reaches the provider rests on the person's consent: the dataset, and the trust's messages.
  const toProvider = isDatasetKind(delivery.kind) || delivery.kind === 'message';
  if (!toProvider || !referral.subject_hmac) return { kind: 'ok' };
  const agreement = registryAgreement(deps.registry, referral);
  const recipient = deps.registry.partner(referral.recipient);
  if (!agreement || !recipient) return { kind: 'ok' }; // sendBlocker has stopped it already
  const key = {
    subjectHmac: referral.subject_hmac,
    recipient: referral.recipient,
    stay: stayOf(referral.episode_key),
  };
  const recalled = await recall(deps.store.db, key);
  if (!recalled.known) return { kind: 'ok' };
  const now = deps.clock.now();
  const age = (c: SourcedConsent) => now.getTime() - Date.parse(c.obtainedAt);
  const stale = recalled.consents.filter(
    (c) => c.source === 'trust-fhir' && age(c) > tuning.consentRecheckAfterMs,
  );
  let consents = recalled.consents;
  if (stale.length > 0) {
    const fresh = await readAgain(deps, referral.sender, stale);
    if (fresh.kind === 'failed') {
      const tooOld = stale.some((c) => age(c) > tuning.consentMaxAgeMs);
      return { kind: 'unconfirmed', error: `consent re-check: ${fresh.error}`, tooOld };
    }
    await deps.store.transaction(async (tx) => {
      await remember(tx, key, fresh.found, { trustSearched: false, at: now });
      await markWithdrawn(tx, key, fresh.gone, now);
    });
    const replaced = new Set([...fresh.gone, ...fresh.found.map((c) => seriesOf(c.resource))]);
    consents = [...recalled.consents.filter((c) => !replaced.has(seriesOf(c.resource))), ...fresh.found];
  }
  const resources = consents.map((c) => c.resource);
  const check = consentStillAllows(agreement, {
    consents: resources,
    patient: { references: [REMEMBERED_PATIENT] },
    recipient,
    now,
  });
  if (check.ok) return { kind: 'ok' };
  return { kind: 'withdrawn', reasons: check.reasons, consents: resources.map(consentRefOf) };
}

/** The agreement version the referral was made under, if the registry still has it. */
function registryAgreement(registry: Registry, referral: ReferralRow) {
  // Stryker disable next-line StringLiteral: agreement ids match ^[a-z0-9][a-z0-9-]{1,62}$ (agreement.schema.json, checked at load), so neither '' nor a stand-in for a missing id names one
  return registry.versions(referral.agreement_id ?? '').find((a) => a.version === referral.agreement_version);
}

/** Each stale consent read again from the sending trust's server; any failure fails the whole. */
async function readAgain(
  deps: ConsentCheckDeps,
  senderId: string,
  stale: readonly SourcedConsent[],
): Promise<{ kind: 'read'; found: SourcedConsent[]; gone: string[] } | { kind: 'failed'; error: string }> {
  const sender = deps.registry.partner(senderId);
  if (!deps.trustFhir || !sender?.fhirBaseUrl)
    return { kind: 'failed', error: "the trust's FHIR server is not configured" };
  const found: SourcedConsent[] = [];
  const gone: string[] = [];
  const obtainedAt = deps.clock.now().toISOString();
  for (const c of stale) {
    const id = c.resource.id ?? '';
    const read = await deps.trustFhir.read(
      sender,
      'Consent',
      id,
      AbortSignal.timeout(CONSENT_SEARCH_DEADLINE_MS),
    );
    if (read.kind === 'not-found') {
      gone.push(seriesOf(c.resource));
      continue;
    }
    if (read.kind === 'failed')
      return {
        kind: 'failed',
        error: `trust FHIR server ${read.failure}${read.status ? ` (${read.status})` : ''}`,
      };
    const resource = read.resource as unknown as Consent;
    if (resource.resourceType !== 'Consent' || resource.id !== id)
      return { kind: 'failed', error: 'trust FHIR server gave something other than the Consent asked for' };
    // The server's current version replaces the remembered one, whatever its dateTime says.
    found.push({ resource: minimised(resource, { references: [] }), source: 'trust-fhir', obtainedAt });
  }
  return { kind: 'read', found, gone };
}
