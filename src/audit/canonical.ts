/**
 * The canonical serialisation every audit hash is computed over (src/audit/README.md, "Hash").
 *
 *   hash = lowercase hex SHA-256 of the UTF-8 bytes of
 *          {"action":…,"actor":…,…,"subject_hmac":…}
 *
 * i.e. a JSON object holding every column of the `audit` table except `hash` itself (so
 * `prev_hash` and `seq` are covered), keys sorted by code unit (JavaScript's default sort),
 * no whitespace, values exactly as stored: strings as JSON strings, `seq` as a JSON integer,
 * absent values as `null`. JSON columns (`consent_refs`, `fields`, `detail`) are hashed as the
 * stored TEXT, not re-parsed, so the hash covers the exact bytes in the database. For these value
 * types the output equals RFC 8785 (JSON Canonicalization Scheme), so any JCS library can check it.
 */
import { createHash } from 'node:crypto';
import type { AuditTable } from '../store/schema.js';

/** prev_hash of entry 1. */
export const GENESIS_HASH = '0'.repeat(64);

export type HashedColumns = Omit<AuditTable, 'hash'>;

/** Table columns in table order (also the CSV export header). */
export const AUDIT_COLUMNS: ReadonlyArray<keyof AuditTable> = [
  'seq',
  'at',
  'action',
  'actor',
  'recipient',
  'referral_id',
  'event_id',
  'agreement_id',
  'agreement_version',
  'agreement_sha256',
  'consent_refs',
  'lawful_basis',
  'purpose',
  'fields',
  'payload_sha256',
  'subject_hmac',
  'request_id',
  'detail',
  'prev_hash',
  'hash',
];

const HASHED = AUDIT_COLUMNS.filter((c): c is keyof HashedColumns => c !== 'hash');

/** The hashed columns in canonical (sorted) order. */
export const CANONICAL_KEYS: ReadonlyArray<keyof HashedColumns> = [...HASHED].sort();

/** `{"action":`, `,"actor":`, ...: the fixed part of the text, built once (verification hashes millions). */
const PREFIXES = CANONICAL_KEYS.map((key, i) => `${i === 0 ? '{' : ','}${JSON.stringify(key)}:`);

/** The canonical JSON text of an entry (without its hash). */
export function canonicalText(row: HashedColumns): string {
  let text = '';
  CANONICAL_KEYS.forEach((key, i) => {
    const raw = row[key];
    // PostgreSQL drivers return bigint as a string: seq is always hashed as a JSON integer.
    const value = key === 'seq' ? Number(raw) : (raw ?? null);
    text += `${PREFIXES[i]}${JSON.stringify(value)}`;
  });
  return `${text}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The hash an entry must carry. */
export function entryHash(row: HashedColumns): string {
  return sha256Hex(canonicalText(row));
}

/** JSON with object keys sorted at every level: how `detail` and `consent_refs` are stored. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
