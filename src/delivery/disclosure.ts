/**
 * The moment of disclosure (design.md, Audit): a webhook answered 2xx, or a pull-inbox
 * delivery read for the first time. Both record it the same way, in ONE transaction: the
 * delivery becomes `delivered`, the referral `delivered`, and a `disclosed` entry names the
 * recipient, agreement (id, version, file hash), consents, lawful basis and purpose of the
 * decision, the dataset field NAMES, the SHA-256 of the exact bytes sent and the subject HMAC.
 * Only the first recording of a delivery writes anything: there is one `disclosed` per delivery.
 */
import type { AuditInput, AuditLog, ConsentRef } from '../audit/types.js';
import type { Registry } from '../config/registry-types.js';
import { type DeliveryRow, isMessageKind } from '../outbox/outbox.js';
import { agreementRefOf } from '../referral/agreement-ref.js';
import { discloseMessage, messageOfDelivery } from '../referral/conversation.js';
import { moveReferral } from '../referral/move.js';
import { referralById } from '../referral/referral-store.js';
import { isReferralStatus } from '../referral/status.js';
import { isLegalMove } from '../referral/transitions.js';
import type { Tx } from '../store/index.js';

export interface DisclosureDeps {
  audit: AuditLog;
  registry: Registry;
}

/** Message kinds that carry the dataset; notices (cancel, consent withdrawn) carry only the referral id. */
export const isDatasetKind = (kind: string) => kind === 'referral' || kind === 'update';

/** Kinds that carry personal data about the person: the dataset, or a conversation message's free text. */
export const carriesPersonalData = (kind: string) => isDatasetKind(kind) || isMessageKind(kind);

/**
 * What the decision behind the referral recorded (consent/decision-store.ts writes it). Read
 * here rather than recomputed: the disclosure rests on the decision as it was made.
 */
async function decisionBasis(tx: Tx, registry: Registry, decisionId: string) {
  const d = await tx
    .selectFrom('decisions')
    .select(['consents', 'lawful_basis', 'purpose', 'agreement_id', 'agreement_version'])
    .where('id', '=', decisionId)
    .executeTakeFirst();
  const consents = d ? (JSON.parse(d.consents) as ConsentRef[]) : [];
  const a = registry.versions(d?.agreement_id ?? '').find((v) => String(v.version) === d?.agreement_version);
  return {
    consents,
    ...(a ? { agreement: { id: a.id, version: a.version, sha256: a.sha256 } } : {}),
    ...(d?.lawful_basis ? { lawfulBasis: d.lawful_basis } : {}),
    ...(d?.purpose ? { purpose: d.purpose } : {}),
  };
}

export interface Disclosure {
  delivery: DeliveryRow;
  at: Date;
  requestId?: string;
  /** Channel-specific facts for the entry: attempt number and HTTP status, or the reader. */
  detail: Record<string, unknown>;
}

/** Record a disclosure; false when this delivery was already recorded as delivered. */
export async function recordDisclosure(tx: Tx, deps: DisclosureDeps, d: Disclosure): Promise<boolean> {
  const at = d.at.toISOString();
  const { delivery } = d;
  // The write comes first: it takes the write lock before anything is read (audit-log.ts).
  const updated = await tx
    .updateTable('deliveries')
    .set({
      state: 'delivered',
      delivered_at: at,
      updated_at: at,
      last_error: null,
      lease_owner: null,
      lease_expires_at: null,
    })
    .where('id', '=', delivery.id)
    .where('state', '!=', 'delivered')
    .executeTakeFirst();
  if (updated.numUpdatedRows !== 1n) return false;
  const referral = await referralById(tx, delivery.referral_id);
  if (!referral) throw new Error(`delivery ${delivery.id}: its referral is gone`);
  if (isMessageKind(delivery.kind)) {
    // A conversation message: disclosed once, by whichever reaches the other side first (this
    // webhook or a read through the API), and audited by the conversation (referral stage).
    const message = await messageOfDelivery(tx, delivery.id);
    if (message) {
      await discloseMessage(tx, deps, referral, message, {
        at: d.at,
        channel: 'webhook',
        ...(d.requestId ? { requestId: d.requestId } : {}),
        detail: { deliveryId: delivery.id, webhookId: delivery.webhook_id, ...d.detail },
      });
    }
    return true;
  }
  const withDataset = isDatasetKind(delivery.kind);
  // The recipient now holds the referral (an update holds the whole dataset too). A dead-lettered
  // first message overtaken by a delivered update is delivered as well (transitions.ts).
  const moves =
    withDataset && isReferralStatus(referral.status) && isLegalMove(referral.status, 'delivered', 'gateway');
  const agreement = agreementRefOf(deps.registry, referral);
  const entry: Omit<AuditInput, 'referralId'> = {
    // A status message tells the sending trust about its own referral: not a disclosure.
    action: delivery.kind === 'status' ? 'status-changed' : 'disclosed',
    actor: referral.sender,
    recipient: delivery.recipient,
    // The referral's first event; an update came from a later one, named in its `queued` entry.
    ...(delivery.kind === 'referral' ? { eventId: referral.event_id } : {}),
    ...(agreement ? { agreement } : {}),
    // The decision this very message rests on (an update's own), and the fields it carries.
    ...(await decisionBasis(tx, deps.registry, delivery.decision_id ?? referral.decision_id)),
    fields: withDataset ? (JSON.parse(delivery.fields ?? referral.dataset_fields) as string[]) : [],
    ...(delivery.payload_sha256 ? { payloadSha256: delivery.payload_sha256 } : {}),
    ...(referral.subject_hmac ? { subjectHmac: referral.subject_hmac } : {}),
    ...(d.requestId ? { requestId: d.requestId } : {}),
    ...(delivery.correlation_id ? { correlationId: delivery.correlation_id } : {}),
    detail: {
      deliveryId: delivery.id,
      webhookId: delivery.webhook_id,
      kind: delivery.kind,
      channel: delivery.channel,
      ...d.detail,
    },
  };
  // The move writes the entry; a referral that moved on meanwhile (cancelled) keeps its status,
  // and the disclosure, which did happen, is recorded all the same.
  const moved = moves
    ? await moveReferral(tx, deps.audit, referral, { to: 'delivered', by: 'gateway', at: d.at, entry })
    : undefined;
  if (!moved?.ok) await deps.audit.append(tx, { ...entry, referralId: referral.id });
  return true;
}
