/**
 * The one audit write path (issue 5 item 1): `append(tx, input)` inside the transaction of the
 * state change it records, so the entry commits or rolls back with it.
 *
 * Serialisation: `seq` and `prev_hash` come from the chain head, read inside the transaction
 * AFTER taking the audit lock (lockAuditChain). Two appenders, in one process or several, can then
 * never read the same head: the second waits until the first commits, and sees its entry.
 */
import { CompiledQuery, PostgresAdapter, sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db, Tx } from '../store/index.js';
import type { AuditTable } from '../store/schema.js';
import { txScope } from '../store/tx-scope.js';
import { AUDIT_COLUMNS, entryHash, GENESIS_HASH, stableJson } from './canonical.js';
import { subjectHmac } from './subject.js';
import type { AppendedEntry, AuditInput, AuditLog } from './types.js';

export class AuditInputError extends Error {
  override name = 'AuditInputError';
}

/**
 * Take the write lock before reading the head.
 *
 * SQLite: Kysely opens transactions with a deferred BEGIN, which takes no lock until the first
 * write. A no-op UPDATE is a write statement, so it takes the RESERVED lock at once (and waits
 * busy_timeout for it) — the same effect as BEGIN IMMEDIATE. Without it, two connections could
 * both read the head and the second one's upgrade to a writer would fail with SQLITE_BUSY_SNAPSHOT.
 * When this is the first statement of the transaction the wait is a plain busy wait. A stage that
 * reads before it appends should call this first too (SQLite only retries lock waits when the
 * transaction has not read yet: "SQLITE_BUSY_SNAPSHOT", https://sqlite.org/rescode.html#busy_snapshot).
 *
 * PostgreSQL (issue 9): a no-op UPDATE locks nothing, so appenders in several processes take a
 * transaction-scoped advisory lock instead. It is released after commit or rollback (once the
 * entry is visible), and at READ COMMITTED each later statement reads what the previous holder
 * committed: `seq` stays gap-free and `prev_hash` is the real head. The key is the audit table's
 * oid, so deployments in other schemas of the same database do not wait on each other; waits are
 * bounded by DATABASE_STATEMENT_TIMEOUT_MS.
 */
export async function lockAuditChain(tx: Tx): Promise<void> {
  if (tx.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`select pg_advisory_xact_lock(${sql.lit(AUDIT_LOCK_CLASS)}, 'audit'::regclass::oid::int4)`.execute(
      tx,
    );
    return;
  }
  await sql`update audit set seq = seq where seq < 0`.execute(tx);
}

/** First half of the advisory lock key ("Home" in ASCII): the audit chain of Homeward. */
const AUDIT_LOCK_CLASS = 0x486f6d65;

/**
 * A ten-digit number standing alone (an NHS number, spaced or not): never allowed in free-text
 * columns. Bounded by non-alphanumerics so digit runs inside hex hashes and UUIDs do not match.
 */
const NHS_NUMBER_LIKE = /(^|[^0-9A-Za-z])\d{3}[ -]?\d{3}[ -]?\d{4}([^0-9A-Za-z]|$)/;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** True when `text` holds a ten-digit run that could be an NHS number (inbound ids are checked with it). */
export const looksLikeNhsNumber = (text: string) => NHS_NUMBER_LIKE.test(text);

/** Defence in depth: a stage passing personal data by mistake gets an error, not a stored leak. */
function assertNoNhsNumber(column: string, text: string | null): void {
  if (text !== null && NHS_NUMBER_LIKE.test(text)) {
    throw new AuditInputError(`audit ${column} must not contain an NHS number or other 10-digit identifier`);
  }
}

