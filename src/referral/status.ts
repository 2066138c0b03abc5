/**
 * The words a referral's status is stored in (`referrals.status`; design.md, Referral lifecycle).
 * The referral stage owns them: every other stage reads them from here, and every change of
 * status goes through the one table in transitions.ts.
 *
 * The lifecycle's earlier steps (received, validated, decided, withheld) belong to the event and
 * its decisions, not to a referral row: a referral is made `queued`. `offered` (consortium
 * offers) is not built yet.
 */

/**
 * What a housing provider records after accepting (issue 19 item 3), in the order the work goes:
 * a later milestone may follow an earlier one (steps may be skipped); `moved-in` (housing) and
 * `works-complete` (home adaptations and repairs) are the two ends of the work, neither follows
 * the other. `move-date-set` carries the date.
 */
export const MILESTONES = [
  'contacted',
  'assessed',
  'options-identified',
  'offer-made',
  'viewing-arranged',
  'move-date-set',
  'moved-in',
  'works-complete',
] as const;
export type Milestone = (typeof MILESTONES)[number];

export const REFERRAL_STATUSES = [
  'queued',
  'delivered',
  'acknowledged',
  'accepted',
  'declined',
  ...MILESTONES,
  'completed',
  'failed',
  'cancelled',
] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

export const isReferralStatus = (s: string): s is ReferralStatus =>
  (REFERRAL_STATUSES as readonly string[]).includes(s);

export const isMilestone = (s: string): s is Milestone => (MILESTONES as readonly string[]).includes(s);

/** Statuses after which a referral takes no more updates (design.md, Referral lifecycle). */
export const FINAL_STATUSES = [
  'completed',
  'declined',
  'cancelled',
  'failed',
] as const satisfies readonly ReferralStatus[];

/**
 * Statuses in which the provider has answered (or the referral ended without needing one): an
 * SLA clock stops here (overdue.ts). A milestone comes after `accepted`, so it is answered too.
 */
export const ANSWERED_STATUSES = [
  'accepted',
  ...MILESTONES,
  'declined',
  'completed',
  'cancelled',
] as const satisfies readonly ReferralStatus[];
