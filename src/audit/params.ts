/**
 * Query parameters of the /audit routes, parsed into plain filters (no express here). A bad
 * parameter is a 400 naming the parameter; an unknown one too, so a typo ("recipeint") never
 * silently widens a search. The filter as recorded in the audit-read entry holds the subject only
 * as its HMAC, never the NHS number (issue 5 item 4).
 */
import { badRequest } from '../fhir/outcome.js';
import { DEFAULT_LIMIT, decodeCursor, MAX_LIMIT } from './query.js';
import { hasValidCheckDigit, normaliseNhsNumber } from './subject.js';
import type { AuditAction, AuditFilter } from './types.js';

type Query = Readonly<Record<string, unknown>>;
type Hash = (nhsNumber: string) => string;

/** Every action, checked complete against the AuditAction union at compile time. */
const ACTIONS = Object.keys({
  received: true,
  rejected: true,
  withheld: true,
  queued: true,
  disclosed: true,
  'delivery-attempted': true,
  'delivery-failed': true,
  acknowledged: true,
  'status-changed': true,
  'worker-named': true,
  cancelled: true,
  'consent-withdrawn': true,
  'registry-loaded': true,
  'keys-rotated': true,
  'audit-read': true,
  purged: true,
} satisfies Record<AuditAction, true>) as AuditAction[];

const FILTER_KEYS = ['subject', 'recipient', 'agreement', 'action', 'referral', 'from', 'to'];
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function only(query: Query, allowed: readonly string[]): void {
  for (const key of Object.keys(query)) {
    if (!allowed.includes(key)) {
      throw badRequest(`Unknown query parameter "${key.slice(0, 40)}"; allowed: ${allowed.join(', ')}`, key);
    }
  }
}

function single(query: Query, key: string): string | undefined {
  const v = query[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`Query parameter "${key}" must be given once`, key);
  if (v === '') throw badRequest(`Query parameter "${key}" must not be empty`, key);
  return v;
}

/** An NHS number as typed by a person ("943 476 5919"), hashed; refused if it cannot be one. */
function subjectOf(raw: string, key: string, hash: Hash): string {
  const n = normaliseNhsNumber(raw);
  if (!/^\d{10}$/.test(n)) throw badRequest(`"${key}" must be a 10-digit NHS number`, key);
  if (!hasValidCheckDigit(n)) throw badRequest(`"${key}" is not a valid NHS number (check digit)`, key);
  return hash(n);
}

/** ISO-8601: a date (midnight UTC) or a date-time with Z or an offset; normalised to UTC. */
function instant(raw: string, key: string): string {
  const ms = DATE.test(raw) ? Date.parse(`${raw}T00:00:00Z`) : DATE_TIME.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(ms)) {
    throw badRequest(
      `"${key}" must be an ISO-8601 date or date-time with a time zone, e.g. 2026-11-23T10:00:00Z`,
      key,
    );
  }
  return new Date(ms).toISOString();
}

function identifier(query: Query, key: string): string | undefined {
  const v = single(query, key);
  if (v !== undefined && !IDENTIFIER.test(v)) throw badRequest(`"${key}" is not a valid identifier`, key);
  return v;
}

export interface ParsedFilter {
  filter: AuditFilter;
  /** The filter as written into the audit-read entry's detail. */
  recorded: Record<string, string>;
}

function parseFilter(query: Query, hash: Hash): ParsedFilter {
  const filter: AuditFilter = {};
  const subject = single(query, 'subject');
  if (subject !== undefined) filter.subjectHmac = subjectOf(subject, 'subject', hash);
  const recipient = identifier(query, 'recipient');
  if (recipient !== undefined) filter.recipient = recipient;
  const agreement = identifier(query, 'agreement');
  if (agreement !== undefined) filter.agreement = agreement;
  const referral = identifier(query, 'referral');
  if (referral !== undefined) filter.referral = referral;
  const action = single(query, 'action');
  if (action !== undefined) {
    const known = ACTIONS.find((a) => a === action);
    if (!known) throw badRequest(`"action" must be one of ${ACTIONS.join(', ')}`, 'action');
    filter.action = known;
  }
  const from = single(query, 'from');
  if (from !== undefined) filter.from = instant(from, 'from');
  const to = single(query, 'to');
  if (to !== undefined) filter.to = instant(to, 'to');
  if (filter.from && filter.to && filter.from >= filter.to)
    throw badRequest('"from" must be before "to"', 'from');
  const { subjectHmac, ...rest } = filter;
  const recorded: Record<string, string> = { ...rest };
  if (subjectHmac) recorded.subjectHmac = subjectHmac;
  return { filter, recorded };
}

export function parseEventsQuery(
  query: Query,
  hash: Hash,
): ParsedFilter & { limit: number; afterSeq: number } {
  only(query, [...FILTER_KEYS, 'limit', 'cursor']);
  const parsed = parseFilter(query, hash);
  const rawLimit = single(query, 'limit');
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== undefined) {
    limit = /^\d{1,4}$/.test(rawLimit) ? Number(rawLimit) : 0;
    if (limit < 1 || limit > MAX_LIMIT)
      throw badRequest(`"limit" must be a whole number from 1 to ${MAX_LIMIT}`, 'limit');
  }
  const cursor = single(query, 'cursor');
  const afterSeq = cursor === undefined ? 0 : decodeCursor(cursor);
  if (afterSeq === undefined) throw badRequest('"cursor" is not a cursor this gateway returned', 'cursor');
  return { ...parsed, limit, afterSeq };
}

export type ExportFormat = 'csv' | 'fhir';

export function parseExportQuery(query: Query, hash: Hash): ParsedFilter & { format: ExportFormat } {
  only(query, [...FILTER_KEYS, 'format']);
  const format = single(query, 'format') ?? 'csv';
  if (format !== 'csv' && format !== 'fhir') throw badRequest('"format" must be csv or fhir', 'format');
  const parsed = parseFilter(query, hash);
  return { ...parsed, recorded: { ...parsed.recorded, format }, format };
}

export function parseSubjectReportQuery(query: Query, hash: Hash): ParsedFilter {
  only(query, ['nhsNumber', 'from', 'to']);
  const nhsNumber = single(query, 'nhsNumber');
  if (nhsNumber === undefined) throw badRequest('"nhsNumber" is required', 'nhsNumber');
  const subjectHmac = subjectOf(nhsNumber, 'nhsNumber', hash);
  const { filter, recorded } = parseFilter({ ...query, nhsNumber: undefined, subject: undefined }, hash);
  return { filter: { ...filter, subjectHmac }, recorded: { ...recorded, subjectHmac } };
}

/** Routes without parameters still refuse unknown ones. */
export function parseNoQuery(query: Query): void {
  only(query, []);
}
