import { type Kysely, type Migration, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists (Kysely docs)
type AnyDb = Kysely<any>;

/**
 * Issue 17 item 9: one correlation id end to end. The event keeps the id it arrived with (or the
 * one the gateway gave it), and every outbox row keeps the id of the event that caused it, so a
 * worker sending later, in another process, sends the event's id rather than a new one.
 * Existing events take their request id (which was the inbound X-Request-Id or X-Correlation-Id,
 * or the id the gateway generated); rows still to send take their referral's first event's.
 */
export const m0007: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('events').addColumn('correlation_id', 'text').execute();
    await db.schema.alterTable('deliveries').addColumn('correlation_id', 'text').execute();
    await sql`update events set correlation_id = request_id`.execute(db);
    await sql`update deliveries set correlation_id = (
        select e.correlation_id from referrals r join events e on e.id = r.event_id
        where r.id = deliveries.referral_id)
      where state in ('pending', 'in-flight')`.execute(db);
  },
};