function columnsOf(
  input: AuditInput,
  subjectHash: (n: string) => string,
): Omit<AuditTable, 'seq' | 'at' | 'prev_hash' | 'hash'> {
  if (!input.actor) throw new AuditInputError('audit actor is required');
  const fields = input.fields ?? null;
  for (const f of fields ?? []) {
    if (!FIELD_NAME.test(f))
      throw new AuditInputError('audit fields must be dataset field NAMES, never values');
  }
  if (input.payloadSha256 !== undefined && !SHA256.test(input.payloadSha256)) {
    throw new AuditInputError('payloadSha256 must be a lowercase hex SHA-256');
  }
  if (input.subjectHmac !== undefined && !SHA256.test(input.subjectHmac)) {
    throw new AuditInputError('subjectHmac must be a lowercase hex HMAC-SHA256, never an NHS number');
  }
  if (input.agreement && !SHA256.test(input.agreement.sha256)) {
    throw new AuditInputError('agreement.sha256 must be a lowercase hex SHA-256');
  }
  const row = {
    action: input.action,
    actor: input.actor,
    recipient: input.recipient ?? null,
    referral_id: input.referralId ?? null,
    event_id: input.eventId ?? null,
    agreement_id: input.agreement?.id ?? null,
    agreement_version: input.agreement ? String(input.agreement.version) : null,
    agreement_sha256: input.agreement?.sha256 ?? null,
    consent_refs: input.consents ? stableJson(input.consents) : null,
    lawful_basis: input.lawfulBasis ?? null,
    purpose: input.purpose ?? null,
    fields: fields ? JSON.stringify(fields) : null,
    payload_sha256: input.payloadSha256 ?? null,
    subject_hmac:
      input.subjectNhsNumber !== undefined
        ? subjectHash(input.subjectNhsNumber)
        : (input.subjectHmac ?? null),
    request_id: input.requestId ?? null,
    detail:
      input.detail || input.correlationId
        ? stableJson({
            ...input.detail,
            ...(input.correlationId ? { correlationId: input.correlationId } : {}),
          })
        : null,
  };
  assertNoNhsNumber('detail', row.detail);
  assertNoNhsNumber('purpose', row.purpose);
  assertNoNhsNumber('lawful_basis', row.lawful_basis);
  return row;
}

export interface AuditLogOptions {
  clock: Clock;
  /** AUDIT_SUBJECT_KEY (or the dev key file): see subject.ts. */
  subjectKey: string;
}

/** The chain head this transaction holds the lock for and has read or written (tx-scope.ts). */
const HEAD = Symbol('audit head');
type Head = { seq: number; hash: string };

/**
 * The head, read once per transaction: after lockAuditChain no other writer can append until this
 * transaction ends, so later appends in it continue from what the previous one wrote. The store
 * forgets it when the transaction (or a group-commit member) rolls back.
 */
async function chainHead(tx: Tx): Promise<Head> {
  const scope = txScope(tx);
  const known = scope.get(HEAD) as Head | undefined;
  if (known) return known;
  await lockAuditChain(tx);
  return (await readChainHead(tx)) ?? { seq: 0, hash: GENESIS_HASH };
}

/** The newest entry's seq and hash as stored (undefined for an empty log); no lock taken. */
export async function readChainHead(db: Db): Promise<Head | undefined> {
  const head = await db
    .selectFrom('audit')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return head ? { seq: Number(head.seq), hash: head.hash } : undefined;
}

/**
 * The INSERT of one entry, its text written once per dialect: building it with Kysely's query
 * builder for every entry cost more than SQLite took to run it (issue 11 profile).
 */
const INSERT_COLUMNS = AUDIT_COLUMNS.map((c) => `"${c}"`).join(', ');
const INSERT_SQL = {
  sqlite: `insert into "audit" (${INSERT_COLUMNS}) values (${AUDIT_COLUMNS.map(() => '?').join(', ')})`,
  postgres: `insert into "audit" (${INSERT_COLUMNS}) values (${AUDIT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
};

function insertEntry(tx: Tx, row: AuditTable): Promise<unknown> {
  const text = tx.getExecutor().adapter instanceof PostgresAdapter ? INSERT_SQL.postgres : INSERT_SQL.sqlite;
  return tx.executeQuery(
    CompiledQuery.raw(
      text,
      AUDIT_COLUMNS.map((c) => row[c]),
    ),
  );
}

export function createAuditLog(opts: AuditLogOptions): AuditLog {
  const subjectHash = (nhsNumber: string) => subjectHmac(opts.subjectKey, nhsNumber);
  return {
    subjectHash,
    async append(tx: Tx, input: AuditInput): Promise<AppendedEntry> {
      const columns = columnsOf(input, subjectHash);
      const head = await chainHead(tx);
      const unhashed = {
        ...columns,
        seq: head.seq + 1,
        at: opts.clock.now().toISOString(),
        prev_hash: head.hash,
      };
      const hash = entryHash(unhashed);
      await insertEntry(tx, { ...unhashed, hash });
      txScope(tx).set(HEAD, { seq: unhashed.seq, hash });
      return { seq: unhashed.seq, hash };
    },
  };
}
