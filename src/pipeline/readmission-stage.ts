/**
 * The readmission link of one permit (issue 19 item 5): for a referral this permit will create,
 * the person's earlier ended referral within the agreement's window (referral/readmissions.ts);
 * for an update of the stay's open referral, the link that referral was made with, so that every
 * version of a referral says the same about the earlier one.
 */
import type { Registry } from '../config/registry-types.js';
import type { Decision } from '../consent/types.js';
import type { ReadmissionOf } from '../mapping/context.js';
import {
  type EndedReferral,
  type ReadmissionLink,
  readmissionFor,
  readmissionOfField,
  storedLink,
} from '../referral/readmissions.js';
import { openEpisodeReferral } from '../referral/referral-store.js';
import type { Db, Tx } from '../store/index.js';
import type { ConsentStageInput } from './consent-stage.js';

export interface StayReadmission {
  /** What the dataset says (when the agreement allows the field). */
  field?: ReadmissionOf;
  /** The link to store with the new referral. */
  created?: ReadmissionLink;
}

export async function readmissionOfStay(
  db: Db | Tx,
  registry: Registry,
  input: ConsentStageInput,
  decision: Extract<Decision, { outcome: 'permit' }>,
  history: readonly EndedReferral[],
): Promise<StayReadmission> {
  const open = await openEpisodeReferral(db as Tx, input.episode, input.recipient.id);
  if (open) {
    const kept = await storedLink(db, open.id);
    return kept ? { field: readmissionOfField(kept) } : {};
  }
  const agreement = registry
    .versions(decision.agreement.id)
    .find((a) => a.version === decision.agreement.version);
  const link = readmissionFor(history, {
    recipient: input.recipient.id,
    sender: input.event.sender.partnerId,
    episode: input.episode,
    agreement,
    at: input.at,
  });
  return link ? { field: readmissionOfField(link), created: link } : {};
}
