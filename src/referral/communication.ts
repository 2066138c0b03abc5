/**
 * A conversation message as FHIR R4 Communication (issue 19 item 4), the trust's view of it.
 * Why Communication: R4 defines it as "a record of information transmitted from a sender to a
 * receiver", with `basedOn` the request it is about (here the referral's Task), a sender, a
 * recipient, when it was sent and received, and a searchable payload; BaRS (NHS England's
 * Booking and Referral Standard) carries messages about a referral the same way. A Task.note is
 * an annotation of the Task itself: not addressable, not deliverable on its own, with no
 * recipient or receipt time, so the other side could not tell what it has read.
 */
import type { Communication } from 'fhir/r4.js';
import type { Registry } from '../config/registry-types.js';
import { identifierSystem } from '../fhir/homeward-base.js';
import type { MessageRow } from './conversation.js';
import type { ReferralRow } from './referral-store.js';
import { ODS_SYSTEM, REFERRAL_ID_SYSTEM } from './referral-task.js';

export const MESSAGE_ID_SYSTEM = identifierSystem('conversation-message');

function organisation(
  registry: Registry,
  partnerId: string,
  person?: { name: string | null; role: string | null },
) {
  const p = registry.partner(partnerId);
  const org = p?.name ?? partnerId;
  const who = person?.name ? `${person.name}${person.role ? ` (${person.role})` : ''}, ${org}` : org;
  return { identifier: { system: ODS_SYSTEM, value: p?.odsCode ?? 'UNKNOWN' }, display: who };
}

export function communicationOf(
  registry: Registry,
  referral: Pick<ReferralRow, 'id' | 'sender' | 'recipient'>,
  m: MessageRow,
): Communication {
  const to = m.side === 'trust' ? referral.recipient : referral.sender;
  return {
    resourceType: 'Communication',
    id: m.id,
    meta: { lastUpdated: m.disclosed_at ?? m.posted_at },
    identifier: [{ system: MESSAGE_ID_SYSTEM, value: m.id }],
    basedOn: [
      {
        reference: `Task/${referral.id}`,
        identifier: { system: REFERRAL_ID_SYSTEM, value: referral.id },
      },
    ],
    status: 'completed',
    sent: m.posted_at,
    ...(m.disclosed_at ? { received: m.disclosed_at } : {}),
    sender: organisation(registry, m.author, { name: m.author_name, role: m.author_role }),
    recipient: [organisation(registry, to)],
    ...(m.text !== null
      ? { payload: [{ contentString: m.text }] }
      : { note: [{ text: 'The text of this message was removed under the retention policy.' }] }),
  };
}
