/**
 * Table shapes as Kysely sees them. Each stage owns its tables (design.md: stages never
 * reach into each other's tables); they share one database so that a state change and its
 * audit entry commit in one transaction.
 *
 * Times are ISO-8601 UTC strings; JSON columns are text holding JSON.
 */
import type { Generated } from 'kysely';

/** ingest/: one inbound FHIR message. Idempotency key = (sender, message_id), enforced by a unique index. */
export interface EventTable {
  id: string;
  sender: string;
  message_id: string;
  event_code: string;
  reason: string | null;
  received_at: string;
  request_id: string | null;
  /** SHA-256 of the canonical request body: a replay with other content is a conflict. */
  payload_sha256: string;
  /** The raw bundle; null once purged by retention (the hash stays). */
  payload: string | null;
  /** The response sent, replayed verbatim to duplicates. */
  response: string | null;
  status: string;
  /** Resources fetched from the trust's FHIR server, JSON by reference (migration 0003); null once purged. */
  resolved: string | null;
  /** The inbound X-Correlation-Id, or the id the gateway gave the message (migration 0007). */
  correlation_id?: string | null;
}

/** ingest/: which person each (sender, encounter identifier) belongs to (migration 0006). */
export interface EpisodeTable {
  sender: string;
  /** Encounter.identifier.system, '' when absent. */
  encounter_system: string;
  encounter_value: string;
  /** HMAC of the person's NHS number (AuditLog.subjectHash): never the number. */
  subject_hmac: string;
  /** The event that first carried this identifier. */
  event_id: string;
  created_at: string;
}

/** consent/: one decision per (event, candidate recipient). */
export interface DecisionTable {
  id: string;
  event_id: string;
  recipient: string;
  outcome: 'permit' | 'withhold';
  reasons: string;
  agreement_id: string | null;
  agreement_version: string | null;
  consents: string;
  lawful_basis: string | null;
  purpose: string | null;
  fields: string;
  decided_at: string;
  /** The referral a permit created or updated (migration 0004). */
  referral_id: string | null;
}

/** mapping/ + delivery/: what a permitted decision produces. */
export interface ReferralTable {
  id: string;
  event_id: string;
  decision_id: string;
  sender: string;
  recipient: string;
  /** Sender, encounter identifier and the person's subject HMAC (migration 0006), per recipient: later events update this referral. */
  episode_key: string;
  type: string;
  status: string;
  priority: string;
  due_by: string | null;
  /** Minimised dataset as JSON; null once purged by retention. */
  dataset: string | null;
  dataset_fields: string;
  subject_hmac: string | null;
  created_at: string;
  updated_at: string;
  /** 1 for the first dataset, +1 for each update of the same episode (migration 0004). */
  version: number;
  agreement_id: string | null;
  agreement_version: number | null;
  /** The provider's answer as JSON: { status, reason?, outcome?, note?, at } (issue 8). */
  response: string | null;
}

/** delivery/: transactional outbox, one row per referral message to send. */
export interface DeliveryTable {
  id: string;
  referral_id: string;
  recipient: string;
  /** Stable Standard Webhooks id: the recipient's de-duplication key. */
  webhook_id: string;
  kind: string;
  state: 'pending' | 'in-flight' | 'delivered' | 'failed' | 'cancelled';
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
  created_at: string;
  updated_at: string;
  /** `webhook` (pushed by the worker) or `pull` (read from the inbox). Migration 0004. */
  channel: 'webhook' | 'pull';
  /** The exact bytes to send (JSON; rows queued before issue 21 may hold a bare compact JWE); null once purged by retention. */
  payload: string | null;
  payload_sha256: string | null;
  content_type: string | null;
  delivered_at: string | null;
  /** The decision this message rests on (null for notices); its dataset field names as JSON. */
  decision_id: string | null;
  fields: string | null;
  /** The correlation id of the event that caused this message (migration 0007). */
  correlation_id?: string | null;
}

