import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists (Kysely docs)
type AnyDb = Kysely<any>;

/**
 * Issue 19 item 4: the conversation about a referral. One row per message a side posted: who
 * (the partner and, when given, the staff member's name and role), the free text (personal data:
 * null once retention purges it; its SHA-256 stays for the audit), when it was posted, and when
 * the other side first received it (webhook answered 2xx, or first read through the API), which
 * is the moment of disclosure. Owned by the referral stage (src/referral/conversation.ts).
 */
export const m0010: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('referral_messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('referral_id', 'text', (c) => c.notNull())
      .addColumn('side', 'text', (c) => c.notNull())
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('author_name', 'text')
      .addColumn('author_role', 'text')
      .addColumn('text', 'text')
      .addColumn('text_sha256', 'text', (c) => c.notNull())
      .addColumn('posted_at', 'text', (c) => c.notNull())
      .addColumn('delivery_id', 'text')
      .addColumn('disclosed_at', 'text')
      .execute();
    await db.schema
      .createIndex('referral_messages_referral')
      .on('referral_messages')
      .columns(['referral_id', 'posted_at'])
      .execute();
  },
};
