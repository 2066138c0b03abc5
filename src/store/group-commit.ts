/**
 * Group commit for the embedded SQLite store (issue 11).
 *
 * With `synchronous=FULL` every COMMIT waits for an fsync, and better-sqlite3 waits synchronously,
 * blocking the event loop. Transactions that arrive together therefore share one SQLite
 * transaction: each caller's `fn` runs in its own SAVEPOINT, one after the other on the single
 * connection (as they would anyway: the connection is exclusive), and one COMMIT (one fsync)
 * ends the group. Every caller's promise settles only after that COMMIT, so "resolved" still means
 * "durable", exactly as with one transaction per caller.
 *
 * Isolation between members:
 * - a member whose `fn` throws is rolled back to its savepoint and rejected with its own error; the
 *   others are unaffected and still commit;
 * - if SQLite itself abandons the transaction (SQLITE_FULL, SQLITE_IOERR, a failed COMMIT...), no
 *   member has committed: every member still waiting is rejected with that error, and a later
 *   retry is safe (intake is idempotent by MessageHeader.id);
 * - members see the earlier members' writes (they are in the same transaction and commit together
 *   or not at all), just as a later transaction would see them after their commit.
 *
 * A group closes when no member is waiting, or after MAX_MEMBERS members or MAX_OPEN_MS, so a
 * steady stream of callers cannot hold every answer back indefinitely.
 */
import { type ControlledTransaction, type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';
import type { Tx } from './store.js';
import { clearTxScope } from './tx-scope.js';

export interface GroupCommitOptions {
  /** Members per COMMIT at most. */
  maxMembers?: number;
  /** Longest a group stays open taking new members (ms). */
  maxOpenMs?: number;
  /** Whether the connection is still inside a transaction (better-sqlite3's `inTransaction`). */
  inTransaction: () => boolean;
}

interface Member {
  fn: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export const MAX_MEMBERS = 256;
export const MAX_OPEN_MS = 25;

export interface GroupCommitter {
  run<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Resolves when no group is open (closing the store waits for it). */
  idle(): Promise<void>;
}

export function groupCommitter(db: Kysely<Database>, opts: GroupCommitOptions): GroupCommitter {
  const maxMembers = opts.maxMembers ?? MAX_MEMBERS;
  const maxOpenMs = opts.maxOpenMs ?? MAX_OPEN_MS;
  const queue: Member[] = [];
  let running: Promise<void> | undefined;

  /** One SQLite transaction: members from the queue, each in a savepoint, then one COMMIT. */
  async function runGroup(): Promise<void> {
    // Kysely's controlled transaction keeps its connection for good when BEGIN, COMMIT or ROLLBACK
    // throws; so the connection is taken here, and given back when this callback ends whatever
    // happened inside (a stuck controlled transaction is dropped with its single-connection view).
    await db.connection().execute(async (conn) => {
      let tx: ControlledTransaction<Database>;
      try {
        // The store's driver begins IMMEDIATE (sqlite.ts): the write lock is taken here.
        tx = await conn.startTransaction().execute();
      } catch (err) {
        // Not even BEGIN worked (locked beyond busy_timeout, the file is gone): answer everyone.
        for (const member of queue.splice(0)) member.reject(err);
        return;
      }
      const opened = performance.now();
      const done: Array<{ member: Member; value: unknown }> = [];
      let current: Member | undefined;
      try {
        while (queue.length > 0 && done.length < maxMembers && performance.now() - opened < maxOpenMs) {
          current = queue.shift() as Member;
          await sql`savepoint member`.execute(tx);
          try {
            done.push({ member: current, value: await current.fn(tx) });
          } catch (err) {
            // SQLite rolls the whole transaction back on some errors (SQLITE_FULL, SQLITE_IOERR):
            // then nothing of this group survives, and every member must hear so.
            if (!opts.inTransaction()) throw err;
            await sql`rollback to member`.execute(tx);
            await sql`release member`.execute(tx);
            // What was cached about the transaction (the audit head) may have gone with the member.
            clearTxScope(tx);
            current.reject(err);
            current = undefined;
            continue;
          }
          await sql`release member`.execute(tx);
          current = undefined;
        }
        await tx.commit().execute();
      } catch (err) {
        if (opts.inTransaction())
          await tx
            .rollback()
            .execute()
            .catch(() => undefined);
        current?.reject(err);
        for (const { member } of done) member.reject(err);
        return;
      } finally {
        clearTxScope(tx);
      }
      for (const { member, value } of done) member.resolve(value);
    });
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      // db.connection() itself failed (the store was destroyed): nobody queued can be served.
      await runGroup().catch((err: unknown) => {
        for (const member of queue.splice(0)) member.reject(err);
      });
    }
  }

  return {
    run<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
        running ??= drain().finally(() => {
          running = undefined;
        });
      });
    },
    async idle() {
      while (running) await running;
    },
  };
}
