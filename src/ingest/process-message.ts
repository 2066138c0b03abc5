/**
 * The intake stage: POST /fhir/$process-message with plain data in, the response to send out
 * (issue 4). Check everything, store the event durably with its `received` audit entry in one
 * transaction, and answer with a FHIR response message; a replay answers the stored response,
 * the same MessageHeader.id with other content 409. Refusals are thrown as OutcomeErrors
 * (422 invalid, 409 duplicate, 502/504 trust server trouble); nothing is stored for any of them.
 */
import type { BundleEntry } from 'fhir/r4.js';
import type { AuditLog } from '../audit/types.js';
import type { Clock } from '../clock.js';
import type { Registry } from '../config/registry-types.js';
import { canonicalSha256 } from '../fhir/canonical-json.js';
import { responseMessage } from '../fhir/message-response.js';
import { forbidden, OutcomeError, outcome, unprocessable } from '../fhir/outcome.js';
import type { TrustFhir } from '../fhir/trust-fhir.js';
import type { Ids } from '../ids.js';
import type { Logger } from '../log.js';
import type { PipelineDeps } from '../pipeline/process-event.js';
import { runStoredEvent } from '../pipeline/run-stored-event.js';
import type { Store } from '../store/index.js';
import { checkMessage } from './check-message.js';
import {
  claimEpisode,
  type EncounterKey,
  EncounterOfAnotherPerson,
  encounterKeyOf,
  episodeOwner,
} from './episodes.js';
import { compare, findEvent, type RecordOutcome, recordEvent } from './event-store.js';
import { issues } from './issues.js';
import { asArray, isObject } from './message.js';
import { parseEvent } from './parse-event.js';
import type { IntakeProfiles } from './profiles.js';
import { withTrustConsents } from './remote-consents.js';
import type { ParsedEvent } from './types.js';

/** What intake needs, and what it hands on to the pipeline (runStoredEvent) in the event's transaction. */
export interface IntakeDeps extends Omit<PipelineDeps, 'gatewayEndpoint'> {
  store: Store;
  clock: Clock;
  ids: Ids;
  registry: Registry;
  intake: IntakeProfiles;
  trustFhir: TrustFhir;
  audit: AuditLog;
  settings: { publicUrl: string };
  logger?: Logger;
}

export interface IntakeRequest {
  body: unknown;
  /** The authenticated caller (callerOf(req).partnerId). */
  partnerId: string;
  requestId?: string;
  /** The inbound X-Correlation-Id or the one given (http/request-id.ts): stored with the event. */
  correlationId?: string;
}

export type IntakeResult =
  /** Stored now; `event` goes on to the decision pipeline. */
  | { kind: 'accepted'; eventId: string; response: string; event: ParsedEvent }
  /** The same message again: the stored response, nothing new created. */
  | { kind: 'replayed'; eventId: string; response: string };

/** MessageHeader.id, read without trusting the body (the idempotency key is checked before validation). */
function messageIdOf(body: unknown): string | undefined {
  const first = isObject(body) ? asArray(body.entry)[0] : undefined;
  const header = isObject(first) && isObject(first.resource) ? first.resource : undefined;
  const id = header?.resourceType === 'MessageHeader' ? header.id : undefined;
  return typeof id === 'string' && /^[A-Za-z0-9\-.]{1,64}$/.test(id) ? id : undefined;
}

async function settle(
  deps: IntakeDeps,
  req: IntakeRequest,
  found: Exclude<RecordOutcome, { kind: 'stored' }>,
): Promise<IntakeResult> {
  if (found.kind === 'replay') {
    // The stored response may have been purged by retention: say so rather than invent one.
    const purged = outcome([
      {
        severity: 'information',
        code: 'informational',
        diagnostics: `Already accepted as event ${found.event.id}`,
      },
    ]);
    return {
      kind: 'replayed',
      eventId: found.event.id,
      response: found.event.response ?? JSON.stringify(purged),
    };
  }
  // A reused id with other content may be a sender bug or an attempt to rewrite history: audited.
  await deps.store.transaction(async (tx) => {
    await deps.audit.append(tx, {
      action: 'rejected',
      actor: req.partnerId,
      eventId: found.event.id,
      ...(req.requestId ? { requestId: req.requestId } : {}),
      ...(req.correlationId ? { correlationId: req.correlationId } : {}),
      detail: { reason: 'message-id-reused' },
    });
  });
  throw new OutcomeError(409, outcome([issues.messageIdReused()]));
}

/**
 * A message whose encounter identifier is another person's stay (issue 17 item 1): refused with
 * the identifier's location, nothing stored, and the refusal audited under the sender's person
 * (the subject HMAC, as every entry; no identifier value, which could itself be a number).
 */
async function refuseEncounter(
  deps: IntakeDeps,
  req: IntakeRequest,
  refused: { key: EncounterKey; sha256: string; event: ParsedEvent },
): Promise<never> {
  await deps.store.transaction(async (tx) => {
    await deps.audit.append(tx, {
      action: 'rejected',
      actor: req.partnerId,
      payloadSha256: refused.sha256,
      subjectNhsNumber: refused.event.patient.nhsNumber,
      ...(req.requestId ? { requestId: req.requestId } : {}),
      ...(req.correlationId ? { correlationId: req.correlationId } : {}),
      detail: { reason: 'encounter-of-another-person', event: refused.event.event },
    });
  });
  throw unprocessable([issues.encounterOfAnotherPerson(refused.key.expression)]);
}

