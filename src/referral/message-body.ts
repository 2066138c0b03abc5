/**
 * What a side may post to the conversation (issue 19 item 4), checked with every problem
 * reported at once, each naming where it is:
 * - a housing provider: `{ "text": "...", "author": { "name": "...", "role": "..." } }`;
 * - a trust: a FHIR Communication with `basedOn` the referral's Task and one `payload.contentString`.
 */
import type { Issue } from '../fhir/outcome.js';
import { isObject, parseStaff, shortText } from './staff-body.js';

export const MAX_MESSAGE_TEXT = 2000;
const PROVIDER_KEYS = ['text', 'author'];
const TASK_REFERENCE = /^(?:.*\/)?Task\/([A-Za-z0-9\-.]{1,64})$/;

export interface PostedMessage {
  text: string;
  author?: { name: string; role?: string };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

function textIssue(text: unknown, where: string): Issue | undefined {
  if (typeof text !== 'string' || text.trim().length === 0)
    return {
      code: 'required',
      expression: where,
      diagnostics: `"${where}" is required: the message, as text`,
    };
  if (text.length > MAX_MESSAGE_TEXT)
    return {
      code: 'too-long',
      expression: where,
      diagnostics: `"${where}" is longer than ${MAX_MESSAGE_TEXT} characters`,
    };
  return undefined;
}

/** The provider's body: `text`, and optionally who wrote it. */
export function parseProviderMessage(body: unknown): Parsed<PostedMessage> {
  if (!isObject(body))
    return {
      ok: false,
      issues: [{ code: 'invalid', expression: '$', diagnostics: 'The body must be a JSON object' }],
    };
  const issues: Issue[] = [];
  for (const key of Object.keys(body).filter((k) => !PROVIDER_KEYS.includes(k)))
    issues.push({
      code: 'invalid',
      expression: key.slice(0, 40),
      diagnostics: `Unknown field "${key.slice(0, 40)}"; allowed: ${PROVIDER_KEYS.join(', ')}`,
    });
  const bad = textIssue(body.text, 'text');
  if (bad) issues.push(bad);
  const author = parseStaff(body.author, 'author', issues);
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: { text: String(body.text), ...(author ? { author } : {}) } };
}

/** The trust's Communication: the referral it is about, its text, and who wrote it (`sender.display`). */
export function parseCommunication(body: unknown): Parsed<PostedMessage & { referralId: string }> {
  if (!isObject(body) || body.resourceType !== 'Communication')
    return {
      ok: false,
      issues: [
        {
          code: 'invalid',
          expression: 'Communication',
          diagnostics: 'The body must be a FHIR Communication',
        },
      ],
    };
  const issues: Issue[] = [];
  const basedOn = Array.isArray(body.basedOn) ? body.basedOn : [];
  const reference = isObject(basedOn[0]) ? basedOn[0].reference : undefined;
  const match = typeof reference === 'string' ? TASK_REFERENCE.exec(reference) : null;
  if (basedOn.length !== 1 || !match)
    issues.push({
      code: 'required',
      expression: 'Communication.basedOn[0].reference',
      diagnostics:
        'basedOn must be one reference to the referral\'s Task ("Task/{id}", the id GET /fhir/Task gives)',
    });
  const payload = Array.isArray(body.payload) ? body.payload : [];
  const text = isObject(payload[0]) ? payload[0].contentString : undefined;
  if (payload.length !== 1) {
    issues.push({
      code: 'required',
      expression: 'Communication.payload',
      diagnostics: 'payload must hold exactly one entry, with contentString',
    });
  } else {
    const bad = textIssue(text, 'Communication.payload[0].contentString');
    if (bad) issues.push(bad);
  }
  const sender = isObject(body.sender) ? body.sender : undefined;
  const name = shortText(sender?.display, 'Communication.sender.display', issues);
  if (issues.length > 0 || !match) return { ok: false, issues };
  return {
    ok: true,
    value: { referralId: match[1] ?? '', text: String(text), ...(name ? { author: { name } } : {}) },
  };
}
