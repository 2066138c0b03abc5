/**
 * One claimed webhook delivery, from checks to recorded outcome (issue 8 item 1):
 * re-check (send-checks.ts), check URL and secret (webhook-target.ts), sign with the stable
 * `webhook-id` (the same on every attempt: recipients de-duplicate on it), POST (send.ts), and
 * record the outcome with its audit entry in one transaction (disclosure.ts, attempt-outcome.ts).
 * A transaction is never open during the HTTP request.
 */
import type { AuditLog } from '../audit/types.js';
import type { KeyRing } from '../auth/keys.js';
import type { Clock } from '../clock.js';
import type { Registry } from '../config/registry-types.js';
import type { DeliveryTuning } from '../config/settings.js';
import type { SecretReader } from '../fhir/trust-credentials.js';
import type { TrustFhir } from '../fhir/trust-fhir.js';
import type { Ids } from '../ids.js';
import { guardedDispatcher, type Lookup, resolvedAddressProblem } from '../net/address-policy.js';
import { type DeliveryRow, toStatusWebhook } from '../outbox/outbox.js';
import type { Store } from '../store/index.js';
import {
  type CancelReason,
  type ConsentWithdrawal,
  recordCancelledAtSend,
  recordFailedAttempt,
} from './attempt-outcome.js';
import { recordDisclosure } from './disclosure.js';
import { type AttemptResult, type NextStep, nextStep } from './retry-policy.js';
import { type Fetch, postWebhook } from './send.js';
import { consentAtSend, sendBlocker } from './send-checks.js';
import { signWebhook } from './webhook-signature.js';
import { targetOf, webhookSecretOf, webhookUrlProblem } from './webhook-target.js';

export interface DeliveryDeps {
  store: Store;
  audit: AuditLog;
  registry: Registry;
  keys: KeyRing;
  clock: Clock;
  ids: Ids;
  /** Reads consents again from trusts' FHIR servers before sending (issue 17 item 11). */
  trustFhir?: TrustFhir;
}

export interface DeliveryOptions {
  tuning: DeliveryTuning;
  secrets: SecretReader;
  /** Jitter source, [0, 1); injectable so tests know when the next attempt falls. */
  random: () => number;
  fetch?: Fetch;
  /** Resolves webhook hostnames for the private-address check (tests inject one). */
  lookup?: Lookup;
}

type Prepared =
  | { kind: 'send'; attempt: () => Promise<AttemptResult> }
  | { kind: 'stop'; result: AttemptResult; dead?: Extract<NextStep, { kind: 'dead' }>['reason'] }
  | { kind: 'cancel'; reason: CancelReason; withdrawal?: ConsentWithdrawal };

