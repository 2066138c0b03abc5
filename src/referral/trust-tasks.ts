/**
 * The trust's view of what its messages led to (issue 7 item 6): one FHIR Task per routed
 * recipient, built from the decision and, for a permit, the referral's live status. Every query
 * takes the sending trust's partner id: a trust sees its own Tasks only (404 otherwise).
 */
import type { BundleEntry, Task } from 'fhir/r4.js';
import type { Registry } from '../config/registry-types.js';
import type { Db, Tx } from '../store/index.js';
import type { DecisionTable, ReferralTable } from '../store/schema.js';
import { referralTask } from './referral-task.js';
import { type Step, stepsOf } from './steps.js';

type Reason = { code: string; text: string };
/** What the pipeline made of one recipient of a message (pipeline/process-event.ts, RecipientOutcome). */
export interface RoutedOutcome {
  recipient: string;
  outcome: 'permit' | 'withhold' | 'cancelled';
  decisionId?: string;
  referralId?: string;
  reasons: Reason[];
}
const org = (registry: Registry, id: string) => {
  const p = registry.partner(id);
  return { odsCode: p?.odsCode ?? 'UNKNOWN', name: p?.name ?? id };
};

function build(
  registry: Registry,
  d: Pick<DecisionTable, 'id' | 'recipient' | 'reasons' | 'decided_at'>,
  e: { message_id: string; sender: string; correlation_id?: string | null },
  r: ReferralTable | undefined,
  steps: readonly Step[],
  extraReasons: Reason[] = [],
): Task {
  const common = {
    messageId: e.message_id,
    correlationId: e.correlation_id ?? null,
    sender: org(registry, e.sender),
    recipient: org(registry, d.recipient),
  };
  if (!r) {
    const reasons = (JSON.parse(d.reasons) as Reason[]).map(({ code, text }) => ({ code, text }));
    return referralTask({
      ...common,
      id: d.id,
      status: 'withheld',
      reasons,
      authoredOn: d.decided_at,
      lastModified: d.decided_at,
    });
  }
  return referralTask({
    ...common,
    id: r.id,
    referralId: r.id,
    status: r.status,
    reasons: extraReasons,
    authoredOn: r.created_at,
    lastModified: r.updated_at,
    dueBy: r.due_by,
    response: r.response ? (JSON.parse(r.response) as Parameters<typeof referralTask>[0]['response']) : null,
    steps,
  });
}

const referral = (db: Db | Tx, id: string | null) =>
  id
    ? db.selectFrom('referrals').selectAll().where('id', '=', id).executeTakeFirst()
    : Promise.resolve(undefined);

/** The Tasks of a just-processed message, for its response Bundle. */
export async function responseTasks(
  tx: Tx,
  registry: Registry,
  event: { message_id: string; sender: string; correlation_id?: string | null },
  outcomes: RoutedOutcome[],
  at: Date,
): Promise<BundleEntry[]> {
  const entries: BundleEntry[] = [];
  for (const o of outcomes) {
    const d = o.decisionId
      ? await tx.selectFrom('decisions').selectAll().where('id', '=', o.decisionId).executeTakeFirst()
      : undefined;
    const decision = d ?? {
      id: o.referralId ?? '',
      recipient: o.recipient,
      reasons: '[]',
      decided_at: at.toISOString(),
    };
    const task = build(
      registry,
      decision,
      event,
      await referral(tx, o.referralId ?? null),
      o.referralId ? await stepsOf(tx, o.referralId) : [],
      o.outcome === 'cancelled' ? o.reasons : [],
    );
    // R4 `uuid`: the bare id (a UUID from the gateway's generator), no prefix.
    entries.push({ fullUrl: `urn:uuid:${task.id}`, resource: task });
  }
  return entries;
}

/** A trust's decisions with the message each answered (every Task query starts here). */
const decisionsOf = (db: Db, sender: string) =>
  db
    .selectFrom('decisions')
    .innerJoin('events', 'events.id', 'decisions.event_id')
    .select([
      'decisions.id',
      'decisions.recipient',
      'decisions.reasons',
      'decisions.decided_at',
      'decisions.referral_id',
      'events.message_id',
      'events.sender',
      'events.correlation_id',
    ])
    .where('events.sender', '=', sender);

/** A Task by id (a referral id, or a withheld decision's id), for its sending trust only. */
export async function taskById(
  db: Db,
  registry: Registry,
  sender: string,
  id: string,
): Promise<Task | undefined> {
  const r = await db
    .selectFrom('referrals')
    .selectAll()
    .where('id', '=', id)
    .where('sender', '=', sender)
    .executeTakeFirst();
  const d = await decisionsOf(db, sender)
    .where('decisions.id', '=', r ? r.decision_id : id)
    .executeTakeFirst();
  if (r && d) return build(registry, d, d, r, await stepsOf(db, r.id));
  if (!d || d.referral_id) return undefined;
  return build(registry, d, d, undefined, []);
}

/** The Tasks of one of the trust's messages (Task?focus=<MessageHeader.id>). */
export async function tasksByMessage(
  db: Db,
  registry: Registry,
  sender: string,
  messageId: string,
): Promise<Task[]> {
  const rows = await decisionsOf(db, sender)
    .where('events.message_id', '=', messageId)
    .orderBy('decisions.recipient')
    .execute();
  const out: Task[] = [];
  for (const d of rows)
    out.push(
      build(
        registry,
        d,
        d,
        await referral(db, d.referral_id),
        d.referral_id ? await stepsOf(db, d.referral_id) : [],
      ),
    );
  return out;
}
