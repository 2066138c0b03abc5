/**
 * PostgreSQL pool settings (issue 9). Parsed with the other settings (settings.ts), all problems
 * reported at once; unused on SQLite. README "Running several gateways on PostgreSQL" says how
 * to size them.
 */
import type { Env, IntegerParser } from './env.js';

/** Per process: N gateways open N pools, so N * poolMax must fit the server's max_connections. */
export interface DatabaseTuning {
  poolMax: number;
  /** Waiting for a connection (a new one, or a free one from a busy pool). */
  connectTimeoutMs: number;
  /** Server-side limit on one statement (lock waits included) and on a transaction left idle. */
  statementTimeoutMs: number;
}

export const DATABASE_SETTINGS_DOC: ReadonlyArray<{ name: string; default: string; meaning: string }> = [
  {
    name: 'DATABASE_POOL_MAX',
    default: '10',
    meaning: 'PostgreSQL: connections per gateway process (N processes use up to N times this)',
  },
  {
    name: 'DATABASE_CONNECT_TIMEOUT_MS',
    default: '5000',
    meaning: 'PostgreSQL: how long to wait for a connection before the request fails',
  },
  {
    name: 'DATABASE_STATEMENT_TIMEOUT_MS',
    default: '30000',
    meaning: 'PostgreSQL: server-side limit on one statement (and on a transaction left idle)',
  },
];

export function parseDatabaseTuning(env: Env, integer: IntegerParser, problems: string[]): DatabaseTuning {
  return {
    poolMax: integer(env, 'DATABASE_POOL_MAX', 10, 1, 1_000, problems),
    connectTimeoutMs: integer(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5_000, 100, 600_000, problems),
    statementTimeoutMs: integer(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 30_000, 100, 3_600_000, problems),
  };
}
