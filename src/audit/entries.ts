/**
 * Rows as readers see them. The table is read as found (it may have been tampered with), so
 * JSON columns are decoded defensively: a value that does not parse is shown, not thrown.
 */
import type { AuditTable } from '../store/schema.js';
import type { AuditEntry, ConsentRef } from './types.js';

export { AUDIT_COLUMNS } from './canonical.js';

function parsed(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { unparsable: text };
  }
}

function consentsOf(text: string | null): ConsentRef[] {
  const v = parsed(text);
  if (!Array.isArray(v)) return [];
  return v.filter(
    (c): c is ConsentRef => typeof c === 'object' && c !== null && typeof c.reference === 'string',
  );
}

function fieldsOf(text: string | null): string[] {
  const v = parsed(text);
  return Array.isArray(v) ? v.filter((f): f is string => typeof f === 'string') : [];
}

function detailOf(text: string | null): Record<string, unknown> | null {
  const v = parsed(text);
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

export function toEntry(row: AuditTable): AuditEntry {
  const version = row.agreement_version === null ? null : Number(row.agreement_version);
  return {
    seq: Number(row.seq),
    at: row.at,
    action: row.action,
    actor: row.actor,
    recipient: row.recipient,
    referralId: row.referral_id,
    eventId: row.event_id,
    agreement:
      row.agreement_id === null
        ? null
        : {
            id: row.agreement_id,
            version: Number.isFinite(version) ? version : null,
            sha256: row.agreement_sha256,
          },
    consents: consentsOf(row.consent_refs),
    lawfulBasis: row.lawful_basis,
    purpose: row.purpose,
    fields: fieldsOf(row.fields),
    payloadSha256: row.payload_sha256,
    subject: row.subject_hmac,
    requestId: row.request_id,
    detail: detailOf(row.detail),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