/** audit/: append-only hash chain. seq is assigned by the audit writer, gap-free. */
export interface AuditTable {
  seq: number;
  at: string;
  action: string;
  actor: string | null;
  recipient: string | null;
  referral_id: string | null;
  event_id: string | null;
  agreement_id: string | null;
  agreement_version: string | null;
  agreement_sha256: string | null;
  consent_refs: string | null;
  lawful_basis: string | null;
  purpose: string | null;
  fields: string | null;
  payload_sha256: string | null;
  subject_hmac: string | null;
  request_id: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

/** audit/: signed checkpoints of the chain head (issue 5 item 3). */
export interface AuditCheckpointTable {
  id: string;
  seq: number;
  hash: string;
  entries: number;
  at: string;
  /** Gateway key that signed the JWS. */
  kid: string;
  /** Compact JWS (EdDSA) over { seq, hash, at, entries }. */
  jws: string;
}

/** auth/: client-assertion jti values seen, kept until their exp (replay protection). */
export interface UsedJtiTable {
  partner_id: string;
  jti: string;
  expires_at: string;
}

/**
 * consent/: the consents decisions rested on, per person, recipient and stay (migration 0008,
 * issue 17 item 11). One row per consent series: its standing version, minimised.
 */
export interface ConsentMemoryTable {
  /** The audit's subject HMAC of the NHS number. */
  subject_hmac: string;
  recipient: string;
  /** SHA-256 (hex) of the episode key: later events of the same stay share it. */
  stay: string;
  /** `identifier.system|value` of the consent (or its id): versions of one consent share it. */
  series: string;
  /** `Consent/<id>` and meta.versionId, as decisions and the audit name them. */
  reference: string;
  version_id: string | null;
  source: 'message' | 'trust-fhir';
  /** The Consent as received, minimised (src/consent/consent-memory.ts), as JSON. */
  resource: string;
  /** When the gateway last obtained it: the message's arrival, or the last fetch from the trust. */
  obtained_at: string;
  /** Set when the trust's server no longer lists it as active: no longer relied on. */
  withdrawn_at: string | null;
}

/** One message of the conversation about a referral (migration 0010, issue 19 item 4). */
export interface ReferralMessageTable {
  id: string;
  referral_id: string;
  /** Which side posted it: the referring trust or the housing provider. */
  side: 'trust' | 'provider';
  /** The partner id of the organisation that posted it. */
  author: string;
  /** The staff member who wrote it, when given (work identity, not the patient's). */
  author_name: string | null;
  author_role: string | null;
  /** The free text; null once purged by retention. */
  text: string | null;
  text_sha256: string;
  posted_at: string;
  /** The webhook delivery that carries it to the other side, when that side has a webhook. */
  delivery_id: string | null;
  /** When the other side first received it: the disclosure. */
  disclosed_at: string | null;
}

/** One step of a referral, in order (migration 0011, issue 19 item 3; src/referral/steps.ts). */
export interface ReferralStepTable {
  referral_id: string;
  /** 1, 2, ... in the order the steps happened. */
  step_no: number;
  /** The status the referral moved to, or `worker-named`. */
  step: string;
  at: string;
  /** Who made the move (transitions.ts Mover): provider, gateway, trust or operator. */
  mover: string;
  /** The partner that made it, for a provider's or a trust's step. */
  partner: string | null;
  /** The staff member who recorded it, as JSON { name, role? }, when given. */
  recorded_by: string | null;
  /** The step's facts as JSON (move date; named worker); null once purged by retention. */
  detail: string | null;
  /** The provider's free-text note; null once purged by retention. */
  note: string | null;
}

/** Bookkeeping the store itself uses in tests and health checks. */
export interface KvTable {
  key: string;
  value: string;
  updated_at: Generated<string>;
}

/** referral/: a new referral linked to the person's earlier, ended one (migration 0009). */
export interface ReadmissionLinkTable {
  referral_id: string;
  earlier_referral_id: string;
  recipient: string;
  earlier_recipient: string;
  /** `completed` or `declined`: how the earlier referral ended. */
  earlier_outcome: string;
  /** When it ended (its last update). */
  ended_at: string;
  /** The agreement's readmission window the link was made under. */
  window_days: number;
  /** 1 when the earlier recipient was routed first and its catchment waived (follow-up). */
  offered_first: number;
  linked_at: string;
}

export interface Database {
  events: EventTable;
  episodes: EpisodeTable;
  decisions: DecisionTable;
  referrals: ReferralTable;
  deliveries: DeliveryTable;
  audit: AuditTable;
  audit_checkpoints: AuditCheckpointTable;
  used_jti: UsedJtiTable;
  consent_memory: ConsentMemoryTable;
  readmission_links: ReadmissionLinkTable;
  referral_messages: ReferralMessageTable;
  referral_steps: ReferralStepTable;
  kv: KvTable;
}
