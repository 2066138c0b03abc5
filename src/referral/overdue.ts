/**
 * SLA breaches (issue 8 item 5): referrals past their `due_by` (sla.ts computed it from the
 * agreement when the referral was made) that the provider has not answered: status other than
 * accepted (or a milestone after it), declined, completed or cancelled (status.ts, ANSWERED_STATUSES). Auditors see those to or from partners they audit.
 */
import type { AuditVisibility } from '../audit/types.js';
import { type Cursor, encodeCursor } from '../delivery/page-cursor.js';
import type { Db } from '../store/index.js';
import { ANSWERED_STATUSES } from './status.js';

export interface OverdueReferral {
  id: string;
  sender: string;
  recipient: string;
  type: string;
  priority: string;
  status: string;
  dueBy: string;
  /** Whole minutes past due at the time of the query. */
  minutesOverdue: number;
  createdAt: string;
}

export async function listOverdue(
  db: Db,
  q: { now: Date; visibility: AuditVisibility; limit: number; after?: Cursor },
): Promise<{ referrals: OverdueReferral[]; nextCursor: string | null }> {
  const { visibility, after } = q;
  if (visibility.kind === 'partners' && visibility.partners.length === 0) {
    return { referrals: [], nextCursor: null };
  }
  let query = db
    .selectFrom('referrals')
    .select(['id', 'sender', 'recipient', 'type', 'priority', 'status', 'due_by', 'created_at'])
    .where('due_by', 'is not', null)
    .where('due_by', '<', q.now.toISOString())
    .where('status', 'not in', [...ANSWERED_STATUSES]);
  if (visibility.kind === 'partners') {
    const ids = [...visibility.partners];
    query = query.where((eb) => eb.or([eb('recipient', 'in', ids), eb('sender', 'in', ids)]));
  }
  if (after) {
    query = query.where((eb) =>
      eb.or([eb('due_by', '>', after.key), eb.and([eb('due_by', '=', after.key), eb('id', '>', after.id)])]),
    );
  }
  const rows = await query
    .orderBy('due_by')
    .orderBy('id')
    .limit(q.limit + 1)
    .execute();
  const shown = rows.slice(0, q.limit);
  const last = shown[shown.length - 1];
  return {
    referrals: shown.map((r) => {
      const dueBy = r.due_by ?? '';
      return {
        id: r.id,
        sender: r.sender,
        recipient: r.recipient,
        type: r.type,
        priority: r.priority,
        status: r.status,
        dueBy,
        minutesOverdue: Math.floor((q.now.getTime() - Date.parse(dueBy)) / 60_000),
        createdAt: r.created_at,
      };
    }),
    nextCursor:
      rows.length > q.limit && last?.due_by ? encodeCursor({ key: last.due_by, id: last.id }) : null,
  };
}
