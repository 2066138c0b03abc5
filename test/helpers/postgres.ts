/**
 * PostgreSQL for tests (issue 9). Every test file gets its own schema `hw_<random>`, created here
 * and dropped afterwards; its stores reach it through `options=-c search_path=...` in the URL, so
 * the gateway code under test needs nothing test-specific and parallel runs cannot meet.
 *
 * PostgreSQL is required, as SQLite is: when the server cannot be reached the tests FAIL with a
 * message saying so (CI has one; a skipped backend would let a regression through unseen).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

export const DEFAULT_PGURL = 'postgres://postgres@127.0.0.1:5432/test';

/** The server the tests use: $PGURL, or the local default (trust auth, database `test`). */
export function pgUrl(): string {
  return process.env.PGURL || DEFAULT_PGURL;
}

/** `base` with every connection's search_path set to `schema` (a libpq `options` parameter). */
export function urlForSchema(schema: string, base = pgUrl()): string {
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** For messages: the URL without its password. */
function shown(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** One short admin connection; a clear failure when there is no server to talk to. */
async function asAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: pgUrl(), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${shown(pgUrl())} (${(err as Error).message}). ` +
        'The store and integration tests need PostgreSQL 15+: start it, or set PGURL ' +
        '(README, "Quick start").',
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestSchema {
  name: string;
  /** DATABASE_URL for the gateway and openStore: the server's URL with this schema. */
  url: string;
  drop(): Promise<void>;
}

/** A new, empty schema (close every store using it before `drop`). */
export async function createSchema(): Promise<TestSchema> {
  const name = `hw_${randomBytes(6).toString('hex')}`;
  await asAdmin((c) => c.query(`create schema ${name}`));
  return {
    name,
    url: urlForSchema(name),
    drop: async () => {
      await asAdmin((c) => c.query(`drop schema if exists ${name} cascade`));
    },
  };
}

/** Run `fn` with a fresh schema, dropped afterwards whatever happens. */
export async function withSchema<T>(fn: (schema: TestSchema) => Promise<T>): Promise<T> {
  const schema = await createSchema();
  try {
    return await fn(schema);
  } finally {
    await schema.drop();
  }
}

/** A schema for the whole test file: created before its tests, dropped after them. */
export function schemaPerFile(): () => TestSchema {
  let schema: TestSchema | undefined;
  beforeAll(async () => {
    schema = await createSchema();
  });
  afterAll(async () => {
    await schema?.drop();
  });
  return () => {
    if (!schema) throw new Error('the test schema was not created (see the beforeAll error)');
    return schema;
  };
}
