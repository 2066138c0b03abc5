/**
 * The gateway's own signing keys (access tokens, webhook v1a signatures, audit checkpoints).
 * Stored as private JWK files in KEYS_DIR (mode 0600); the newest is the active key, and
 * every key still in the folder is published in the JWKS so tokens it signed stay verifiable
 * until they expire (rotation, issue 10).
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';

export const SIGNING_ALG = 'EdDSA';
const FILE_PATTERN = /^signing-(\d{8}T\d{6}Z)-([A-Za-z0-9_-]+)\.jwk\.json$/;

export interface SigningKey {
  kid: string;
  alg: typeof SIGNING_ALG;
  createdAt: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface KeyRing {
  /** The key new signatures use. */
  active: SigningKey;
  all: SigningKey[];
  /** Public keys only, as served at /.well-known/jwks.json. */
  jwks(): { keys: JWK[] };
}

export class KeysError extends Error {
  override name = 'KeysError';
}

/** Generate a new Ed25519 key into `dir`; returns its kid. */
export async function generateSigningKey(dir: string, now = new Date()): Promise<string> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const file = join(dir, `signing-${stamp}-${kid}.jwk.json`);
  writeFileSync(file, `${JSON.stringify({ ...jwk, kid, alg: SIGNING_ALG, use: 'sig' }, null, 2)}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  chmodSync(file, 0o600);
  return kid;
}

function keyFiles(dir: string): Array<{ file: string; createdAt: string }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, m: FILE_PATTERN.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }) => ({ file: join(dir, name), createdAt: m[1] ?? '' }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * Load the key ring from `dir`. With `generateIfMissing` (dev only: never in production,
 * conventions 6) an empty folder gets a fresh key.
 */
export async function loadKeyRing(dir: string, opts: { generateIfMissing: boolean }): Promise<KeyRing> {
  let files = keyFiles(dir);
  if (files.length === 0) {
    if (!opts.generateIfMissing) {
      throw new KeysError(
        `No gateway signing key in ${dir}. Run "homeward keys generate" (production never generates keys on start).`,
      );
    }
    await generateSigningKey(dir);
    files = keyFiles(dir);
  }
  const all: SigningKey[] = [];
  for (const { file, createdAt } of files) {
    let jwk: JWK;
    try {
      jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
    } catch (err) {
      throw new KeysError(`Cannot read signing key ${file}: ${(err as Error).message}`);
    }
    if (
      jwk.kty !== 'OKP' ||
      jwk.crv !== 'Ed25519' ||
      typeof jwk.d !== 'string' ||
      typeof jwk.kid !== 'string'
    ) {
      throw new KeysError(`Signing key ${file} is not an Ed25519 private JWK with a kid`);
    }
    const privateKey = (await importJWK(jwk, SIGNING_ALG)) as CryptoKey;
    const { d: _d, ...pub } = jwk;
    all.push({
      kid: jwk.kid,
      alg: SIGNING_ALG,
      createdAt,
      privateKey,
      publicJwk: { ...pub, alg: SIGNING_ALG, use: 'sig' },
    });
  }
  const active = all[all.length - 1];
  if (!active) throw new KeysError(`No usable signing key in ${dir}`);
  return { active, all, jwks: () => ({ keys: all.map((k) => k.publicJwk) }) };
}
