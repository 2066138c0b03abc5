/**
 * Reading the audit: filters, partner isolation and keyset pagination over `seq` (stable under
 * concurrent appends, unlike OFFSET). Isolation is part of every query, never applied after it.
 */
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Registry } from '../config/registry-types.js';
import type { Db } from '../store/index.js';
import type { AuditTable, Database } from '../store/schema.js';
import { toEntry } from './entries.js';
import type { AuditEntry, AuditFilter, AuditVisibility } from './types.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
/** Rows per round trip when streaming (verification, exports): bounded memory at any table size. */
export const BATCH_SIZE = 2000;

export interface AuditPage {
  entries: AuditEntry[];
  /** Opaque; pass back as `cursor` for the next page. Null on the last page. */
  nextCursor: string | null;
}

/** What an auditor partner may see: the partners in its `auditOf`, nothing else (issue 5 item 4). */
export function visibilityOf(registry: Registry, partnerId: string): AuditVisibility {
  return { kind: 'partners', partners: registry.partner(partnerId)?.auditOf ?? [] };
}

/**
 * Whether a reader may see what passes between `sender` and `recipient`: by the rule the entry
 * queries apply (an entry is visible when its actor, the sender, or its recipient is audited),
 * so a trust's IG lead can dry-run its trust's disclosures to any recipient, and an auditor of
 * neither party can look into none of them (issue 17 item 8).
 */
export function auditsPair(visibility: AuditVisibility, sender: string, recipient: string): boolean {
  return (
    visibility.kind === 'all' ||
    visibility.partners.includes(sender) ||
    visibility.partners.includes(recipient)
  );
}

/** Whether the partner's file opts in to gateway-wide chain figures (issue 17 item 8). */
export function gatewayWideFiguresOf(registry: Registry, partnerId: string): boolean {
  return registry.partner(partnerId)?.audit?.gatewayWideFigures === true;
}

/**
 * How many entries `visibility` shows, and the newest of them: the chain figures of a reader
 * whose figures are limited to its audited partners (issue 17 item 8).
 */
export async function visibleSummary(
  db: Db,
  visibility: AuditVisibility,
): Promise<{ entries: number; head: { seq: number; hash: string } | null }> {
  const where = (eb: Eb) => conditions(eb, {}, visibility, 0);
  const count = await db
    .selectFrom('audit')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where(where)
    .executeTakeFirst();
  const newest = await db
    .selectFrom('audit')
    .select(['seq', 'hash'])
    .where(where)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return {
    entries: Number(count?.n ?? 0),
    head: newest ? { seq: Number(newest.seq), hash: newest.hash } : null,
  };
}

type Eb = ExpressionBuilder<Database, 'audit'>;

function conditions(eb: Eb, filter: AuditFilter, visibility: AuditVisibility, afterSeq: number) {
  const c: Expression<SqlBool>[] = [eb('seq', '>', afterSeq)];
  if (filter.subjectHmac !== undefined) c.push(eb('subject_hmac', '=', filter.subjectHmac));
  if (filter.recipient !== undefined) c.push(eb('recipient', '=', filter.recipient));
  if (filter.agreement !== undefined) c.push(eb('agreement_id', '=', filter.agreement));
  if (filter.action !== undefined) c.push(eb('action', '=', filter.action));
  if (filter.referral !== undefined) c.push(eb('referral_id', '=', filter.referral));
  if (filter.from !== undefined) c.push(eb('at', '>=', filter.from));
  if (filter.to !== undefined) c.push(eb('at', '<', filter.to));
  if (visibility.kind === 'partners') {
    const gatewayLevel = eb.and([eb('actor', '=', 'gateway'), eb('recipient', 'is', null)]);
    const ids = [...visibility.partners];
    c.push(
      ids.length === 0
        ? gatewayLevel
        : eb.or([eb('actor', 'in', ids), eb('recipient', 'in', ids), gatewayLevel]),
    );
  }
  return eb.and(c);
}

async function batch(
  db: Db,
  filter: AuditFilter,
  visibility: AuditVisibility,
  afterSeq: number,
  limit: number,
): Promise<AuditTable[]> {
  return db
    .selectFrom('audit')
    .selectAll()
    .where((eb) => conditions(eb, filter, visibility, afterSeq))
    .orderBy('seq', 'asc')
    .limit(limit)
    .execute();
}

/** One page of entries, oldest first. */
export async function findEntries(
  db: Db,
  filter: AuditFilter,
  visibility: AuditVisibility,
  page: { limit: number; afterSeq: number },
): Promise<AuditPage> {
  const rows = await batch(db, filter, visibility, page.afterSeq, page.limit + 1);
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  const last = shown[shown.length - 1];
  return { entries: shown.map(toEntry), nextCursor: more && last ? encodeCursor(Number(last.seq)) : null };
}

/** Every matching row, oldest first, fetched BATCH_SIZE at a time. */
export async function* matchingRows(
  db: Db,
  filter: AuditFilter,
  visibility: AuditVisibility,
  batchSize = BATCH_SIZE,
): AsyncGenerator<AuditTable> {
  let afterSeq = 0;
  for (;;) {
    const rows = await batch(db, filter, visibility, afterSeq, batchSize);
    yield* rows;
    const last = rows[rows.length - 1];
    if (!last || rows.length < batchSize) return;
    afterSeq = Number(last.seq);
  }
}

/** The cursor names the last seq returned; base64url so clients treat it as opaque. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`, 'utf8').toString('base64url');
}

/** The seq a cursor points after, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(cursor)) return undefined;
  const m = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m?.[1] ? Number(m[1]) : undefined;
}
