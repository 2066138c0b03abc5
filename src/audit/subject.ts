/**
 * The person an entry is about, kept only as HMAC-SHA256(AUDIT_SUBJECT_KEY, NHS number): an IG lead
 * can search by NHS number (hashed at query time) while the table never holds the number in clear.
 * A keyed hash, not a plain SHA-256, because the space of NHS numbers is small enough to enumerate.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The dev key file, beside the signing keys in $KEYS_DIR. */
export const SUBJECT_KEY_FILE = 'audit-subject.key';

/** NHS numbers are written "943 476 5919" or "943-476-5919": hash the digits only. */
export function normaliseNhsNumber(raw: string): string {
  return raw.replace(/[\s-]/g, '');
}

export function isTenDigits(n: string): boolean {
  return /^\d{10}$/.test(n);
}

/**
 * NHS Data Dictionary, "NHS Number": weights 10..2 over the first nine digits, check digit
 * 11 - (sum mod 11), where 11 means 0 and 10 means the number is invalid (Modulus 11).
 */
export function hasValidCheckDigit(n: string): boolean {
  if (!isTenDigits(n)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(n[i]) * (10 - i);
  const check = 11 - (sum % 11);
  const expected = check === 11 ? 0 : check;
  return expected !== 10 && expected === Number(n[9]);
}

export class SubjectError extends Error {
  override name = 'SubjectError';
}

/** HMAC-SHA256 (hex) of the normalised NHS number under `key` (its UTF-8 bytes). */
export function subjectHmac(key: string, nhsNumber: string): string {
  const n = normaliseNhsNumber(nhsNumber);
  // The message never echoes the value: it may be a real NHS number.
  if (!isTenDigits(n)) throw new SubjectError('subject is not a 10-digit NHS number');
  return createHmac('sha256', key).update(n, 'utf8').digest('hex');
}

export interface SubjectKeySettings {
  auditSubjectKey: string | undefined;
  keysDir: string;
  production: boolean;
}

/**
 * AUDIT_SUBJECT_KEY when set (required in production: settings refuse to start without it);
 * in dev, a random key generated once into $KEYS_DIR/audit-subject.key (mode 0600) and reused,
 * so hashes stay comparable across restarts. Losing this key makes old entries unsearchable.
 */
export function loadSubjectKey(settings: SubjectKeySettings): string {
  if (settings.auditSubjectKey !== undefined) return settings.auditSubjectKey;
  if (settings.production) throw new SubjectError('AUDIT_SUBJECT_KEY is required in production');
  const file = join(settings.keysDir, SUBJECT_KEY_FILE);
  mkdirSync(settings.keysDir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Already there (an earlier start, or another process won the race): reuse it.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  chmodSync(file, 0o600);
  const key = readFileSync(file, 'utf8').trim();
  if (key.length < 32) throw new SubjectError(`${file} holds no usable key (need at least 32 characters)`);
  return key;
}
