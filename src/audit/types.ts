/**
 * The audit contract every stage writes through (issue 5). One write function, always called
 * inside the transaction of the state change it records, so there is no disclosure without
 * an entry and no entry for something that did not happen (design.md, Referral lifecycle).
 */
import type { Tx } from '../store/index.js';

export type AuditAction =
  | 'received'
  | 'rejected'
  | 'withheld'
  | 'queued'
  | 'disclosed'
  | 'delivery-attempted'
  | 'delivery-failed'
  | 'acknowledged'
  | 'status-changed'
  | 'worker-named'
  | 'cancelled'
  | 'consent-withdrawn'
  | 'registry-loaded'
  | 'keys-rotated'
  | 'audit-read'
  | 'purged';

export interface AgreementRef {
  id: string;
  version: number;
  /** SHA-256 of the agreement file as loaded. */
  sha256: string;
}

export interface ConsentRef {
  /** `Consent/<id>` */
  reference: string;
  versionId?: string;
}

/** What a stage tells the audit. Values of disclosed fields never appear here: only their names. */
export interface AuditInput {
  action: AuditAction;
  /** Partner id of the organisation acting (sender, recipient, auditor), or `gateway`. */
  actor: string;
  recipient?: string;
  referralId?: string;
  eventId?: string;
  agreement?: AgreementRef;
  consents?: ConsentRef[];
  lawfulBasis?: string;
  purpose?: string;
  /** Names of the dataset fields disclosed. */
  fields?: string[];
  /** SHA-256 (hex) of the exact bytes sent. */
  payloadSha256?: string;
  /** The NHS number of the person concerned; stored only as an HMAC (AUDIT_SUBJECT_KEY). */
  subjectNhsNumber?: string;
  /**
   * The subject already hashed (AuditLog.subjectHash), for stages that hold only the HMAC
   * (referrals keep `subject_hmac`, never the number). Used when subjectNhsNumber is absent.
   */
  subjectHmac?: string;
  requestId?: string;
  /**
   * The correlation id of the event that caused this entry (issue 17 item 9): stored in `detail`
   * as `correlationId`, so it is hashed with the entry and the chain's columns stay as they are.
   */
  correlationId?: string;
  /** Machine-readable extras (reason codes, filters used). Must hold no personal data. */
  detail?: Record<string, unknown>;
}

export interface AppendedEntry {
  seq: number;
  hash: string;
}

export interface AuditLog {
  /** Append one entry inside `tx`; appends are serialised so `seq` is gap-free and the chain valid. */
  append(tx: Tx, input: AuditInput): Promise<AppendedEntry>;
  /** HMAC-SHA256 (hex) of a normalised NHS number under the subject key. */
  subjectHash(nhsNumber: string): string;
}

/** An audit entry as the API and exports present it: JSON columns decoded, the subject only as its HMAC. */
export interface AuditEntry {
  seq: number;
  at: string;
  /** Stored text; an AuditAction unless the row was tampered with. */
  action: string;
  actor: string | null;
  recipient: string | null;
  referralId: string | null;
  eventId: string | null;
  agreement: { id: string; version: number | null; sha256: string | null } | null;
  consents: ConsentRef[];
  lawfulBasis: string | null;
  purpose: string | null;
  fields: string[];
  payloadSha256: string | null;
  /** HMAC-SHA256 of the NHS number (never the number itself). */
  subject: string | null;
  requestId: string | null;
  detail: Record<string, unknown> | null;
  prevHash: string;
  hash: string;
}

/** Filters of GET /audit/events and the exports; every one optional, all combined with AND. */
export interface AuditFilter {
  subjectHmac?: string;
  recipient?: string;
  agreement?: string;
  action?: AuditAction;
  referral?: string;
  /** Inclusive lower bound on `at` (ISO-8601 UTC). */
  from?: string;
  /** Exclusive upper bound on `at` (ISO-8601 UTC). */
  to?: string;
}

/**
 * Which entries a reader may see (issue 5, partner isolation): an operator (CLI) sees all;
 * an auditor partner sees entries whose actor or recipient is a partner it audits, plus
 * gateway-level entries (actor `gateway`, no recipient).
 */
export type AuditVisibility = { kind: 'all' } | { kind: 'partners'; partners: readonly string[] };

/** Who reads the audit: every read is itself audited (design.md, Audit). */
export interface AuditReader {
  partnerId: string;
  requestId?: string;
  visibility: AuditVisibility;
  /**
   * Whether chain figures (verify counts, checkpoints) may cover the whole gateway: always with
   * visibility `all`; for a partner only when its file says `audit.gatewayWideFigures` (issue 17
   * item 8). Otherwise they cover only what `visibility` shows.
   */
  gatewayWideFigures?: boolean;
}

/** The result of recomputing the chain. */
export interface ChainVerification {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  /** The first entry whose link does not hold (missing, edited, moved or forged). */
  firstBrokenSeq?: number;
  problem?: string;
}

/**
 * GET /audit/verify: the chain verified whole (a hash chain cannot be checked in part), with
 * `entries` and `head` counted over what the reader may see (`figures`, issue 17 item 8).
 */
export interface AuditVerification extends ChainVerification {
  figures: 'gateway-wide' | 'audited-partners';
}

/** The signed statement "the chain had `entries` entries and its head was `seq`/`hash` at `at`". */
export interface CheckpointPayload {
  seq: number;
  hash: string;
  at: string;
  entries: number;
}

export interface Checkpoint extends CheckpointPayload {
  kid: string;
  /** Compact JWS (EdDSA) over the payload. */
  jws: string;
}
