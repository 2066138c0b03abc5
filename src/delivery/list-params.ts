/**
 * Query parameters of the inbox and admin lists, parsed into plain options (no express here).
 * An unknown or repeated parameter is a 400 naming it, so a typo never silently widens a list.
 */
import { badRequest } from '../fhir/outcome.js';
import { REFERRAL_STATUSES } from '../referral/status.js';
import { DELIVERY_STATES, type DeliveryState } from './delivery-list.js';
import type { InboxQuery } from './inbox-list.js';
import { type Cursor, decodeCursor } from './page-cursor.js';

type Query = Readonly<Record<string, unknown>>;

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export function onlyParams(query: Query, allowed: readonly string[]): void {
  for (const key of Object.keys(query)) {
    if (!allowed.includes(key)) {
      throw badRequest(`Unknown query parameter "${key.slice(0, 40)}"; allowed: ${allowed.join(', ')}`, key);
    }
  }
}

export function single(query: Query, key: string): string | undefined {
  const v = query[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`Query parameter "${key}" must be given once`, key);
  if (v === '') throw badRequest(`Query parameter "${key}" must not be empty`, key);
  return v;
}

export function oneOf<T extends string>(query: Query, key: string, values: readonly T[]): T | undefined {
  const v = single(query, key);
  if (v === undefined) return undefined;
  const known = values.find((x) => x === v);
  if (!known) throw badRequest(`"${key}" must be one of ${values.join(', ')}`, key);
  return known;
}

export function paging(query: Query): { limit: number; after?: Cursor } {
  const rawLimit = single(query, 'limit');
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== undefined) {
    limit = /^\d{1,4}$/.test(rawLimit) ? Number(rawLimit) : 0;
    if (limit < 1 || limit > MAX_LIMIT) {
      throw badRequest(`"limit" must be a whole number from 1 to ${MAX_LIMIT}`, 'limit');
    }
  }
  const rawCursor = single(query, 'cursor');
  if (rawCursor === undefined) return { limit };
  const after = decodeCursor(rawCursor);
  if (!after) throw badRequest('"cursor" is not a cursor this gateway returned', 'cursor');
  return { limit, after };
}

/** GET /referrals: `status` (`new` or a referral status), `limit`, `cursor`. */
export function inboxListQuery(query: Query): InboxQuery {
  onlyParams(query, ['status', 'limit', 'cursor']);
  const status = oneOf(query, 'status', ['new', ...REFERRAL_STATUSES]);
  return { ...paging(query), ...(status ? { status } : {}) };
}

/** GET /admin/deliveries: `state`, `limit`, `cursor`. */
export function deliveryListQuery(query: Query): { state?: DeliveryState; limit: number; after?: Cursor } {
  onlyParams(query, ['state', 'limit', 'cursor']);
  const state = oneOf(query, 'state', DELIVERY_STATES);
  return { ...paging(query), ...(state ? { state } : {}) };
}

/** GET /admin/referrals/overdue: `limit`, `cursor`. */
export function overdueListQuery(query: Query): { limit: number; after?: Cursor } {
  onlyParams(query, ['limit', 'cursor']);
  return paging(query);
}
