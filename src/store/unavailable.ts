/**
 * Whether an error means the database was busy or out of reach, rather than a bug: a SQLite file
 * locked by another process beyond busy_timeout, a full disk or an I/O error, a PostgreSQL server
 * that refused, dropped or timed out the connection, was shutting down, had no connection slot
 * left, or cancelled a statement at DATABASE_STATEMENT_TIMEOUT_MS (a lock wait included).
 * Every store write runs in one transaction, so such a request changed nothing (a COMMIT cut off
 * by a dropped PostgreSQL connection may have landed: intake then recognises the message when it
 * is sent again). The API answers these 503 with Retry-After instead of 500.
 */

/** better-sqlite3's SqliteError codes (https://sqlite.org/rescode.html), extended codes included. */
const SQLITE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|PROTOCOL|NOMEM)(_|$)/;

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 53 (insufficient resources), 57P01-03
 * (shutdown, crash, cannot connect now), 57014 (statement cancelled: the statement timeout),
 * 40001/40P01 (serialization failure, deadlock: reached here only after the store's retries).
 */
const PG_STATES = /^(08...|53...|57P0[123]|57014|40001|40P01)$/;

/** Node socket errors of a database connection (pg reports them as they are). */
const SOCKET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** pg and pg-pool errors that carry no code. */
const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Connection terminated due to connection timeout',
];

export function isStoreUnavailable(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (SQLITE.test(code) || PG_STATES.test(code) || SOCKET.has(code)))
    return true;
  return typeof message === 'string' && PG_MESSAGES.some((m) => message.startsWith(m));
}

/** Seconds a client should wait before trying again. */
export const STORE_RETRY_AFTER_S = 5;