export async function processMessage(deps: IntakeDeps, req: IntakeRequest): Promise<IntakeResult> {
  const partner = deps.registry.partner(req.partnerId);
  if (!partner) throw forbidden('Unknown partner');
  const sha256 = canonicalSha256(req.body);
  const messageId = messageIdOf(req.body);
  // Fast path for retries: no validation, no remote reads. The unique index still decides races.
  const earlier = messageId ? await findEvent(deps.store, partner.id, messageId) : undefined;
  if (earlier)
    return settle(deps, req, compare(earlier, sha256) as Exclude<RecordOutcome, { kind: 'stored' }>);

  const checked = await checkMessage(req.body, {
    profiles: deps.intake,
    partner,
    trustFhir: deps.trustFhir,
    onRemoteFailure: (f) => deps.logger?.warn(f, 'trust FHIR server read failed'),
  });
  if (checked.kind === 'invalid') throw unprocessable(checked.issues);

  const receivedAt = deps.clock.now().toISOString();
  const parsed = parseEvent(checked.message, { partner, profiles: deps.intake, receivedAt });
  // Before any remote read or write: a stay that is another person's is refused outright.
  const encounterKey = encounterKeyOf(checked.message, partner.id);
  const subjectHmac = deps.audit.subjectHash(parsed.patient.nhsNumber);
  const owner = encounterKey ? await episodeOwner(deps.store.db, encounterKey) : undefined;
  if (encounterKey && owner !== undefined && owner !== subjectHmac) {
    return refuseEncounter(deps, req, { key: encounterKey, sha256, event: parsed });
  }
  // Consents the agreements say live on the trust's server are gathered now, before any write.
  const event = await withTrustConsents(parsed, {
    registry: deps.registry,
    sender: partner,
    trustFhir: deps.trustFhir,
    profiles: deps.intake,
  });
  const eventId = deps.ids.next();
  const header = checked.message.entries[0]?.resource;
  const source =
    isObject(header?.source) && typeof header.source.endpoint === 'string'
      ? header.source.endpoint
      : undefined;
  const warnings =
    checked.warnings.length > 0 ? { id: deps.ids.next(), outcome: outcome(checked.warnings) } : undefined;
  const gatewayEndpoint = `${deps.settings.publicUrl}/fhir/$process-message`;
  const respond = (entries: BundleEntry[]) =>
    JSON.stringify(
      responseMessage({
        bundleId: deps.ids.next(),
        headerId: deps.ids.next(),
        eventId,
        timestamp: receivedAt,
        requestId: event.messageId,
        eventCoding: event.sentEvent,
        ...(source ? { requestSourceEndpoint: source } : {}),
        gatewayEndpoint,
        entries,
        ...(warnings ? { warnings } : {}),
      }),
    );
  let response = '';
  const fetched = Object.fromEntries([...checked.message.fetched].map(([k, e]) => [k, e.resource]));
  const claim = { subjectHmac, eventId, at: receivedAt };
  const recorded = await recordEvent(
    deps.store,
    {
      id: eventId,
      sender: partner.id,
      message_id: event.messageId,
      event_code: event.event,
      reason: event.reason,
      received_at: receivedAt,
      request_id: req.requestId ?? null,
      correlation_id: req.correlationId ?? null,
      payload_sha256: sha256,
      payload: JSON.stringify(req.body),
      response: null,
      status: 'validated',
      resolved: Object.keys(fetched).length > 0 ? JSON.stringify(fetched) : null,
    },
    async (tx) => {
      // A race lost to another person's message for a new identifier rolls everything back.
      if (encounterKey && !(await claimEpisode(tx, encounterKey, claim))) {
        throw new EncounterOfAnotherPerson(encounterKey);
      }
      await deps.audit.append(tx, {
        action: 'received',
        actor: partner.id,
        eventId,
        payloadSha256: sha256,
        subjectNhsNumber: event.patient.nhsNumber,
        ...(req.requestId ? { requestId: req.requestId } : {}),
        ...(req.correlationId ? { correlationId: req.correlationId } : {}),
        // No personal data here: codes only (conventions 8).
        detail: { event: event.event, reason: event.reason, sentEvent: event.sentEvent.code },
      });
      // The hand-off to the pipeline: decisions, referrals and outbox rows commit with the
      // event, or not at all.
      const entries = await runStoredEvent({ ...deps, gatewayEndpoint }, tx, {
        eventId,
        event,
        at: new Date(receivedAt),
        ...(req.requestId ? { requestId: req.requestId } : {}),
        ...(req.correlationId ? { correlationId: req.correlationId } : {}),
      });
      response = respond(entries);
      await tx.updateTable('events').set({ response }).where('id', '=', eventId).execute();
    },
  ).catch((err: unknown) => {
    if (err instanceof EncounterOfAnotherPerson) {
      return refuseEncounter(deps, req, { key: err.key, sha256, event });
    }
    throw err;
  });
  if (recorded.kind === 'stored') return { kind: 'accepted', eventId, response, event };
  return settle(deps, req, recorded);
}
