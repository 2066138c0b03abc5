import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

/**
 * The durable store every stage writes through. Stages receive a `Tx` inside `transaction`
 * so that a state change and its audit entry commit together (design.md, Referral lifecycle).
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly db: Db;
  /**
   * Run `fn` in one transaction; commit when it resolves (durably: SQLite synchronous=FULL,
   * PostgreSQL's WAL), roll back when it throws. PostgreSQL runs `fn` again (at most twice) when
   * the server aborted it to break a deadlock: `fn` must have no effect outside the database.
   * SQLite runs transactions that arrive together as savepoints of one transaction with one COMMIT
   * (group-commit.ts); each caller still resolves only after that COMMIT, and a caller whose `fn`
   * throws rolls back alone.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Cheap round trip used by /health/ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
