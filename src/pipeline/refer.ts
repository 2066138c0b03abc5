/**
 * A permitted decision becomes a referral (or an update of the episode's open referral) with
 * its minimised dataset, an outbox row holding the exact bytes to send, and a `queued` audit
 * entry naming the fields (never their values), the agreement, consents and lawful basis.
 */
import type { Partner } from '../config/registry-types.js';
import { lawfulBasisText } from '../consent/decision-store.js';
import type { Decision } from '../consent/types.js';
import { type BuiltDataset, buildDataset } from '../mapping/build-dataset.js';
import type { ReadmissionOf } from '../mapping/context.js';
import { assertDataset, DATASET_VERSION } from '../mapping/dataset-schemas.js';
import { fhirReferral } from '../mapping/fhir-referral.js';
import { EVENT_TYPES, messageBody, sealFor } from '../outbox/envelope.js';
import { enqueue } from '../outbox/outbox.js';
import { insertReferral, openEpisodeReferral, updateReferral } from '../referral/referral-store.js';
import { dueBy } from '../referral/sla.js';
import type { Tx } from '../store/index.js';
import type { PipelineDeps, PipelineInput } from './process-event.js';
import { changesFor } from './update-changes.js';

export interface Permitted {
  decision: Extract<Decision, { outcome: 'permit' }>;
  decisionId: string;
  recipient: Partner;
  episode: string;
  /** The minimised dataset, built and checked against its schema by datasetFor. */
  built: BuiltDataset;
}

/**
 * The dataset a permit allows, checked against its referral type's schema before anything is
 * written: throws DatasetInvalidError when it does not match (the pipeline then withholds).
 */
export function datasetFor(
  deps: Pick<PipelineDeps, 'registry' | 'datasets'>,
  event: PipelineInput['event'],
  decision: Extract<Decision, { outcome: 'permit' }>,
  recipient: Partner,
  readmissionOf?: ReadmissionOf,
): BuiltDataset {
  const sender = deps.registry.partner(event.sender.partnerId);
  if (!sender) throw new Error(`sender ${event.sender.partnerId} left the registry`);
  const built = buildDataset({
    event,
    sender,
    recipient,
    decision,
    ...(readmissionOf ? { readmissionOf } : {}),
  });
  assertDataset(deps.datasets, decision.referralType, built.dataset);
  return built;
}

export async function referPermitted(
  deps: PipelineDeps,
  tx: Tx,
  input: PipelineInput,
  p: Permitted,
): Promise<string> {
  const { event, at } = input;
  const { decision, recipient } = p;
  const sender = deps.registry.partner(event.sender.partnerId);
  if (!sender) throw new Error(`sender ${event.sender.partnerId} left the registry`);
  const { dataset, fields } = p.built;

  const agreement = deps.registry
    .versions(decision.agreement.id)
    .find((a) => a.version === decision.agreement.version);
  const priority = event.serviceRequest?.priority ?? 'routine';
  const existing = await openEpisodeReferral(tx, p.episode, recipient.id);
  const referralId = existing?.id ?? deps.ids.next();
  const version = (existing?.version ?? 0) + 1;
  const due = existing?.due_by ?? (agreement ? dueBy(agreement, priority, at).toISOString() : null);
  const stamp = at.toISOString();
  const common = {
    dataset: JSON.stringify(dataset),
    dataset_fields: JSON.stringify(fields),
    version,
    updated_at: stamp,
  };
  if (existing) {
    // A later event may rest on a later agreement version: the referral follows it.
    await updateReferral(tx, existing.id, {
      ...common,
      agreement_id: decision.agreement.id,
      agreement_version: decision.agreement.version,
    });
  } else {
    await insertReferral(tx, {
      id: referralId,
      event_id: input.eventId,
      decision_id: p.decisionId,
      sender: sender.id,
      recipient: recipient.id,
      episode_key: p.episode,
      type: decision.referralType,
      priority,
      due_by: due,
      subject_hmac: deps.audit.subjectHash(event.patient.nhsNumber),
      created_at: stamp,
      agreement_id: decision.agreement.id,
      agreement_version: decision.agreement.version,
      response: null,
      ...common,
    });
  }
  const kind = existing ? 'update' : 'referral';
  const channel = recipient.delivery?.mode === 'webhook' ? 'webhook' : 'pull';
  const cause = { event: event.event, occurredAt: event.occurredAt };
  const changes = await changesFor(tx, existing, channel, {
    type: decision.referralType,
    event: event.event,
    permitted: decision.fields,
    dataset,
  });
  const referralPart = {
    type: decision.referralType,
    datasetVersion: DATASET_VERSION[decision.referralType],
    version,
    priority,
    dueBy: due,
    sender: { odsCode: sender.odsCode, name: sender.name },
    agreement: { id: decision.agreement.id, version: decision.agreement.version },
    cause,
    changes,
    dataset,
  };
  // Recipients that asked for FHIR get a BaRS-style message Bundle built from the same dataset.
  const fhir = recipient.delivery?.format === 'fhir';
  const body = fhir
    ? JSON.stringify(
        fhirReferral({
          referralId,
          kind,
          type: decision.referralType,
          priority,
          at,
          sender: { odsCode: sender.odsCode, name: sender.name },
          recipient: { odsCode: recipient.odsCode, name: recipient.name },
          gatewayEndpoint: deps.gatewayEndpoint ?? 'urn:homeward:gateway',
          dataset,
          cause,
          changes,
        }),
      )
    : messageBody({ kind, at, referralId, referral: referralPart });
  const contentType = fhir ? 'application/fhir+json' : 'application/json';
  const sealed = await sealFor(recipient, body, { type: EVENT_TYPES[kind], at }, contentType);
  const deliveryId = deps.ids.next();
  await enqueue(tx, {
    id: deliveryId,
    referralId,
    recipient: recipient.id,
    kind,
    channel,
    payload: sealed.payload,
    payloadSha256: sealed.sha256,
    contentType: sealed.contentType,
    at,
    decisionId: p.decisionId,
    fields,
    ...(input.correlationId ? { correlationId: input.correlationId } : {}),
  });
  await deps.audit.append(tx, {
    action: 'queued',
    actor: sender.id,
    recipient: recipient.id,
    referralId,
    eventId: input.eventId,
    agreement: decision.agreement,
    consents: decision.consents,
    lawfulBasis: lawfulBasisText(decision),
    purpose: decision.purpose,
    fields,
    payloadSha256: sealed.sha256,
    subjectNhsNumber: event.patient.nhsNumber,
    ...(input.requestId ? { requestId: input.requestId } : {}),
    ...(input.correlationId ? { correlationId: input.correlationId } : {}),
    detail: {
      kind,
      deliveryId,
      channel,
      version,
      dueBy: due,
      reasons: decision.reasons.map((r) => r.code),
      // What the message says caused it and changed: event code and field names, never values.
      cause: event.event,
      changed: changes.fields,
      ...(changes.notDisclosed ? { notDisclosed: changes.notDisclosed } : {}),
    },
  });
  return referralId;
}
