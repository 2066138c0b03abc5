/**
 * The conversation about a referral (issue 19 item 4): either side posts a message ("is the flat
 * step-free?", "what day will they be ready?") and the gateway carries it to the other side
 * through that side's channel:
 * - to the housing provider: a `referral.message` webhook event when it has a webhook, and always
 *   `GET /referrals/{id}/messages`;
 * - to the referring trust: FHIR Communication (`basedOn` the referral's Task), readable at
 *   `GET /fhir/Communication?based-on=Task/{id}` and pushed to its status webhook when it has one.
 * The text is personal data: it is disclosed, and audited as such (field `message.text`, the
 * SHA-256 of the text, never the text), the first time the other side receives it, by webhook 2xx
 * or first read. Only the two parties of the referral see it; anyone else gets 404.
 */
import type { AuditLog, ConsentRef } from '../audit/types.js';
import type { Registry } from '../config/registry-types.js';
import type { Ids } from '../ids.js';
import { sealFor, sha256Hex } from '../outbox/envelope.js';
import { enqueue } from '../outbox/outbox.js';
import type { Db, Tx } from '../store/index.js';
import type { ReferralMessageTable } from '../store/schema.js';
import { communicationOf } from './communication.js';
import type { ReferralRow } from './referral-store.js';
import { FINAL_STATUSES } from './status.js';

export type Side = ReferralMessageTable['side'];
export type MessageRow = ReferralMessageTable;

/** The audited name of what a message discloses. */
export const MESSAGE_FIELDS = ['message.text'] as const;

export interface ConversationDeps {
  registry: Registry;
  ids: Ids;
  audit: AuditLog;
}

export interface Poster {
  partnerId: string;
  side: Side;
  /** The staff member writing, when the caller names them. */
  name?: string;
  role?: string;
}

/** A message as either side reads it. */
export interface MessageView {
  id: string;
  referralId: string;
  from: { side: Side; organisation: { odsCode: string; name: string }; name?: string; role?: string };
  /** Null once retention has purged the text. */
  text: string | null;
  postedAt: string;
}

export type PostResult =
  | { kind: 'posted'; message: MessageView }
  | { kind: 'not-found' }
  | { kind: 'closed'; status: string };

/** A conversation is open from the provider's first receipt until the referral ends. */
const CLOSED: ReadonlySet<string> = new Set(['queued', ...FINAL_STATUSES]);

/** The referral if `partnerId` is its party on `side` (the recipient or the sending trust). */
export async function referralOfParty(
  db: Db | Tx,
  referralId: string,
  partnerId: string,
  side: Side,
): Promise<ReferralRow | undefined> {
  return db
    .selectFrom('referrals')
    .selectAll()
    .where('id', '=', referralId)
    .where(side === 'provider' ? 'recipient' : 'sender', '=', partnerId)
    .executeTakeFirst();
}

export function viewOf(registry: Registry, m: MessageRow): MessageView {
  const p = registry.partner(m.author);
  return {
    id: m.id,
    referralId: m.referral_id,
    from: {
      side: m.side,
      organisation: { odsCode: p?.odsCode ?? 'UNKNOWN', name: p?.name ?? m.author },
      ...(m.author_name ? { name: m.author_name } : {}),
      ...(m.author_role ? { role: m.author_role } : {}),
    },
    text: m.text,
    postedAt: m.posted_at,
  };
}

/** Post a message, and queue it to the other side's webhook when it has one. */
export async function postMessage(
  tx: Tx,
  deps: ConversationDeps,
  m: { referralId: string; by: Poster; text: string; at: Date },
): Promise<PostResult> {
  const referral = await referralOfParty(tx, m.referralId, m.by.partnerId, m.by.side);
  if (!referral) return { kind: 'not-found' };
  if (CLOSED.has(referral.status)) return { kind: 'closed', status: referral.status };
  const at = m.at.toISOString();
  const row: MessageRow = {
    id: deps.ids.next(),
    referral_id: referral.id,
    side: m.by.side,
    author: m.by.partnerId,
    author_name: m.by.name ?? null,
    author_role: m.by.role ?? null,
    text: m.text,
    text_sha256: sha256Hex(m.text),
    posted_at: at,
    delivery_id: null,
    disclosed_at: null,
  };
  row.delivery_id = await queueToOtherSide(tx, deps, referral, row, m);
  await tx.insertInto('referral_messages').values(row).execute();
  return { kind: 'posted', message: viewOf(deps.registry, row) };
}

