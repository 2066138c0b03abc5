/**
 * What goes over the wire: a Standard Webhooks style JSON payload `{ type, timestamp, data }`
 * (the same bytes are served by the pull inbox), or for `format: fhir` recipients a FHIR message
 * Bundle. Notices (cancellation, consent withdrawn) carry the referral id and nothing else: a
 * withdrawal must not disclose anything new.
 *
 * When the recipient's partner file gives a key, that body is encrypted to it as a compact JWE
 * and the JWE travels inside a JSON envelope, `{ type, timestamp, data: { jwe } }`, sent as
 * `application/json` (issue 21 item 4): Standard Webhooks libraries (`standardwebhooks`, `svix`)
 * JSON-parse every body they verify, so a bare `application/jose` body made them throw. Only the
 * event type and time are in clear, so a receiver can route before decrypting; the JWE's `cty`
 * says what the plaintext is (`application/json` or `application/fhir+json`), and the plaintext
 * is byte for byte the body an unencrypted recipient gets.
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

/** The JSON envelope an encrypted body travels in (see the header comment). */
export interface EncryptedEnvelope {
  type: string;
  timestamp: string;
  data: { jwe: string };
}

/**
 * The bytes to store and send for `recipient`, with their content type and hash. `event` is the
 * Standard Webhooks `type` and time of the message, kept in clear around an encrypted body.
 */
export async function sealFor(
  recipient: Partner,
  body: string,
  event: { type: string; at: Date },
  contentType = 'application/json',
): Promise<{ payload: string; contentType: string; sha256: string }> {
  const d = recipient.delivery;
  const jwk = d?.mode === 'webhook' ? d.encryptionJwk : undefined;
  if (!jwk) return { payload: body, contentType, sha256: sha256Hex(body) };
  const envelope: EncryptedEnvelope = {
    type: event.type,
    timestamp: event.at.toISOString(),
    data: { jwe: await encryptFor(jwk, body, contentType) },
  };
  const payload = JSON.stringify(envelope);
  return { payload, contentType: 'application/json', sha256: sha256Hex(payload) };
}
