/**
 * Rotating the gateway's signing key (issue 10 item 3, `homeward keys rotate`).
 *
 * 1. A new key is written with an activation stamp ACTIVATION_DELAY_S ahead. Running gateways
 *    re-read KEYS_DIR every KEY_RELOAD_MS, so each of them publishes the new key in its JWKS (and
 *    accepts tokens signed with it) before any of them signs with it: no process ever meets a
 *    token or checkpoint signed by a key it does not know.
 * 2. The previous keys are retired at that moment (recorded in `rotation.json`) and stay published
 *    while anything they signed may still be checked: access tokens (at most MAX_TOKEN_LIFETIME_S,
 *    the cap on ACCESS_TOKEN_TTL_SECONDS) plus REMOVAL_MARGIN_S for clock skew, JWKS caches
 *    (max-age 300 s) and reloads.
 * 3. Retired keys past that are removed: the private key file is deleted and the public key moved
 *    to `retired/`, where the gateway still finds it to verify old audit checkpoints (they are
 *    evidence, kept for years). The active key is never removed.
 */
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { generateSigningKey, KeysError, keyFiles, stampTime } from './keys.js';

export const KEY_RELOAD_MS = 60_000;
export const ACTIVATION_DELAY_S = (2 * KEY_RELOAD_MS) / 1000;
export const MAX_TOKEN_LIFETIME_S = 900;
export const REMOVAL_MARGIN_S = 900;

type Retirement = { retiredAt: string; removedAt?: string };
type Retirements = { [kid: string]: Retirement | undefined };

export interface Rotation {
  kid: string;
  activatesAt: string;
  /** Keys retired by this rotation, with when they may be removed. */
  retired: Array<{ kid: string; retiredAt: string; removableAfter: string }>;
  /** Keys removed now (their public keys kept in retired/). */
  removed: string[];
}

function readRecords(file: string): Retirements {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Retirements;
  } catch (err) {
    throw new KeysError(`Cannot read ${file}: ${(err as Error).message}`);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function rotateSigningKeys(dir: string, now = new Date()): Promise<Rotation> {
  const before = keyFiles(dir);
  const recordsFile = join(dir, 'rotation.json');
  const records = readRecords(recordsFile);
  // The first key of a folder has nobody to wait for.
  const activatesAt = new Date(now.getTime() + (before.length > 0 ? ACTIVATION_DELAY_S * 1000 : 0));
  const kid = await generateSigningKey(dir, activatesAt);
  const keepFor = (MAX_TOKEN_LIFETIME_S + REMOVAL_MARGIN_S) * 1000;
  const due = before.filter((k) => stampTime(k.createdAt) <= now.getTime());
  const activeNow = (due[due.length - 1] ?? before[0])?.kid;
  const rotation: Rotation = { kid, activatesAt: activatesAt.toISOString(), retired: [], removed: [] };
  for (const k of before) {
    const record = records[k.kid];
    if (record?.removedAt) continue;
    if (!record) {
      // It stops signing when the new key takes over.
      records[k.kid] = { retiredAt: activatesAt.toISOString() };
      rotation.retired.push({
        kid: k.kid,
        retiredAt: activatesAt.toISOString(),
        removableAfter: iso(activatesAt.getTime() + keepFor),
      });
      continue;
    }
    if (k.kid === activeNow || Date.parse(record.retiredAt) + keepFor > now.getTime()) continue;
    const jwk = JSON.parse(readFileSync(k.file, 'utf8')) as JWK;
    const { d: _d, ...pub } = jwk;
    mkdirSync(join(dir, 'retired'), { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'retired', `${k.kid}.public.jwk.json`), `${JSON.stringify(pub, null, 2)}\n`);
    unlinkSync(k.file);
    records[k.kid] = { ...record, removedAt: now.toISOString() };
    rotation.removed.push(k.kid);
  }
  writeFileSync(recordsFile, `${JSON.stringify(records, null, 2)}\n`, { mode: 0o600 });
  return rotation;
}
