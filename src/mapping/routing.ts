/**
 * Routing (issue 7 item 2): which recipients get a decision for an event. Candidates come from
 * the agreements whose discloser is the sender and whose triggers cover the event (any version,
 * so that an expired agreement yields a withheld decision that says so). Under the Duty to Refer
 * the person chooses the authority (Housing Act 1996 s.213B(2)): when they named one or more,
 * only those are candidates, including a chosen authority without an agreement (the trust then
 * learns that no agreement covers it); authorities they did not choose never see the event.
 */
import type { Partner, Registry } from '../config/registry-types.js';
import type { ParsedEvent } from '../ingest/types.js';

export function candidates(event: ParsedEvent, registry: Registry): Partner[] {
  const chosen = event.serviceRequest?.performerOds ?? [];
  const ids = new Set<string>();
  for (const a of registry.agreements) {
    if (a.discloser !== event.sender.partnerId || !a.triggers.includes(event.event)) continue;
    const recipient = registry.partner(a.recipient);
    if (!recipient) continue;
    if (a.referralType === 'duty-to-refer' && chosen.length > 0 && !chosen.includes(recipient.odsCode))
      continue;
    ids.add(recipient.id);
  }
  for (const ods of chosen) {
    const p = registry.partnerByOds(ods);
    if (p?.roles.includes('recipient') && event.event === 'referral-request') ids.add(p.id);
  }
  return [...ids].sort().flatMap((id) => registry.partner(id) ?? []);
}
