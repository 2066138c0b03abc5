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
import { hash } from 'node:crypto';
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
const SEQ_INDEX = CANONICAL_KEYS.indexOf('seq');

/**
 * Characters JSON.stringify escapes in a string: `"`, `\`, U+0000 to U+001F and surrogates (it
 * escapes lone ones; paired ones it keeps, but they take the slow path too). Any other string is
 * serialised as itself between quotes, which is what makes the fast path below exact.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding the characters JSON escapes is the point.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(value ?? null), `seq` as a number: one value of the canonical text. */
function jsonValue(raw: unknown, isSeq: boolean): string {
  // PostgreSQL drivers return bigint as a string: seq is always hashed as a JSON integer.
  if (isSeq) return JSON.stringify(Number(raw));
  // Stryker disable next-line ConditionalExpression,StringLiteral: the fast path only saves work: turned off (`if (false)`, `typeof raw === ""`) JSON.stringify below gives the same text, as the property test in canonical.test.ts pins; `if (true)` on this line is killed by that test but falls under the same marks
  if (typeof raw === 'string' && !NEEDS_ESCAPE.test(raw)) {
    return `"${raw}"`;
  }
  return JSON.stringify(raw ?? null);
}

/** The canonical JSON text of an entry (without its hash). */
export function canonicalText(row: HashedColumns): string {
  let text = '';
  for (let i = 0; i < CANONICAL_KEYS.length; i++) {
    text += PREFIXES[i] + jsonValue(row[CANONICAL_KEYS[i] as keyof HashedColumns], i === SEQ_INDEX);
  }
  return `${text}}`;
}

/**
 * canonicalText of a row read as an array of values in CANONICAL_KEYS order (verification workers
 * read rows that way: no object per row). Same output as canonicalText for the same values.
 */
export function canonicalTextOfValues(values: ArrayLike<unknown>): string {
  let text = '';
  for (let i = 0; i < CANONICAL_KEYS.length; i++) text += PREFIXES[i] + jsonValue(values[i], i === SEQ_INDEX);
  return `${text}}`;
}

export function sha256Hex(text: string): string {
  // One-shot hash (Node >= 20.12): cheaper than createHash for short inputs. UTF-8, lowercase hex.
  return hash('sha256', text, 'hex');
}

/** The hash an entry must carry. */
export function entryHash(row: HashedColumns): string {
  return sha256Hex(canonicalText(row));
}

/** JSON with object keys sorted at every level: how `detail` and `consent_refs` are stored. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}
