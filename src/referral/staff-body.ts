/**
 * Staff members in request bodies (issue 19 items 3 and 4): who wrote a message or recorded a
 * step (`{ name, role? }`), and the housing worker a provider names on a case (`{ name, role,
 * phone?, email? }`, at least one contact). Work identities and work contact details only:
 * never the patient's. Every problem is reported with where it is.
 */
import type { Issue } from '../fhir/outcome.js';
import type { NamedWorker, Staff } from './steps.js';

const MAX_NAME = 100;
const MAX_EMAIL = 254;
/** A UK or international work number as people write it: digits, spaces, +, -, (), 7-20 characters. */
const PHONE = /^\+?[0-9][0-9 ()-]{5,18}[0-9]$/;
/** An address with one @, a dot in the domain, no spaces (RFC 5321 length limit). */
const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;
const WORKER_KEYS = ['name', 'role', 'phone', 'email', 'recordedBy'];

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A problem found, with where it is (both Issue and BodyIssue lists take it). */
type Found = { code: Issue['code']; expression: string; diagnostics: string };
/** Any list of issues a Found fits in (Issue[] at FHIR routes, BodyIssue[] at the provider API). */
type Issues = { push(...found: Found[]): number };

/** Short text (a name or a role): trimmed, 1 to 100 characters; undefined when absent or bad. */
export function shortText(v: unknown, where: string, issues: Issues): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim().length === 0 || v.length > MAX_NAME) {
    issues.push({
      code: 'invalid',
      expression: where,
      diagnostics: `"${where}" must be text of 1 to ${MAX_NAME} characters`,
    });
    return undefined;
  }
  return v.trim();
}

function unknownKeys(o: Record<string, unknown>, allowed: string[], where: string, issues: Issues): void {
  for (const k of Object.keys(o).filter((key) => !allowed.includes(key))) {
    const at = `${where ? `${where}.` : ''}${k.slice(0, 40)}`;
    issues.push({
      code: 'invalid',
      expression: at,
      diagnostics: `Unknown field "${at}"; allowed: ${allowed.join(', ')}`,
    });
  }
}

/** `{ name, role? }` at `where`; undefined when absent (the caller decides whether it is needed). */
export function parseStaff(v: unknown, where: string, issues: Issues): Staff | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) {
    issues.push({
      code: 'invalid',
      expression: where,
      diagnostics: `"${where}" must be an object { name, role }`,
    });
    return undefined;
  }
  unknownKeys(v, ['name', 'role'], where, issues);
  const name = shortText(v.name, `${where}.name`, issues);
  const role = shortText(v.role, `${where}.role`, issues);
  if (v.name === undefined)
    issues.push({
      code: 'required',
      expression: `${where}.name`,
      diagnostics: `"${where}.name" is required`,
    });
  return name ? { name, ...(role ? { role } : {}) } : undefined;
}

/** The body of `PUT /referrals/:id/worker`. */
export function parseWorker(
  body: unknown,
): { ok: true; worker: NamedWorker; recordedBy: Staff } | { ok: false; issues: Found[] } {
  const issues: Found[] = [];
  if (!isObject(body))
    return {
      ok: false,
      issues: [{ code: 'invalid', expression: '$', diagnostics: 'The body must be a JSON object' }],
    };
  unknownKeys(body, WORKER_KEYS, '', issues);
  const name = shortText(body.name, 'name', issues);
  const role = shortText(body.role, 'role', issues);
  for (const k of ['name', 'role'] as const)
    if (body[k] === undefined)
      issues.push({
        code: 'required',
        expression: k,
        diagnostics: `"${k}" is required: the ${k === 'name' ? "worker's name" : "worker's job title"}`,
      });
  const phone = body.phone;
  if (phone !== undefined && (typeof phone !== 'string' || !PHONE.test(phone.trim())))
    issues.push({
      code: 'invalid',
      expression: 'phone',
      diagnostics:
        '"phone" must be a work phone number: digits, spaces, +, - and brackets (7 to 20 characters)',
    });
  const email = body.email;
  if (email !== undefined && (typeof email !== 'string' || email.length > MAX_EMAIL || !EMAIL.test(email)))
    issues.push({
      code: 'invalid',
      expression: 'email',
      diagnostics: '"email" must be a work email address',
    });
  if (phone === undefined && email === undefined)
    issues.push({
      code: 'required',
      expression: 'phone',
      diagnostics: 'Give the worker\'s work "phone" or "email" (or both), so the ward can reach them',
    });
  const recordedBy = parseStaff(body.recordedBy, 'recordedBy', issues);
  if (body.recordedBy === undefined)
    issues.push({
      code: 'required',
      expression: 'recordedBy',
      diagnostics: '"recordedBy" { name, role } is required: the staff member who named the worker',
    });
  if (issues.length > 0 || !name || !role || !recordedBy) return { ok: false, issues };
  return {
    ok: true,
    worker: {
      name,
      role,
      ...(typeof phone === 'string' ? { phone: phone.trim() } : {}),
      ...(typeof email === 'string' ? { email } : {}),
    },
    recordedBy,
  };
}