async function prepare(
  deps: DeliveryDeps,
  opts: DeliveryOptions,
  row: DeliveryRow,
  requestId: string,
): Promise<Prepared> {
  const fail = (error: string): Prepared => ({ kind: 'stop', result: { kind: 'failed', error } });
  const referral = await deps.store.db
    .selectFrom('referrals')
    .selectAll()
    .where('id', '=', row.referral_id)
    .executeTakeFirstOrThrow();
  const blocker = sendBlocker(deps.registry, referral, row, deps.clock.now());
  if (blocker) return { kind: 'cancel', reason: blocker };
  const consent = await consentAtSend(deps, referral, row, opts.tuning);
  if (consent.kind === 'withdrawn') {
    const withdrawal = { consents: consent.consents, reasons: consent.reasons.map((r) => r.code) };
    return { kind: 'cancel', reason: 'consent-withdrawn', withdrawal };
  }
  if (consent.kind === 'unconfirmed') {
    // Not sent, and not the recipient's fault: try again later; past CONSENT_MAX_AGE_MS, a dead
    // letter an operator can replay once the trust's server answers (the replay re-checks).
    return consent.tooOld
      ? { kind: 'stop', result: { kind: 'failed', error: consent.error }, dead: 'consent-unconfirmed' }
      : { kind: 'stop', result: { kind: 'retry', error: consent.error } };
  }
  const partner = deps.registry.partner(row.recipient);
  const d = partner ? targetOf(partner, row.kind) : undefined;
  if (!partner || !d) return fail('recipient has no webhook delivery settings');
  const urlProblem = webhookUrlProblem(d.url, opts.tuning.allowInsecureLocalWebhooks);
  if (urlProblem) return fail(urlProblem);
  // A hostname may point somewhere private by now (DNS is the recipient's): checked every send.
  const allowLocal = opts.tuning.allowInsecureLocalWebhooks;
  const addressProblem = await resolvedAddressProblem(d.url, allowLocal, opts.lookup);
  if (addressProblem) return fail(`webhook ${addressProblem}`);
  const secret = webhookSecretOf(partner, opts.secrets, toStatusWebhook(row.kind));
  if (secret.kind === 'problem') return fail(secret.message);
  if (row.payload === null) return fail('payload purged by retention; nothing to send');
  const body = row.payload;
  const attempt = async () => {
    const now = deps.clock.now();
    const headers = await signWebhook({
      id: row.webhook_id,
      at: now,
      body,
      schemes: d.signatures,
      ...(secret.secret ? { hmacSecret: secret.secret } : {}),
      ...(d.signatures.includes('v1a') ? { ed25519: deps.keys.active } : {}),
    });
    return postWebhook(
      {
        url: d.url,
        body,
        contentType: row.content_type ?? 'application/json',
        headers,
        requestId,
        // The event's id, read from the row: a later attempt in another process sends the same.
        ...(row.correlation_id ? { correlationId: row.correlation_id } : {}),
        timeoutMs: opts.tuning.timeoutMs,
        now,
        // Checked again where the socket connects: a DNS answer that changed since is refused.
        dispatcher: guardedDispatcher(allowLocal, opts.lookup),
      },
      opts.fetch,
    );
  };
  return { kind: 'send', attempt };
}

/** Deliver one row claimed by `owner`; returns what happened, for logs and tests. */
export async function deliverOne(
  deps: DeliveryDeps,
  opts: DeliveryOptions,
  row: DeliveryRow,
  owner: string,
): Promise<AttemptResult['kind'] | 'cancelled' | 'lease-lost'> {
  const requestId = deps.ids.next();
  const owned = { delivery: row, owner, requestId };
  // Attempts are counted when claimed: more than the limit means earlier attempts ended without
  // an outcome (the worker died mid-send each time). Stop rather than crash-loop on one message.
  if (row.attempts > opts.tuning.maxAttempts) {
    const result = { kind: 'retry', error: 'no outcome recorded for earlier attempts' } as const;
    const next = { kind: 'dead', reason: 'max-attempts' } as const;
    const at = deps.clock.now();
    const ok = await deps.store.transaction((tx) =>
      recordFailedAttempt(tx, deps, { ...owned, at, result, next }),
    );
    return ok ? 'failed' : 'lease-lost';
  }
  const prepared = await prepare(deps, opts, row, requestId);
  if (prepared.kind === 'cancel') {
    const { reason, withdrawal } = prepared;
    const ok = await deps.store.transaction((tx) =>
      recordCancelledAtSend(tx, deps, {
        ...owned,
        at: deps.clock.now(),
        reason,
        ...(withdrawal ? { withdrawal } : {}),
      }),
    );
    return ok ? 'cancelled' : 'lease-lost';
  }
  const result = prepared.kind === 'send' ? await prepared.attempt() : prepared.result;
  const at = deps.clock.now();
  if (result.kind === 'delivered') {
    // A 2xx reached the recipient: recorded even if our lease ran out meanwhile (it is the truth),
    // but only once per delivery (recordDisclosure is conditional on the row not being delivered).
    await deps.store.transaction((tx) =>
      recordDisclosure(tx, deps, {
        delivery: row,
        at,
        requestId,
        detail: { attempt: row.attempts, httpStatus: result.status },
      }),
    );
    return 'delivered';
  }
  const next: NextStep =
    prepared.kind === 'stop' && prepared.dead
      ? { kind: 'dead', reason: prepared.dead }
      : nextStep(
          result,
          { attempts: row.attempts, createdAt: new Date(row.created_at), now: at },
          opts.tuning,
          opts.random,
        );
  const ok = await deps.store.transaction((tx) =>
    recordFailedAttempt(tx, deps, { ...owned, at, result, next }),
  );
  return ok ? result.kind : 'lease-lost';
}
