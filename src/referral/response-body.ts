/**
 * The body of `POST /referrals/:id/status` (issue 8 item 4), checked with EVERY problem reported
 * at once, each from a named factory with the location it concerns (conventions 5). Outcome codes
 * follow the housing outcomes local authorities report for Duty to Refer cases (DLUHC H-CLIC
 * "reason for duty ending", simplified to what a discharge team acts on).
 */
export const ANSWER_STATUSES = ['accepted', 'declined', 'completed'] as const;
export type AnswerStatus = (typeof ANSWER_STATUSES)[number];

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

export interface BodyIssue {
  /** Where in the body: `status`, `reason.code`, ... */
  expression: string;
  diagnostics: string;
}

const REASON_CODE = /^[a-z0-9][a-z0-9-]{0,63}$/;
const MAX_REASON_TEXT = 500;
const MAX_NOTE = 2000;
const KEYS = ['status', 'reason', 'outcome', 'note'];

export const bodyIssues = {
  notAnObject: (): BodyIssue => ({ expression: '$', diagnostics: 'The body must be a JSON object' }),
  unknownKey: (key: string): BodyIssue => ({
    expression: key.slice(0, 40),
    diagnostics: `Unknown field "${key.slice(0, 40)}"; allowed: ${KEYS.join(', ')}`,
  }),
  badStatus: (): BodyIssue => ({
    expression: 'status',
    diagnostics: `"status" is required and must be one of ${ANSWER_STATUSES.join(', ')}`,
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

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

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
): { ok: true; answer: ProviderAnswer } | { ok: false; issues: BodyIssue[] } {
  if (!isObject(body)) return { ok: false, issues: [bodyIssues.notAnObject()] };
  const issues: BodyIssue[] = Object.keys(body)
    .filter((k) => !KEYS.includes(k))
    .map(bodyIssues.unknownKey);
  const status = ANSWER_STATUSES.find((s) => s === body.status);
  if (!status) issues.push(bodyIssues.badStatus());
  if (body.reason !== undefined) issues.push(...reasonIssues(body.reason));
  else if (status === 'declined') issues.push(bodyIssues.reasonRequired());
  const outcome = OUTCOMES.find((o) => o === body.outcome);
  if (body.outcome !== undefined && !outcome) issues.push(bodyIssues.badOutcome());
  else if (outcome && status && status !== 'completed') issues.push(bodyIssues.outcomeNotAllowed());
  if (status === 'completed' && body.outcome === undefined) issues.push(bodyIssues.outcomeRequired());
  const note = body.note;
  if (note !== undefined && (typeof note !== 'string' || note.length > MAX_NOTE))
    issues.push(bodyIssues.badNote());
  if (issues.length > 0 || !status) return { ok: false, issues };
  const reason = body.reason as ProviderAnswer['reason'];
  return {
    ok: true,
    answer: {
      status,
      ...(reason ? { reason: { code: reason.code, text: reason.text } } : {}),
      ...(outcome ? { outcome } : {}),
      ...(typeof note === 'string' ? { note } : {}),
    },
  };
}