async function queueToOtherSide(
  tx: Tx,
  deps: ConversationDeps,
  referral: ReferralRow,
  row: MessageRow,
  m: { at: Date },
): Promise<string | null> {
  const toProvider = row.side === 'trust';
  const recipient = deps.registry.partner(toProvider ? referral.recipient : referral.sender);
  if (!recipient) return null;
  const timestamp = m.at.toISOString();
  let sealed: { payload: string; contentType: string; sha256: string };
  if (toProvider) {
    if (recipient.delivery?.mode !== 'webhook') return null;
    const body = JSON.stringify({
      type: 'referral.message',
      timestamp,
      data: { referralId: referral.id, message: viewOf(deps.registry, row) },
    });
    sealed = await sealFor(recipient, body, { type: 'referral.message', at: m.at });
  } else {
    if (!recipient.statusWebhook) return null;
    const data = communicationOf(deps.registry, referral, row);
    const body = JSON.stringify({ type: 'referral.message', timestamp, data });
    sealed = { payload: body, contentType: 'application/json', sha256: sha256Hex(body) };
  }
  const id = deps.ids.next();
  await enqueue(tx, {
    id,
    referralId: referral.id,
    recipient: recipient.id,
    kind: toProvider ? 'message' : 'trust-message',
    channel: 'webhook',
    payload: sealed.payload,
    payloadSha256: sealed.sha256,
    contentType: sealed.contentType,
    at: m.at,
    fields: [...MESSAGE_FIELDS],
  });
  return id;
}

/** The conversation of a referral, oldest first. */
/** The referral a message belongs to (for GET /fhir/Communication/{id}; the caller then checks the party). */
export async function referralOfMessage(db: Db, messageId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('referral_messages')
    .select('referral_id')
    .where('id', '=', messageId)
    .executeTakeFirst();
  return row?.referral_id;
}

export function messagesOf(db: Db | Tx, referralId: string): Promise<MessageRow[]> {
  return db
    .selectFrom('referral_messages')
    .selectAll()
    .where('referral_id', '=', referralId)
    .orderBy('posted_at')
    .orderBy('id')
    .execute();
}

/**
 * `reader` reads the conversation: every message the other side posted that `reader` had not yet
 * received is disclosed now, and audited so, in this transaction.
 */
export async function readConversation(
  tx: Tx,
  deps: ConversationDeps,
  r: { referral: ReferralRow; reader: Side; at: Date; requestId?: string },
): Promise<MessageRow[]> {
  const rows = await messagesOf(tx, r.referral.id);
  for (const m of rows) {
    if (m.side === r.reader || m.disclosed_at !== null || m.text === null) continue;
    await discloseMessage(tx, deps, r.referral, m, {
      at: r.at,
      channel: 'api',
      ...(r.requestId ? { requestId: r.requestId } : {}),
    });
  }
  return rows;
}

/** Record that the other side received `m` (once): `disclosed`, naming who wrote it and who read it. */
export async function discloseMessage(
  tx: Tx,
  deps: Pick<ConversationDeps, 'registry' | 'audit'>,
  referral: ReferralRow,
  m: MessageRow,
  how: { at: Date; channel: 'api' | 'webhook'; requestId?: string; detail?: Record<string, unknown> },
): Promise<boolean> {
  const at = how.at.toISOString();
  const updated = await tx
    .updateTable('referral_messages')
    .set({ disclosed_at: at })
    .where('id', '=', m.id)
    .where('disclosed_at', 'is', null)
    .executeTakeFirst();
  if (updated.numUpdatedRows !== 1n) return false;
  m.disclosed_at = at;
  // The basis the referral was disclosed on carries its conversation too (decision-store.ts).
  const decision = await tx
    .selectFrom('decisions')
    .select(['consents', 'lawful_basis', 'purpose'])
    .where('id', '=', referral.decision_id)
    .executeTakeFirst();
  const agreement = deps.registry
    .versions(referral.agreement_id ?? '')
    .find((a) => a.version === referral.agreement_version);
  await deps.audit.append(tx, {
    action: 'disclosed',
    actor: m.author,
    recipient: m.side === 'trust' ? referral.recipient : referral.sender,
    referralId: referral.id,
    ...(agreement
      ? { agreement: { id: agreement.id, version: agreement.version, sha256: agreement.sha256 } }
      : {}),
    consents: decision ? (JSON.parse(decision.consents) as ConsentRef[]) : [],
    ...(decision?.lawful_basis ? { lawfulBasis: decision.lawful_basis } : {}),
    ...(decision?.purpose ? { purpose: decision.purpose } : {}),
    fields: [...MESSAGE_FIELDS],
    payloadSha256: m.text_sha256,
    ...(referral.subject_hmac ? { subjectHmac: referral.subject_hmac } : {}),
    ...(how.requestId ? { requestId: how.requestId } : {}),
    detail: { kind: 'message', messageId: m.id, channel: how.channel, ...how.detail },
  });
  return true;
}

/** The message a webhook delivery carries, if it is one. */
export function messageOfDelivery(tx: Tx, deliveryId: string): Promise<MessageRow | undefined> {
  return tx
    .selectFrom('referral_messages')
    .selectAll()
    .where('delivery_id', '=', deliveryId)
    .executeTakeFirst();
}
