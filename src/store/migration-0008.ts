import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists (Kysely docs)
type AnyDb = Kysely<any>;

/**
 * Issue 17 item 11: consent as a standing state. Per person (the audit's subject HMAC, never the
 * NHS number), recipient and stay (a SHA-256 of the episode key), the standing version of each
 * consent series a decision consulted, minimised to what the Consent evaluation reads, with where
 * it came from (`message` or `trust-fhir`) and when the gateway last obtained it. Owned by the
 * consent stage (src/consent/consent-memory.ts). Depends on no migration after 0004.
 */
export const m0008: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('consent_memory')
      .addColumn('subject_hmac', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('stay', 'text', (c) => c.notNull())
      .addColumn('series', 'text', (c) => c.notNull())
      .addColumn('reference', 'text', (c) => c.notNull())
      .addColumn('version_id', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('resource', 'text', (c) => c.notNull())
      .addColumn('obtained_at', 'text', (c) => c.notNull())
      .addColumn('withdrawn_at', 'text')
      .addPrimaryKeyConstraint('consent_memory_pk', ['subject_hmac', 'recipient', 'stay', 'series'])
      .execute();
  },
};
