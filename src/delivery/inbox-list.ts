/**
 * The inbox list (issue 8 item 3): a recipient's own referrals, by keyset pages. Listing
 * discloses nothing: no dataset, only bookkeeping; reading one is the disclosure (inbox.ts).
 */
import type { Registry } from '../config/registry-types.js';
import type { ReferralStatus } from '../referral/status.js';
import type { Db } from '../store/index.js';
import { type Cursor, encodeCursor } from './page-cursor.js';

export interface InboxItem {
  id: string;
  type: string;
  status: string;
  priority: string;
  dueBy: string | null;
  version: number;
  sender: { odsCode: string; name: string };
  createdAt: string;
  updatedAt: string;
  /** A message about this referral waits to be read (pull recipients). */
  unread: boolean;
}

export interface InboxQuery {
  /** `new`: has an unread message; otherwise a referral status. */
  status?: 'new' | ReferralStatus;
  limit: number;
  after?: Cursor;
}

export async function listInbox(
  db: Db,
  registry: Registry,
  partnerId: string,
  q: InboxQuery,
): Promise<{ referrals: InboxItem[]; nextCursor: string | null }> {
  let query = db
    .selectFrom('referrals as r')
    .select(['r.id', 'r.type', 'r.status', 'r.priority', 'r.due_by', 'r.version', 'r.sender'])
    .select(['r.created_at', 'r.updated_at'])
    .select(({ exists, selectFrom }) =>
      exists(
        selectFrom('deliveries as d')
          .select('d.id')
          .whereRef('d.referral_id', '=', 'r.id')
          .where('d.channel', '=', 'pull')
          .where('d.state', '=', 'pending'),
      ).as('unread'),
    )
    .where('r.recipient', '=', partnerId);
  if (q.status === 'new') {
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('deliveries as d')
          .select('d.id')
          .whereRef('d.referral_id', '=', 'r.id')
          .where('d.channel', '=', 'pull')
          .where('d.state', '=', 'pending'),
      ),
    );
  } else if (q.status) {
    query = query.where('r.status', '=', q.status);
  }
  const after = q.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('r.created_at', '>', after.key),
        eb.and([eb('r.created_at', '=', after.key), eb('r.id', '>', after.id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('r.created_at')
    .orderBy('r.id')
    .limit(q.limit + 1)
    .execute();
  const shown = rows.slice(0, q.limit);
  const last = shown[shown.length - 1];
  return {
    referrals: shown.map((r) => {
      const sender = registry.partner(r.sender);
      return {
        id: r.id,
        type: r.type,
        status: r.status,
        priority: r.priority,
        dueBy: r.due_by,
        version: r.version,
        sender: { odsCode: sender?.odsCode ?? '', name: sender?.name ?? r.sender },
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        unread: Boolean(r.unread),
      };
    }),
    nextCursor: rows.length > q.limit && last ? encodeCursor({ key: last.created_at, id: last.id }) : null,
  };
}
