/**
 * The body of `POST /referrals/:id/status` (issue 8 item 4; issue 19 item 3: milestones), checked
 * with EVERY problem reported at once, each from a named factory with the location it concerns
 * (conventions 5). Outcome codes follow the housing outcomes local authorities report for Duty to
 * Refer cases (DLUHC H-CLIC "reason for duty ending", simplified to what a discharge team acts on).
 *
 * `recordedBy` names the staff member who recorded the step (it goes in the audit and the trust's
 * Task). A milestone must name them; the three answers of issue 8 may leave it out, and the audit
 * then names the provider organisation only.
 */
import type { Issue } from '../fhir/outcome.js';
import { isObject, parseStaff } from './staff-body.js';
import { MILESTONES, type Milestone } from './status.js';
import type { Staff } from './steps.js';

export const ANSWER_STATUSES = ['accepted', 'declined', 'completed'] as const;
export type AnswerStatus = (typeof ANSWER_STATUSES)[number];
/** Every status a provider may post: its answers and the milestones of the work. */
export const POSTED_STATUSES = [...ANSWER_STATUSES, ...MILESTONES] as const;

export const OUTCOMES = [
  'returned-home',
  'rehoused',
  'supported-accommodation',
  'temporary-accommodation',
  'advice-only',
  'no-contact',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface ProviderAnswer {
  status: AnswerStatus;
  reason?: { code: string; text: string };
  outcome?: Outcome;
  note?: string;
}

/** A milestone the provider records (issue 19 item 3); `move-date-set` carries the date (YYYY-MM-DD). */
export type MilestoneRecord =
  | { status: Exclude<Milestone, 'move-date-set'>; note?: string }
  | { status: 'move-date-set'; date: string; note?: string };

export type PostedStatus = (ProviderAnswer | MilestoneRecord) & { recordedBy?: Staff };

export const isMilestoneRecord = (a: ProviderAnswer | MilestoneRecord): a is MilestoneRecord =>
  (MILESTONES as readonly string[]).includes(a.status);

export interface BodyIssue {
  /** The OperationOutcome issue code when not `invalid` (`required`, ...). */
  code?: Issue['code'];
  /** Where in the body: `status`, `reason.code`, ... */
  expression: string;
  diagnostics: string;
}

const REASON_CODE = /^[a-z0-9][a-z0-9-]{0,63}$/;
const MAX_REASON_TEXT = 500;
const MAX_NOTE = 2000;
const KEYS = ['status', 'reason', 'outcome', 'note', 'date', 'recordedBy'];
const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** A real calendar day as YYYY-MM-DD (not 2027-02-30). */
export const isIsoDay = (v: unknown): v is string =>
  typeof v === 'string' && ISO_DATE.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);

export const bodyIssues = {
  notAnObject: (): BodyIssue => ({ expression: '$', diagnostics: 'The body must be a JSON object' }),
  unknownKey: (key: string): BodyIssue => ({
    expression: key.slice(0, 40),
    diagnostics: `Unknown field "${key.slice(0, 40)}"; allowed: ${KEYS.join(', ')}`,
  }),
  badStatus: (): BodyIssue => ({
    expression: 'status',
    diagnostics: `"status" is required and must be one of ${POSTED_STATUSES.join(', ')}`,
  }),
  dateRequired: (): BodyIssue => ({
    expression: 'date',
    diagnostics: 'A move-date-set milestone needs "date": the move date as YYYY-MM-DD',
  }),
  badDate: (): BodyIssue => ({
    expression: 'date',
    diagnostics: '"date" must be a calendar date as YYYY-MM-DD',
  }),
  dateNotAllowed: (): BodyIssue => ({
    expression: 'date',
    diagnostics: '"date" is given only with status move-date-set',
  }),
  recordedByRequired: (): BodyIssue => ({
    expression: 'recordedBy',
    diagnostics: 'A milestone needs "recordedBy" { name, role }: the staff member who recorded it',
  }),
  reasonNotAllowed: (): BodyIssue => ({
    expression: 'reason',
    diagnostics: '"reason" is given only with status declined',
  }),
  reasonRequired: (): BodyIssue => ({
    expression: 'reason',
    diagnostics: 'A declined referral needs a "reason" { code, text }',
  }),
  badReason: (): BodyIssue => ({
    expression: 'reason',
    diagnostics: '"reason" must be an object { code, text }',
  }),
  badReasonCode: (): BodyIssue => ({
    expression: 'reason.code',
    diagnostics: '"reason.code" must be a lowercase code of letters, digits and hyphens (at most 64)',
  }),
  badReasonText: (): BodyIssue => ({
    expression: 'reason.text',
    diagnostics: `"reason.text" must be a non-empty string of at most ${MAX_REASON_TEXT} characters`,
  }),
  outcomeRequired: (): BodyIssue => ({
    expression: 'outcome',
    diagnostics: `A completed referral needs an "outcome": one of ${OUTCOMES.join(', ')}`,
  }),
  badOutcome: (): BodyIssue => ({
    expression: 'outcome',
    diagnostics: `"outcome" must be one of ${OUTCOMES.join(', ')}`,
  }),
  outcomeNotAllowed: (): BodyIssue => ({
    expression: 'outcome',
    diagnostics: '"outcome" is given only with status completed',
  }),
  badNote: (): BodyIssue => ({
    expression: 'note',
    diagnostics: `"note" must be a string of at most ${MAX_NOTE} characters`,
  }),
};

