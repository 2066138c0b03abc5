/**
 * Routing (issue 7 item 2): which recipients get a decision for an event. Candidates come from
 * the agreements whose discloser is the sender and whose triggers cover the event (any version,
 * so that an expired agreement yields a withheld decision that says so). Under the Duty to Refer
 * the person chooses the authority (Housing Act 1996 s.213B(2)): when they named one or more,
 * only those are candidates, including a chosen authority without an agreement (the trust then
 * learns that no agreement covers it); authorities they did not choose never see the event.
 * A request whose ServiceRequest.category names a referral type (issue 19 item 6) goes only to
 * agreements of that type; a home adaptation agreement takes only requests that name it, so a
 * Care & Repair service never sees a Duty to Refer and a council never sees a request for a stairlift.
 */
import type { Agreement, Partner, Registry } from '../config/registry-types.js';
import type { ParsedEvent } from '../ingest/types.js';

function typeCovers(a: Agreement, event: ParsedEvent): boolean {
  const asked = event.serviceRequest?.referralType;
  if (a.referralType === 'home-adaptation') return asked === 'home-adaptation';
  return asked === undefined || asked === a.referralType;
}

export function candidates(event: ParsedEvent, registry: Registry): Partner[] {
  const chosen = event.serviceRequest?.performerOds ?? [];
  const ids = new Set<string>();
  for (const a of registry.agreements) {
    if (a.discloser !== event.sender.partnerId || !a.triggers.includes(event.event)) continue;
    if (!typeCovers(a, event)) continue;
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
