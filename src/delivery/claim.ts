/**
 * Claiming due webhook deliveries (issue 8 item 1). A row is due when it is `pending` and its
 * `next_attempt_at` has come, or `in-flight` with an expired lease (its worker died mid-send:
 * SIGKILL, power cut). Each row is taken by ONE conditional UPDATE that re-states those
 * conditions: the database runs it atomically, so of several workers (in one process or many)
 * exactly one sees "1 row updated" and sends; the others move on. Nothing is held during the
 * HTTP request itself.
 */
import type { Db } from '../store/index.js';
import type { DeliveryRow } from './outbox.js';

export interface ClaimOptions {
  owner: string;
  now: Date;
  leaseMs: number;
  limit: number;
}

export async function claimDue(db: Db, o: ClaimOptions): Promise<DeliveryRow[]> {
  const now = o.now.toISOString();
  const candidates = await db
    .selectFrom('deliveries')
    .select('id')
    .where('channel', '=', 'webhook')
    .where((eb) =>
      eb.or([
        eb.and([eb('state', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
        eb.and([eb('state', '=', 'in-flight'), eb('lease_expires_at', '<', now)]),
      ]),
    )
    // Messages of one referral go in order: an update never overtakes the referral it updates.
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('deliveries as earlier')
            .select('earlier.id')
            .whereRef('earlier.referral_id', '=', 'deliveries.referral_id')
            // Order matters per recipient: a trust's status message never holds up the provider's.
            .whereRef('earlier.recipient', '=', 'deliveries.recipient')
            // Same millisecond: the id breaks the tie, so two are still never sent at once.
            .where((eb) =>
              eb.or([
                eb('earlier.created_at', '<', eb.ref('deliveries.created_at')),
                eb.and([
                  eb('earlier.created_at', '=', eb.ref('deliveries.created_at')),
                  eb('earlier.id', '<', eb.ref('deliveries.id')),
                ]),
              ]),
            )
            .where('earlier.state', 'in', ['pending', 'in-flight']),
        ),
      ),
    )
    .orderBy('next_attempt_at')
    .orderBy('created_at')
    .limit(o.limit)
    .execute();
  const leaseExpiresAt = new Date(o.now.getTime() + o.leaseMs).toISOString();
  const claimed: DeliveryRow[] = [];
  for (const row of candidates) {
    // RETURNING gives the row as this UPDATE left it (SQLite 3.35+, PostgreSQL): no stale copy.
    const taken = await db
      .updateTable('deliveries')
      .set((eb) => ({
        state: 'in-flight',
        lease_owner: o.owner,
        lease_expires_at: leaseExpiresAt,
        // Counted when claimed, so a message that kills its worker every time still dead-letters.
        attempts: eb('attempts', '+', 1),
        updated_at: now,
      }))
      .where('id', '=', row.id)
      .where((eb) =>
        eb.or([
          eb.and([eb('state', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
          eb.and([
            eb('state', '=', 'in-flight'),
            eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]),
          ]),
        ]),
      )
      .returningAll()
      .executeTakeFirst();
    if (taken) claimed.push(taken);
  }
  return claimed;
}
