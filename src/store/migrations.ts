/**
 * Versioned schema migrations, written once with Kysely's schema builder so that one set serves
 * SQLite and PostgreSQL (issue 9); the few dialect-specific statements are guarded by the
 * executor's adapter. Never edit a released migration: add one.
 */
import { type Kysely, type Migration, type MigrationProvider, SqliteAdapter, sql } from 'kysely';
import { m0005 } from './migration-0005.js';
import { m0006 } from './migration-0006.js';
import { m0007 } from './migration-0007.js';
import { m0008 } from './migration-0008.js';
import { m0009 } from './migration-0009.js';
import { m0010 } from './migration-0010.js';
import { m0011 } from './migration-0011.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists (Kysely docs)
type AnyDb = Kysely<any>;

const m0001: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('sender', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('event_code', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('request_id', 'text')
      .addColumn('payload_sha256', 'text', (c) => c.notNull())
      .addColumn('payload', 'text')
      .addColumn('response', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .execute();
    // Idempotency across processes is a constraint, not a read-then-write (issue 9 item 4).
    await db.schema
      .createIndex('events_sender_message')
      .unique()
      .on('events')
      .columns(['sender', 'message_id'])
      .execute();
    await db.schema.createIndex('events_received_at').on('events').column('received_at').execute();

    await db.schema
      .createTable('decisions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id'))
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('reasons', 'text', (c) => c.notNull())
      .addColumn('agreement_id', 'text')
      .addColumn('agreement_version', 'text')
      .addColumn('consents', 'text', (c) => c.notNull())
      .addColumn('lawful_basis', 'text')
      .addColumn('purpose', 'text')
      .addColumn('fields', 'text', (c) => c.notNull())
      .addColumn('decided_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('decisions_event').on('decisions').column('event_id').execute();

    await db.schema
      .createTable('referrals')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id'))
      .addColumn('decision_id', 'text', (c) => c.notNull().references('decisions.id'))
      .addColumn('sender', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('episode_key', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('priority', 'text', (c) => c.notNull())
      .addColumn('due_by', 'text')
      .addColumn('dataset', 'text')
      .addColumn('dataset_fields', 'text', (c) => c.notNull())
      .addColumn('subject_hmac', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('referrals_recipient_status')
      .on('referrals')
      .columns(['recipient', 'status'])
      .execute();
    await db.schema.createIndex('referrals_sender').on('referrals').column('sender').execute();
    await db.schema
      .createIndex('referrals_episode')
      .on('referrals')
      .columns(['episode_key', 'recipient'])
      .execute();

    await db.schema
      .createTable('deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('referral_id', 'text', (c) => c.notNull().references('referrals.id'))
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('webhook_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('lease_owner', 'text')
      .addColumn('lease_expires_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('deliveries_due')
      .on('deliveries')
      .columns(['state', 'next_attempt_at'])
      .execute();

    await db.schema
      .createTable('audit')
      .addColumn('seq', 'bigint', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('actor', 'text')
      .addColumn('recipient', 'text')
      .addColumn('referral_id', 'text')
      .addColumn('event_id', 'text')
      .addColumn('agreement_id', 'text')
      .addColumn('agreement_version', 'text')
      .addColumn('agreement_sha256', 'text')
      .addColumn('consent_refs', 'text')
      .addColumn('lawful_basis', 'text')
      .addColumn('purpose', 'text')
      .addColumn('fields', 'text')
      .addColumn('payload_sha256', 'text')
      .addColumn('subject_hmac', 'text')
      .addColumn('request_id', 'text')
      .addColumn('detail', 'text')
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_subject').on('audit').columns(['subject_hmac', 'seq']).execute();
    await db.schema.createIndex('audit_recipient').on('audit').columns(['recipient', 'seq']).execute();
    await db.schema.createIndex('audit_referral').on('audit').columns(['referral_id', 'seq']).execute();
    await db.schema.createIndex('audit_at').on('audit').column('at').execute();

    await db.schema
      .createTable('used_jti')
      .addColumn('partner_id', 'text', (c) => c.notNull())
      .addColumn('jti', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('used_jti_pk', ['partner_id', 'jti'])
      .execute();

    await db.schema
      .createTable('kv')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(sql`CURRENT_TIMESTAMP`))
      .execute();
  },
};

/**
 * Issue 5 (audit): signed checkpoints of the chain head, indexes for the audit filters and
 * partner isolation, and (SQLite) triggers refusing UPDATE and DELETE on the append-only table.
 */
const m0002: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('audit_checkpoints')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('entries', 'bigint', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('kid', 'text', (c) => c.notNull())
      .addColumn('jws', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('audit_checkpoints_seq')
      .on('audit_checkpoints')
      .columns(['seq', 'at'])
      .execute();
    await db.schema.createIndex('audit_actor').on('audit').columns(['actor', 'seq']).execute();
    await db.schema.createIndex('audit_agreement').on('audit').columns(['agreement_id', 'seq']).execute();
    await db.schema.createIndex('audit_action').on('audit').columns(['action', 'seq']).execute();
    // Append-only in the database too, so a bug or a stray admin statement fails loudly. Someone
    // with the file can drop these: the hash chain and checkpoints catch that (src/audit/README.md).
    // PostgreSQL has its own form: migration 0005 (issue 9).
    if (db.getExecutor().adapter instanceof SqliteAdapter) {
      for (const op of ['update', 'delete']) {
        await sql
          .raw(
            `create trigger audit_no_${op} before ${op} on audit begin select raise(abort, 'audit is append-only'); end`,
          )
          .execute(db);
      }
    }
  },
};

/**
 * Issue 4 (intake): resources fetched from the trust's FHIR server for references a message made
 * but did not carry, kept with the event so later stages read what the checks saw without
 * fetching again. JSON by reference; null when nothing was fetched or once purged by retention.
 */
const m0003: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('events').addColumn('resolved', 'text').execute();
  },
};

/**
 * Issues 6 to 8 (decisions, referrals, delivery): each outbox row keeps the exact bytes it
 * sends (so the `disclosed` audit entry hashes what went out, and a retry sends the same
 * message), its channel (webhook or pull inbox) and its content type (JSON, or JWE).
 */
const m0004: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .alterTable('deliveries')
      .addColumn('channel', 'text', (c) => c.notNull().defaultTo('webhook'))
      .execute();
    await db.schema.alterTable('deliveries').addColumn('payload', 'text').execute();
    await db.schema.alterTable('deliveries').addColumn('payload_sha256', 'text').execute();
    await db.schema.alterTable('deliveries').addColumn('content_type', 'text').execute();
    await db.schema.alterTable('deliveries').addColumn('delivered_at', 'text').execute();
    // The decision this message rests on, and the dataset field names it carries: an update may
    // rest on a later decision (another agreement version, other consents) and carry other fields.
    await db.schema.alterTable('deliveries').addColumn('decision_id', 'text').execute();
    await db.schema.alterTable('deliveries').addColumn('fields', 'text').execute();
    await db.schema
      .alterTable('referrals')
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await db.schema.alterTable('referrals').addColumn('agreement_id', 'text').execute();
    await db.schema.alterTable('referrals').addColumn('agreement_version', 'integer').execute();
    await db.schema.alterTable('referrals').addColumn('response', 'text').execute();
    // The referral a permit created or updated, so a trust's Task search finds it from the decision.
    await db.schema.alterTable('decisions').addColumn('referral_id', 'text').execute();
    await db.schema.createIndex('deliveries_referral').on('deliveries').column('referral_id').execute();
    await db.schema
      .createIndex('decisions_recipient')
      .on('decisions')
      .columns(['recipient', 'decided_at'])
      .execute();
  },
};

export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_audit': m0002,
  '0003_ingest': m0003,
  '0004_referrals': m0004,
  '0005_audit_append_only_postgres': m0005,
  '0006_episodes': m0006,
  '0007_correlation': m0007,
  '0008_consent_memory': m0008,
  '0009_readmission_links': m0009,
  '0010_referral_messages': m0010,
  '0011_referral_steps': m0011,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
