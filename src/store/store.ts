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
  /** Run `fn` in one transaction; commit when it resolves (durably: synchronous=FULL), roll back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Cheap round trip used by /health/ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
