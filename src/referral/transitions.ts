/**
 * The legal moves of a referral: ONE table (design.md, Referral lifecycle; issue 19 item 1), read
 * by `moveReferral` (move.ts), through which every status write goes. Each entry names who may
 * make the move:
 *
 * - `provider`: the housing provider the referral was sent to (acknowledge, answer, milestones);
 * - `gateway`: the delivery worker and the pull inbox (disclosed, dead-lettered, stopped at send);
 * - `trust`: the sending trust's events, run by the pipeline (cancelled, consent withdrawn);
 * - `operator`: an operator's replay of a dead letter.
 *
 * A move not in the table is refused and changes nothing (a 409 at the provider API).
 */
import { MILESTONES, type Milestone, REFERRAL_STATUSES, type ReferralStatus } from './status.js';

export type Mover = 'provider' | 'gateway' | 'trust' | 'operator';

type Moves = Readonly<Partial<Record<ReferralStatus, readonly Mover[]>>>;

const PROVIDER = ['provider'] as const;
/** The trust cancels (or the person withdraws consent) at any time before the referral ends; the
 * gateway finds the same at send time. */
const ENDED_BY = ['trust', 'gateway'] as const;

/** Ends of the work (status.ts): neither follows the other. */
const WORK_ENDS: readonly Milestone[] = ['moved-in', 'works-complete'];

/** The milestones a provider may record after `from` (accepted, or an earlier milestone). */
function milestonesAfter(from: Milestone | 'accepted'): Moves {
  if (from !== 'accepted' && WORK_ENDS.includes(from)) return {};
  const later = from === 'accepted' ? MILESTONES : MILESTONES.slice(MILESTONES.indexOf(from) + 1);
  // A move date may change: setting it again records the new date.
  const again = from === 'move-date-set' ? (['move-date-set'] as const) : [];
  return Object.fromEntries([...again, ...later].map((m) => [m, PROVIDER]));
}

const afterAcceptance = (from: Milestone | 'accepted'): Moves => ({
  ...milestonesAfter(from),
  completed: PROVIDER,
  cancelled: ENDED_BY,
});

/** from -> to -> who may make the move. */
export const TRANSITIONS: Readonly<Record<ReferralStatus, Moves>> = {
  // Made by the pipeline (refer.ts) in this status; the first send or read discloses it.
  queued: { delivered: ['gateway'], failed: ['gateway'], cancelled: ENDED_BY },
  // Dead-lettered: a replay queues it again; a later update that reaches the recipient delivers it.
  failed: { queued: ['operator'], delivered: ['gateway'], cancelled: ENDED_BY },
  delivered: { acknowledged: PROVIDER, accepted: PROVIDER, declined: PROVIDER, cancelled: ENDED_BY },
  acknowledged: { accepted: PROVIDER, declined: PROVIDER, cancelled: ENDED_BY },
  accepted: afterAcceptance('accepted'),
  contacted: afterAcceptance('contacted'),
  assessed: afterAcceptance('assessed'),
  'options-identified': afterAcceptance('options-identified'),
  'offer-made': afterAcceptance('offer-made'),
  'viewing-arranged': afterAcceptance('viewing-arranged'),
  'move-date-set': afterAcceptance('move-date-set'),
  'moved-in': afterAcceptance('moved-in'),
  'works-complete': afterAcceptance('works-complete'),
  declined: {},
  completed: {},
  cancelled: {},
};

export const isLegalMove = (from: ReferralStatus, to: ReferralStatus, by: Mover): boolean =>
  TRANSITIONS[from][to]?.includes(by) ?? false;

/** Where `by` may take a referral that is `from`, in lifecycle order. */
export const allowedMoves = (from: ReferralStatus, by: Mover): ReferralStatus[] =>
  REFERRAL_STATUSES.filter((to) => isLegalMove(from, to, by));

/**
 * Undefined when `by` may move `from -> to`; otherwise why not, naming the current status and
 * the moves allowed from it, in words a provider's developer can act on.
 */
export function moveProblem(from: string, to: ReferralStatus, by: Mover): string | undefined {
  const known = (REFERRAL_STATUSES as readonly string[]).includes(from);
  if (known && isLegalMove(from as ReferralStatus, to, by)) return undefined;
  if (!known) return `The referral's status "${from}" is not one the gateway knows; it cannot become ${to}`;
  const allowed = allowedMoves(from as ReferralStatus, by);
  const then =
    allowed.length > 0
      ? `allowed from ${from}: ${allowed.join(', ')}`
      : Object.keys(TRANSITIONS[from as ReferralStatus]).length === 0
        ? `${from} is final: no further moves`
        : `no move from ${from} is yours to make`;
  if (from === 'queued' && by === 'provider')
    return `The referral has not been delivered to you yet: read it first (it is queued; ${then})`;
  if (from === to) return `The referral is already ${from}; ${then}`;
  return `A referral that is ${from} cannot become ${to}; ${then}`;
}
