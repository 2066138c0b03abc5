/**
 * The words a referral's status is stored in (`referrals.status`; design.md, Referral lifecycle).
 * The referral stage owns them: every other stage reads them from here.
 */
export const REFERRAL_STATUSES = [
  'queued',
  'delivered',
  'acknowledged',
  'accepted',
  'declined',
  'completed',
  'failed',
  'cancelled',
] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/** Statuses after which a referral takes no more updates (design.md, Referral lifecycle). */
export const FINAL_STATUSES = ['completed', 'declined', 'cancelled', 'failed'] as const;
