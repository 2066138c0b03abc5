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
  | 'cancelled'
  | 'consent-withdrawn'
  | 'registry-loaded'
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
  requestId?: string;
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
