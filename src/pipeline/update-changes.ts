/**
 * The "what changed" of a referral message (issue 19 item 2) worked out in the event's
 * transaction: against the previous version queued for this recipient (mapping/dataset-changes.ts).
 */

import type { Dataset } from '../mapping/build-dataset.js';
import { changesInJson, type DatasetChanges, datasetChanges } from '../mapping/dataset-changes.js';
import { changesInFhir } from '../mapping/fhir-referral-update.js';
import { newestUnreadPull } from '../outbox/outbox.js';
import type { ReferralRow } from '../referral/referral-store.js';
import type { Db, Tx } from '../store/index.js';

/**
 * The changes against the previous version queued for this recipient; for a pull recipient with
 * an unread message still waiting, against what that message was against (its list carries over).
 */
export async function changesFor(
  tx: Db | Tx,
  existing: ReferralRow | undefined,
  channel: 'webhook' | 'pull',
  i: Omit<Parameters<typeof datasetChanges>[0], 'previous' | 'unread'>,
): Promise<DatasetChanges> {
  if (!existing) return datasetChanges(i);
  // A purged dataset (retention) is compared as empty: every field present counts as changed.
  const before = existing.dataset ? (JSON.parse(existing.dataset) as Dataset) : {};
  const previous = { version: existing.version, dataset: before };
  const unread = channel === 'pull' ? await newestUnreadPull(tx, existing.id) : undefined;
  const carried =
    unread?.payload == null
      ? undefined
      : unread.content_type === 'application/fhir+json'
        ? changesInFhir(unread.payload)
        : changesInJson(unread.payload);
  return datasetChanges({ ...i, previous, ...(carried ? { unread: carried } : {}) });
}
