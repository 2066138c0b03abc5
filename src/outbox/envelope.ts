/**
 * What goes over the wire: a Standard Webhooks style JSON payload `{ type, timestamp, data }`
 * (the same bytes are served by the pull inbox), encrypted to the recipient as a compact JWE
 * when its partner file gives a key. Notices (cancellation, consent withdrawn) carry the
 * referral id and nothing else: a withdrawal must not disclose anything new.
 */
import { createHash } from 'node:crypto';
import type { Partner } from '../config/registry-types.js';
import type { Dataset } from '../mapping/build-dataset.js';
import type { DatasetChanges, UpdateCause } from '../mapping/dataset-changes.js';
import { encryptFor } from './encryption.js';
import type { DeliveryKind } from './outbox.js';

export const EVENT_TYPES: Readonly<Record<DeliveryKind, string>> = {
  referral: 'referral.created',
  update: 'referral.updated',
  cancel: 'referral.cancelled',
  'consent-withdrawn': 'referral.consent-withdrawn',
  status: 'referral.status',
  message: 'referral.message',
  'trust-message': 'referral.message',
};

export interface ReferralMessage {
  kind: DeliveryKind;
  at: Date;
  referralId: string;
  /** Present for referral and update messages only. */
  referral?: {
    type: string;
    datasetVersion: string;
    version: number;
    priority: string;
    dueBy: string | null;
    sender: { odsCode: string; name: string };
    agreement: { id: string; version: number };
    /** The event that caused this message and the fields changed since the recipient's previous version. */
    cause: UpdateCause;
    changes: DatasetChanges;
    dataset: Dataset;
  };
}

export function messageBody(m: ReferralMessage): string {
  const data = m.referral ? { referralId: m.referralId, ...m.referral } : { referralId: m.referralId };
  return JSON.stringify({ type: EVENT_TYPES[m.kind], timestamp: m.at.toISOString(), data });
}

export const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** The bytes to store and send for `recipient`, with their content type and hash. */
export async function sealFor(
  recipient: Partner,
  body: string,
  contentType = 'application/json',
): Promise<{ payload: string; contentType: string; sha256: string }> {
  const d = recipient.delivery;
  const jwk = d?.mode === 'webhook' ? d.encryptionJwk : undefined;
  const payload = jwk ? await encryptFor(jwk, body, contentType) : body;
  return { payload, contentType: jwk ? 'application/jose' : contentType, sha256: sha256Hex(payload) };
}
