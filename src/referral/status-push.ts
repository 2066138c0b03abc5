/**
 * A provider's answer goes back to the ward (issue 8 item 5): when the sending trust's partner
 * file has a `statusWebhook`, each acknowledgement and answer queues a message to it, in the
 * transaction of the change, holding the referral's FHIR Task as the trust would read it from
 * GET /fhir/Task/{id}. The worker sends it like any webhook (signed, retried); its 2xx is
 * audited as `status-changed`, not as a disclosure: the trust learns only its own referral's status.
 */
import type { Registry } from '../config/registry-types.js';
import type { Ids } from '../ids.js';
import { sha256Hex } from '../outbox/envelope.js';
import { enqueue } from '../outbox/outbox.js';
import type { Tx } from '../store/index.js';
import type { ReferralRow } from './referral-store.js';
import { taskById } from './trust-tasks.js';

export async function queueStatusPush(
  tx: Tx,
  deps: { registry: Registry; ids: Ids },
  referral: Pick<ReferralRow, 'id' | 'sender'>,
  at: Date,
): Promise<boolean> {
  const trust = deps.registry.partner(referral.sender);
  if (!trust?.statusWebhook) return false;
  const task = await taskById(tx, deps.registry, trust.id, referral.id);
  if (!task) return false;
  const payload = JSON.stringify({ type: 'referral.status', timestamp: at.toISOString(), data: task });
  await enqueue(tx, {
    id: deps.ids.next(),
    referralId: referral.id,
    recipient: trust.id,
    kind: 'status',
    channel: 'webhook',
    payload,
    payloadSha256: sha256Hex(payload),
    contentType: 'application/json',
    at,
    // The id of the message the Task answers, so the trust joins the push to what it sent.
    ...(task.groupIdentifier?.value ? { correlationId: task.groupIdentifier.value } : {}),
  });
  return true;
}
