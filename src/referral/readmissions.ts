/**
 * Readmission and follow-up (issue 19 item 5). A person's new stay whose referral comes within an
 * agreement's window (default 28 days) after an earlier referral of theirs ended is a
 * readmission: the new referral says so (dataset field `readmissionOf`), the link is stored for
 * evidence (table `readmission_links`, migration 0009), and where the agreement allows follow-up
 * the earlier recipient is offered it first (routed first, catchment waived: consent/decide.ts).
 *
 * Which endings count: `completed` and `declined`, the provider's own closing of a referral it
 * received. Not `cancelled` (the trust withdrew it or the person withdrew consent: following it
 * up would reuse a relationship they ended) nor `failed` (never received).
 * Persons are matched by the subject HMAC only (ingest/episodes.ts): never by name or number.
 * What the recipient learns (`readmissionOf`): its own earlier referral's id, end time and
 * outcome; of an earlier referral to someone else, only that one ended and when, and only when
 * the same trust sent it (a trust discloses what it knows, never another trust's referral).
 */
import type { Agreement } from '../config/registry-types.js';
import { endedWithin, readmissionWindowDays } from '../consent/readmission-rule.js';
import type { ReadmissionOf } from '../mapping/context.js';
import type { Db, Tx } from '../store/index.js';
import type { ReadmissionLinkTable } from '../store/schema.js';

export const READMISSION_ENDINGS = ['completed', 'declined'] as const;
/** The widest window an agreement may set (consent/schema/agreement.schema.json). */
const MAX_WINDOW_DAYS = 365;
const DAY_MS = 86_400_000;

export interface EndedReferral {
  id: string;
  sender: string;
  recipient: string;
  episodeKey: string;
  outcome: (typeof READMISSION_ENDINGS)[number];
  endedAt: string;
}

export interface ReadmissionLink {
  earlier: EndedReferral;
  sameRecipient: boolean;
  windowDays: number;
  /** The earlier recipient's agreement allows follow-up: it was routed first, its catchment waived. */
  offeredFirst: boolean;
}

/** The person's referrals that ended within the widest window before `at`, newest first. */
export async function endedReferrals(db: Db | Tx, subjectHmac: string, at: Date): Promise<EndedReferral[]> {
  const since = new Date(at.getTime() - MAX_WINDOW_DAYS * DAY_MS).toISOString();
  const rows = await db
    .selectFrom('referrals')
    .select(['id', 'sender', 'recipient', 'episode_key', 'status', 'updated_at'])
    .where('subject_hmac', '=', subjectHmac)
    .where('status', 'in', [...READMISSION_ENDINGS])
    .where('updated_at', '>=', since)
    .where('updated_at', '<=', at.toISOString())
    .orderBy('updated_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    sender: r.sender,
    recipient: r.recipient,
    episodeKey: r.episode_key,
    outcome: r.status as EndedReferral['outcome'],
    endedAt: r.updated_at,
  }));
}

/** Earlier stays only: an ending in this stay is not a readmission. */
export const otherStays = (history: readonly EndedReferral[], episode: string) =>
  history.filter((h) => h.episodeKey !== episode);

/**
 * The link for a new referral to `recipient` under `agreement`: the recipient's own latest ended
 * referral within the window, else the latest one the same trust sent to anyone.
 */
export function readmissionFor(
  history: readonly EndedReferral[],
  o: { recipient: string; sender: string; episode: string; agreement: Agreement | undefined; at: Date },
): ReadmissionLink | undefined {
  const windowDays = readmissionWindowDays(o.agreement);
  const inWindow = otherStays(history, o.episode).filter((h) => endedWithin(h.endedAt, o.at, windowDays));
  const own = inWindow.find((h) => h.recipient === o.recipient);
  const earlier = own ?? inWindow.find((h) => h.sender === o.sender);
  if (!earlier) return undefined;
  return {
    earlier,
    sameRecipient: own !== undefined,
    windowDays,
    offeredFirst: own !== undefined && o.agreement?.readmission?.followUp === true,
  };
}

/** The dataset field: only what the recipient is entitled to. */
export function readmissionOfField(link: ReadmissionLink): ReadmissionOf {
  return link.sameRecipient
    ? {
        sameRecipient: true,
        referralId: link.earlier.id,
        endedAt: link.earlier.endedAt,
        outcome: link.earlier.outcome,
      }
    : { sameRecipient: false, endedAt: link.earlier.endedAt };
}

export async function recordReadmission(
  tx: Tx,
  referral: { id: string; recipient: string },
  link: ReadmissionLink,
  at: Date,
): Promise<void> {
  await tx
    .insertInto('readmission_links')
    .values({
      referral_id: referral.id,
      earlier_referral_id: link.earlier.id,
      recipient: referral.recipient,
      earlier_recipient: link.earlier.recipient,
      earlier_outcome: link.earlier.outcome,
      ended_at: link.earlier.endedAt,
      window_days: link.windowDays,
      offered_first: link.offeredFirst ? 1 : 0,
      linked_at: at.toISOString(),
    })
    .onConflict((oc) => oc.column('referral_id').doNothing())
    .execute();
}

/** The link a referral was made with, for its later updates (the window may since have passed). */
export async function storedLink(db: Db | Tx, referralId: string): Promise<ReadmissionLink | undefined> {
  const row = await db
    .selectFrom('readmission_links')
    .selectAll()
    .where('referral_id', '=', referralId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    // Sender and stay are not kept: the link only names the earlier referral.
    earlier: {
      id: row.earlier_referral_id,
      sender: '',
      recipient: row.earlier_recipient,
      episodeKey: '',
      outcome: row.earlier_outcome as EndedReferral['outcome'],
      endedAt: row.ended_at,
    },
    sameRecipient: row.earlier_recipient === row.recipient,
    windowDays: row.window_days,
    offeredFirst: row.offered_first === 1,
  };
}

/** Recipients whose follow-up applies come first, the rest in their order (mapping/routing.ts). */
export function offerFirst<T extends { id: string }>(
  recipients: readonly T[],
  agreements: readonly Agreement[],
  o: { sender: string; history: readonly EndedReferral[]; at: Date },
): T[] {
  const first = recipients.filter((r) =>
    agreements.some(
      (a) =>
        a.discloser === o.sender &&
        a.recipient === r.id &&
        a.readmission?.followUp === true &&
        o.history.some((h) => h.recipient === r.id && endedWithin(h.endedAt, o.at, readmissionWindowDays(a))),
    ),
  );
  return [...first, ...recipients.filter((r) => !first.includes(r))];
}

/** Evidence (commissioners, IG leads): the readmission links made in [from, to), oldest first. */
export async function readmissionLinks(
  db: Db | Tx,
  range: { from?: string; to?: string } = {},
): Promise<ReadmissionLinkTable[]> {
  let q = db.selectFrom('readmission_links').selectAll();
  if (range.from) q = q.where('linked_at', '>=', range.from);
  if (range.to) q = q.where('linked_at', '<', range.to);
  return q.orderBy('linked_at').orderBy('referral_id').execute();
}
