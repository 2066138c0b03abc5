/**
 * Claiming due webhook deliveries (issue 8 item 1). A row is due when it is `pending` and its
 * `next_attempt_at` has come, or `in-flight` with an expired lease (its worker died mid-send:
 * SIGKILL, power cut). Each row is taken by ONE conditional UPDATE that re-states those
 * conditions: the database runs it atomically, so of several workers (in one process or many)
 * exactly one sees "1 row updated" and sends; the others move on. Nothing is held during the
 * HTTP request itself.
 *
 * Recipient lanes (issue 17 point 5): given the worker's sends in flight per recipient, a claim
 * takes no more rows for a recipient than its lane has room for, and never lets a full lane's
 * backlog crowd out other recipients' rows. A row is only claimed when it can be sent at once, so
 * its lease (DELIVERY_LEASE_MS, longer than one send) never runs out while it waits in a lane.
 */

import type { DeliveryRow } from '../outbox/outbox.js';
import type { Db } from '../store/index.js';

export interface ClaimOptions {
  owner: string;
  now: Date;
  leaseMs: number;
  limit: number;
  /** The claiming worker's lanes: at most `size` sends in flight per recipient, `busy` now. */
  lanes?: { size: number; busy: ReadonlyMap<string, number> };
  /** Rows not to take (already attempted in this pass of the worker). */
  exclude?: readonly string[];
}

/** Due rows, oldest due first, outside the full lanes and the excluded ids. */
async function dueRows(
  db: Db,
  now: string,
  limit: number,
  fullLanes: ReadonlySet<string>,
  exclude: readonly string[],
): Promise<Array<{ id: string; recipient: string }>> {
  let query = db
    .selectFrom('deliveries')
    .select(['id', 'recipient'])
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
    .limit(limit);
  // Kysely writes `in ()` for an empty list, which is not SQL: add each filter only when needed.
  if (fullLanes.size > 0) query = query.where('recipient', 'not in', [...fullLanes]);
  if (exclude.length > 0) query = query.where('id', 'not in', [...exclude]);
  return query.execute();
}

export async function claimDue(db: Db, o: ClaimOptions): Promise<DeliveryRow[]> {
  const now = o.now.toISOString();
  const size = o.lanes?.size ?? Number.POSITIVE_INFINITY;
  const inLane = new Map(o.lanes?.busy ?? []);
  const full = new Set([...inLane].filter(([, n]) => n >= size).map(([r]) => r));
  const claimed: DeliveryRow[] = [];
  // Rounds: a round that met a lane filling up asks again without that recipient, so the rows
  // behind its backlog (ordered first by due time) are still found. Each such round adds a full
  // lane, so the rounds end.
  for (let crowded = true; crowded && claimed.length < o.limit; ) {
    crowded = false;
    const candidates = await dueRows(db, now, o.limit - claimed.length, full, o.exclude ?? []);
    for (const row of candidates) {
      if (full.has(row.recipient)) {
        crowded = true;
        continue;
      }
      const taken = await claimOne(db, o, row.id);
      if (!taken) continue;
      claimed.push(taken);
      const busy = (inLane.get(row.recipient) ?? 0) + 1;
      inLane.set(row.recipient, busy);
      if (busy >= size) full.add(row.recipient);
    }
  }
  return claimed;
}

/** One conditional UPDATE: the row, if this claimer took it; undefined if another did first. */
async function claimOne(db: Db, o: ClaimOptions, id: string): Promise<DeliveryRow | undefined> {
  const now = o.now.toISOString();
  const leaseExpiresAt = new Date(o.now.getTime() + o.leaseMs).toISOString();
  // RETURNING gives the row as this UPDATE left it (SQLite 3.35+, PostgreSQL): no stale copy.
  return db
    .updateTable('deliveries')
    .set((eb) => ({
      state: 'in-flight',
      lease_owner: o.owner,
      lease_expires_at: leaseExpiresAt,
      // Counted when claimed, so a message that kills its worker every time still dead-letters.
      attempts: eb('attempts', '+', 1),
      updated_at: now,
    }))
    .where('id', '=', id)
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
}
