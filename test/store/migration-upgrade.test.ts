/**
 * Migrations 0006_episodes and 0007_correlation on a database that already holds data (issue 17
 * items 1 and 9), on SQLite and PostgreSQL: existing referrals are keyed by their person too, and
 * events and deliveries still to send take the correlation id their request arrived with.
 */
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../src/store/migrations.js';
import { createSchema, type TestSchema } from '../helpers/postgres.js';

// biome-ignore lint/suspicious/noExplicitAny: the schema of an older version, before the typed one
type AnyDb = Kysely<any>;
const schemas: TestSchema[] = [];
const dbs: AnyDb[] = [];
afterEach(async () => {
  await Promise.all(dbs.splice(0).map((d) => d.destroy()));
  await Promise.all(schemas.splice(0).map((s) => s.drop()));
});

async function open(backend: 'sqlite' | 'postgres'): Promise<{ db: AnyDb; migrator: Migrator }> {
  let db: AnyDb;
  let schema: string | undefined;
  if (backend === 'postgres') {
    const s = await createSchema();
    schemas.push(s);
    schema = s.name;
    db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: s.url }) }) });
  } else {
    db = new Kysely({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  }
  dbs.push(db);
  return {
    db,
    migrator: new Migrator({
      db,
      provider: migrationProvider,
      ...(schema ? { migrationTableSchema: schema } : {}),
    }),
  };
}

describe.each(['sqlite', 'postgres'] as const)('upgrading a database with data (%s)', (backend) => {
  it('re-keys referrals by person and back-fills correlation ids', async () => {
    const { db, migrator } = await open(backend);
    expect((await migrator.migrateTo('0005_audit_append_only_postgres')).error).toBeUndefined();
    const at = '2026-11-23T10:00:00.000Z';
    await db
      .insertInto('events')
      .values({
        id: 'e1',
        sender: 'north-coast-trust',
        message_id: 'm1',
        event_code: 'admission',
        reason: 'new',
        received_at: at,
        request_id: 'corr-old-1',
        payload_sha256: 'x',
        payload: '{}',
        response: null,
        status: 'validated',
      })
      .execute();
    await db
      .insertInto('decisions')
      .values({
        id: 'd1',
        event_id: 'e1',
        recipient: 'r',
        outcome: 'permit',
        reasons: '[]',
        consents: '[]',
        fields: '[]',
        decided_at: at,
      })
      .execute();
    await db
      .insertInto('referrals')
      .values({
        id: 'r1',
        event_id: 'e1',
        decision_id: 'd1',
        sender: 'north-coast-trust',
        recipient: 'r',
        episode_key: 'north-coast-trust|https://trust.example/enc|ENC-1',
        type: 'discharge-support',
        status: 'queued',
        priority: 'routine',
        dataset_fields: '[]',
        subject_hmac: 'a'.repeat(64),
        created_at: at,
        updated_at: at,
      })
      .execute();
    for (const [id, state] of [
      ['q1', 'pending'],
      ['q2', 'delivered'],
    ]) {
      await db
        .insertInto('deliveries')
        .values({
          id,
          referral_id: 'r1',
          recipient: 'r',
          webhook_id: `msg_${id}`,
          kind: 'referral',
          state,
          attempts: 0,
          next_attempt_at: at,
          created_at: at,
          updated_at: at,
        })
        .execute();
    }
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const referral = await db.selectFrom('referrals').select('episode_key').executeTakeFirstOrThrow();
    expect(referral.episode_key).toBe(`north-coast-trust|https://trust.example/enc|ENC-1|${'a'.repeat(64)}`);
    expect(await db.selectFrom('events').select('correlation_id').execute()).toEqual([
      { correlation_id: 'corr-old-1' },
    ]);
    expect(
      await db.selectFrom('deliveries').select(['id', 'correlation_id']).orderBy('id').execute(),
    ).toEqual([
      { id: 'q1', correlation_id: 'corr-old-1' },
      { id: 'q2', correlation_id: null },
    ]);
    expect(await sql`select count(*) as n from episodes`.execute(db)).toMatchObject({
      rows: [{ n: expect.anything() }],
    });
  });
});