function reasonIssues(reason: unknown): BodyIssue[] {
  if (!isObject(reason)) return [bodyIssues.badReason()];
  const out: BodyIssue[] = [];
  if (typeof reason.code !== 'string' || !REASON_CODE.test(reason.code)) out.push(bodyIssues.badReasonCode());
  const text = reason.text;
  if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_REASON_TEXT) {
    out.push(bodyIssues.badReasonText());
  }
  for (const k of Object.keys(reason)) {
    if (k !== 'code' && k !== 'text')
      out.push({
        ...bodyIssues.unknownKey(`reason.${k}`),
        diagnostics: `Unknown field "reason.${k.slice(0, 40)}"; allowed: code, text`,
      });
  }
  return out;
}

export function parseAnswer(
  body: unknown,
): { ok: true; answer: PostedStatus } | { ok: false; issues: BodyIssue[] } {
  if (!isObject(body)) return { ok: false, issues: [bodyIssues.notAnObject()] };
  const issues: BodyIssue[] = Object.keys(body)
    .filter((k) => !KEYS.includes(k))
    .map(bodyIssues.unknownKey);
  const status = POSTED_STATUSES.find((s) => s === body.status);
  const milestone = status !== undefined && (MILESTONES as readonly string[]).includes(status);
  if (!status) issues.push(bodyIssues.badStatus());
  if (body.reason !== undefined) {
    if (milestone) issues.push(bodyIssues.reasonNotAllowed());
    else issues.push(...reasonIssues(body.reason));
  } else if (status === 'declined') issues.push(bodyIssues.reasonRequired());
  const outcome = OUTCOMES.find((o) => o === body.outcome);
  if (body.outcome !== undefined && !outcome) issues.push(bodyIssues.badOutcome());
  else if (outcome && status && status !== 'completed') issues.push(bodyIssues.outcomeNotAllowed());
  if (status === 'completed' && body.outcome === undefined) issues.push(bodyIssues.outcomeRequired());
  if (body.date !== undefined) {
    if (status && status !== 'move-date-set') issues.push(bodyIssues.dateNotAllowed());
    else if (!isIsoDay(body.date)) issues.push(bodyIssues.badDate());
  } else if (status === 'move-date-set') issues.push(bodyIssues.dateRequired());
  const note = body.note;
  if (note !== undefined && (typeof note !== 'string' || note.length > MAX_NOTE))
    issues.push(bodyIssues.badNote());
  const recordedBy = parseStaff(body.recordedBy, 'recordedBy', issues);
  if (milestone && body.recordedBy === undefined) issues.push(bodyIssues.recordedByRequired());
  if (issues.length > 0 || !status) return { ok: false, issues };
  const reason = body.reason as ProviderAnswer['reason'];
  const common = {
    ...(typeof note === 'string' ? { note } : {}),
    ...(recordedBy ? { recordedBy } : {}),
  };
  if (status === 'move-date-set') return { ok: true, answer: { status, date: String(body.date), ...common } };
  if (milestone)
    return { ok: true, answer: { status: status as Exclude<Milestone, 'move-date-set'>, ...common } };
  return {
    ok: true,
    answer: {
      status: status as AnswerStatus,
      ...(reason ? { reason: { code: reason.code, text: reason.text } } : {}),
      ...(outcome ? { outcome } : {}),
      ...common,
    },
  };
}
