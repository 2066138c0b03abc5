/**
 * The events table (ingest owns it, design.md). Idempotency is the UNIQUE index on
 * (sender, message_id) from migration 0001, not a read-then-write: the insert either wins, or
 * fails with a unique violation, after which the stored row decides (issue 4 item 6):
 * same canonical hash -> replay the stored response; other content -> conflict.
 */
import type { Store, Tx } from '../store/index.js';
import type { EventTable } from '../store/schema.js';

export type NewEvent = Omit<EventTable, 'payload' | 'response' | 'resolved'> & {
  payload: string;
  response: string | null;
  resolved: string | null;
};

export type StoredEvent = Pick<EventTable, 'id' | 'payload_sha256' | 'response'>;

export type RecordOutcome =
  | { kind: 'stored' }
  | { kind: 'replay'; event: StoredEvent }
  | { kind: 'conflict'; event: StoredEvent };

/** SQLite (better-sqlite3) and PostgreSQL (SQLSTATE 23505) name a unique violation differently. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

export async function findEvent(
  store: Store,
  sender: string,
  messageId: string,
): Promise<StoredEvent | undefined> {
  return store.db
    .selectFrom('events')
    .select(['id', 'payload_sha256', 'response'])
    .where('sender', '=', sender)
    .where('message_id', '=', messageId)
    .executeTakeFirst();
}

/** Same key: replay when the content is the same, conflict when it is not. */
export function compare(stored: StoredEvent, sha256: string): RecordOutcome {
  return stored.payload_sha256 === sha256
    ? { kind: 'replay', event: stored }
    : { kind: 'conflict', event: stored };
}

/**
 * Insert the event and run `alsoInTx` (its audit entry) in the same transaction, so there is
 * never an event without its entry nor an entry for an event that was not stored.
 */
export async function recordEvent(
  store: Store,
  row: NewEvent,
  alsoInTx: (tx: Tx) => Promise<void>,
): Promise<RecordOutcome> {
  try {
    await store.transaction(async (tx) => {
      await tx.insertInto('events').values(row).execute();
      await alsoInTx(tx);
    });
    return { kind: 'stored' };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const stored = await findEvent(store, row.sender, row.message_id);
    if (!stored) throw err;
    return compare(stored, row.payload_sha256);
  }
}
